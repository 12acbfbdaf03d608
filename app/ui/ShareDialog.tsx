/**
 * Sharing, in one dialog: the link (copy, QR code), and — for a published beat —
 * the embed snippet. The editor shows its own editable link ("Invite to edit") and the
 * session's listen link ("Invite to listen": live and read-only, issue 17, made on
 * first request); the beat page and the publish result show the beat's read-only link.
 */
import { useEffect, useRef, useState } from 'react';
import { listenLinkOf } from '../api';
import { copyText } from './copy';

export function ShareDialog({
  title,
  link,
  note,
  embed,
  listenFor,
  onClose,
}: {
  title: string;
  link: string;
  note?: string;
  /** A copy-ready iframe snippet, for published beats. */
  embed?: string;
  /** The editable session whose listen link to offer beside `link`. */
  listenFor?: string;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [listen, setListen] = useState<{ link: string } | { failed: string } | null>(null);

  useEffect(() => {
    if (!listenFor) return;
    let live = true;
    listenLinkOf(listenFor).then(
      ({ url }) => live && setListen({ link: `${location.origin}${url}` }),
      (error: unknown) => live && setListen({ failed: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
  }, [listenFor]);

  useEffect(() => {
    ref.current?.showModal();
    let live = true;
    // The QR encoder loads when a dialog first opens, not with the page (issue 17: a phone
    // evaluates every module a page imports before it draws).
    void import('qrcode')
      .then(({ default: QRCode }) => QRCode.toDataURL(link, { margin: 1, width: 220, color: { dark: '#000000', light: '#ffffff' } }))
      .then((url) => live && setQr(url));
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
      {listenFor && <h3>Invite to edit</h3>}
      <label className="field">
        {listenFor ? 'Edit link' : 'Link'}
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
      {listenFor && (
        <section aria-label="Invite to listen">
          <h3>Invite to listen</h3>
          <p className="note">
            Anyone with this link hears and sees the session live, and cannot change it. It does not reveal the edit link.
          </p>
          {listen === null && <p className="loading">Making the listen link…</p>}
          {listen && 'failed' in listen && <p className="notice notice-error">The listen link could not be made: {listen.failed}</p>}
          {listen && 'link' in listen && (
            <>
              <label className="field">
                Listen link
                <input readOnly value={listen.link} onFocus={(e) => e.currentTarget.select()} />
              </label>
              <div className="row">
                <button type="button" onClick={() => copy('listen', listen.link)}>
                  Copy listen link
                </button>
                <a href={listen.link} target="_blank" rel="noopener">
                  Open listen link
                </a>
                {copied === 'listen' && <span role="status">Listen link copied</span>}
              </div>
            </>
          )}
        </section>
      )}
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
