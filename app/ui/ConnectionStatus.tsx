import { useSession } from './SessionContext';

const LABEL = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', offline: 'Offline' } as const;

/** Connected / reconnecting / offline, with the number of edits not yet confirmed. */
export function ConnectionStatus() {
  const status = useSession((s) => s.status);
  const pending = useSession((s) => s.pendingCount);
  const unsaved = useSession((s) => s.unsaved);
  return (
    <div className={`connection connection-${status}`} role="status" aria-live="polite" data-testid="connection-status">
      <span className="dot" aria-hidden="true" />
      {LABEL[status]}
      {pending > 0 && <span className="unsynced"> · {pending} unsynced</span>}
      {unsaved && (
        <span className="unsaved" title="This browser's storage is full: unsynced edits would be lost by a reload">
          {' '}
          · offline safety off
        </span>
      )}
    </div>
  );
}
