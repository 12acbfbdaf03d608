import { useSession } from './SessionContext';

/** Transient messages: refusals, joins and leaves. */
export function Notices() {
  const notices = useSession((s) => s.notices);
  return (
    <div className="notices" aria-live="assertive">
      {notices.map((n) => (
        <p key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : undefined}>
          {n.text}
        </p>
      ))}
    </div>
  );
}
