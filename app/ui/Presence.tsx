/**
 * Who is here: an avatar per editor (listeners are counted, not listed: "12 listening") (with a mark while they play, and the
 * pattern they are on: "Sam is on C", marked when it is not yours), your own name
 * (editable), and notices when someone joins or leaves.
 */
import { useEffect, useRef, useState } from 'react';
import { LIMITS, type Peer } from '../../core';
import { viewedPatternOf } from '../store/patternView';
import { pushNotice } from '../store/sessionStore';
import { checkPeerName, loadIdentity, saveIdentity } from '../sync/identity';
import { useSession, useSessionContext } from './SessionContext';

export function Presence() {
  const { store, sync } = useSessionContext();
  const peers = useSession((s) => s.peers);
  const listeners = useSession((s) => s.listeners);
  const selfPeerId = useSession((s) => s.selfPeerId);
  const mine = useSession(viewedPatternOf);
  const known = useRef<Map<string, Peer> | null>(null);
  const [editing, setEditing] = useState(false);
  const [identity, setIdentity] = useState(loadIdentity);

  // A reload is a leave and a join a moment later: hold "left" notices briefly and
  // drop them when the same person comes back.
  const pendingLeaves = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const current = new Map(peers.map((p) => [p.peerId, p]));
    if (known.current && selfPeerId) {
      // Leaves first: one update can swap a reloaded page's old connection for its new
      // one (the room replaced a ghost), and that is neither a join nor a leave.
      for (const [id, p] of known.current) {
        if (current.has(id) || id === selfPeerId || pendingLeaves.current.has(p.name)) continue;
        pendingLeaves.current.set(
          p.name,
          setTimeout(() => {
            pendingLeaves.current.delete(p.name);
            pushNotice(store, 'info', `${p.name} left`);
          }, 3000),
        );
      }
      for (const [id, p] of current) {
        if (known.current.has(id) || id === selfPeerId) continue;
        const leaving = pendingLeaves.current.get(p.name);
        if (leaving) {
          clearTimeout(leaving);
          pendingLeaves.current.delete(p.name);
        } else {
          pushNotice(store, 'info', `${p.name} joined`);
        }
      }
    }
    if (selfPeerId) known.current = current;
  }, [peers, selfPeerId, store]);
  useEffect(() => () => pendingLeaves.current.forEach(clearTimeout), []);

  const others = peers.filter((p) => p.peerId !== selfPeerId);
  return (
    <div className="presence" role="group" aria-label="People here">
      <ul className="avatars">
        {others.map((p) => {
          const on = `${p.name} is on ${p.pattern}`;
          return (
            <li
              key={p.peerId}
              className="avatar"
              style={{ background: p.color, color: inkOn(p.color) }}
              title={`${on}${p.playing ? ' (playing)' : ''}${p.listenOnly ? ' (listening)' : ''}`}
            >
              <span aria-hidden="true">{initials(p.name)}</span>
              <span className="visually-hidden">
                {on}
                {p.playing ? ', playing' : ''}
                {p.listenOnly ? ', listening' : ''}
              </span>
              <span className={`pattern-mark${p.pattern === mine ? '' : ' elsewhere'}`} aria-hidden="true">
                {p.pattern}
              </span>
              {p.playing && (
                <span className="playing-mark" aria-hidden="true">
                  ♪
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {listeners > 0 && (
        <span className="listener-count" role="status" aria-label={`${listeners} listening`}>
          {listeners} listening
        </span>
      )}
      {sync.listenOnly ? null : editing ? (
        <input
          aria-label="Your name"
          defaultValue={identity.name}
          maxLength={LIMITS.maxPeerName}
          autoFocus
          onBlur={(e) => {
            const name = e.currentTarget.value.trim();
            const problem = name ? checkPeerName(name) : null;
            if (problem) pushNotice(store, 'error', `That name cannot be used (${problem}); you are still ${identity.name}.`);
            else if (name) {
              const next = { ...identity, name };
              saveIdentity(next);
              setIdentity(next);
              sync.setIdentity(next);
            }
            setEditing(false);
          }}
          onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
        />
      ) : (
        <button
          type="button"
          className="self"
          style={{ borderColor: identity.color }}
          onClick={() => setEditing(true)}
          aria-label={`Your name: ${identity.name} (edit)`}
        >
          {identity.name}
        </button>
      )}
    </div>
  );
}

const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((w) => [...w][0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();

/** Near-black or white, whichever reads better on a #rrggbb background (WCAG relative luminance). */
export function inkOn(background: string): string {
  const channel = (i: number) => {
    const c = Number.parseInt(background.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  // Contrast with #111 (luminance ≈ 0.0056) against contrast with white.
  return (l + 0.05) / 0.0556 >= 1.05 / (l + 0.05) ? '#111' : '#fff';
}
