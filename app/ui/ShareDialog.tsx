/**
 * Sharing, in one dialog: the link (copy, QR code), and — for a published beat —
 * the embed snippet. The editor shows its own editable link; the beat page and the
 * publish result show the beat's read-only link.
 */
import QRCode from 'qrcode';
import { useEffect, useRef, useState } from 'react';
import { copyText } from './copy';

export function ShareDialog({
  title,
  link,
  note,
  embed,
  onClose,
}: {
  title: string;
  link: string;
  note?: string;
  /** A copy-ready iframe snippet, for published beats. */
  embed?: string;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => {
    ref.current?.showModal();
    let live = true;
    void QRCode.toDataURL(link, { margin: 1, width: 220, color: { dark: '#000000', light: '#ffffff' } }).then((url) => live && setQr(url));
    return () => {
      live = false;
    };
  }, [link]);

  const copy = async (what: string, text: string) => {
    if (await copyText(text)) setCopied(what);
  };

  return (
    <dialog ref={ref} className="share-dialog" aria-label={title} onClose={onClose}>
      <h2>{title}</h2>
      {note && <p className="note">{note}</p>}
      <label className="field">
        Link
        <input readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <div className="row">
        <button type="button" onClick={() => copy('link', link)}>
          Copy link
        </button>
        <a href={link} target="_blank" rel="noopener">
          Open
        </a>
        {copied === 'link' && <span role="status">Link copied</span>}
      </div>
      {qr && <img className="qr" src={qr} alt={`QR code for ${link}`} width={220} height={220} />}
      {embed && (
        <>
          <label className="field">
            Embed
            <textarea readOnly value={embed} rows={3} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <div className="row">
            <button type="button" onClick={() => copy('embed', embed)}>
              Copy embed code
            </button>
            {copied === 'embed' && <span role="status">Embed code copied</span>}
          </div>
        </>
      )}
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
