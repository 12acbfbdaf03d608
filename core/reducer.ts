/**
 * applyMutation: the one rule for how a mutation changes a session, run by the
 * server (authoritative, in version order) and by every client (optimistically,
 * then again on the confirmed base). Pure and deterministic: the same session,
 * mutation and `at` always give the same result, so replicas cannot drift.
 */
import { STEP_FIELDS } from './fields';
import { LIMITS } from './limits';
import type { Session, StepArrays, Track } from './model';
import { type Mutation, type SessionSetter, type Setter, SETTERS, type StepSetter, type TrackSetter } from './schema';
import { retimeAnchor } from './timeline';

export type RefusalCode =
  | 'unknown_track'
  | 'duplicate_track'
  | 'too_many_tracks'
  /** A mutation type this code does not know: written by a newer version of Keyboardia. */
  | 'unknown_mutation';

export type ApplyResult = { ok: true; session: Session } | { ok: false; code: RefusalCode; message: string };

const refuse = (code: RefusalCode, message: string): ApplyResult => ({ ok: false, code, message });

function updateTrack(session: Session, trackId: string, update: (track: Track) => Track): ApplyResult {
  const index = session.tracks.findIndex((t) => t.id === trackId);
  if (index < 0) return refuse('unknown_track', `no track with id ${trackId}`);
  const tracks = session.tracks.slice();
  tracks[index] = update(tracks[index]!);
  return { ok: true, session: { ...session, tracks } };
}

function withIndex<T>(array: readonly T[], index: number, value: T): T[] {
  const copy = array.slice();
  copy[index] = value;
  return copy;
}

/** Where to insert so that the track lands before `beforeTrackId` (null or unknown: at the end). */
function insertionIndex(tracks: readonly Track[], beforeTrackId: string | null): number {
  if (beforeTrackId === null) return tracks.length;
  const i = tracks.findIndex((t) => t.id === beforeTrackId);
  return i < 0 ? tracks.length : i;
}

/**
 * @param at server time (ms) the change was applied; only tempo changes use it,
 *   to keep the shared timeline continuous.
 */
export function applyMutation(session: Session, mutation: Mutation, at: number): ApplyResult {
  const setter = SETTERS.get(mutation.type);
  if (setter) return applySetter(session, setter, mutation as SetterMutation);
  // Everything below is not a field setter (those are generated from core/fields.ts).
  const m = mutation as Exclude<Mutation, TrackSetter | StepSetter | SessionSetter>;
  switch (m.type) {
    case 'set_pattern':
      return updateTrack(session, m.trackId, (t) => ({ ...t, ...copyPattern(m.pattern) }));
    case 'add_track': {
      if (session.tracks.some((t) => t.id === m.track.id)) {
        return refuse('duplicate_track', `a track with id ${m.track.id} exists`);
      }
      if (session.tracks.length >= LIMITS.maxTracks) {
        return refuse('too_many_tracks', `at most ${LIMITS.maxTracks} tracks`);
      }
      const tracks = session.tracks.slice();
      tracks.splice(insertionIndex(tracks, m.beforeTrackId), 0, { ...m.track, ...copyPattern(m.track) });
      return { ok: true, session: { ...session, tracks } };
    }
    case 'delete_track':
      // Deleting a track that is already gone is a successful no-op: two people
      // deleting the same track at once both succeed, and exactly one track goes.
      return {
        ok: true,
        session: { ...session, tracks: session.tracks.filter((t) => t.id !== m.trackId) },
      };
    case 'move_track': {
      const track = session.tracks.find((t) => t.id === m.trackId);
      if (!track) return refuse('unknown_track', `no track with id ${m.trackId}`);
      if (m.beforeTrackId === m.trackId) return { ok: true, session };
      const rest = session.tracks.filter((t) => t.id !== m.trackId);
      rest.splice(insertionIndex(rest, m.beforeTrackId), 0, track);
      return { ok: true, session: { ...session, tracks: rest } };
    }
    case 'set_effect':
      return { ok: true, session: { ...session, effects: { ...session.effects, [m.param]: m.value } } };
    case 'set_play_together':
      return { ok: true, session: { ...session, timeline: { ...session.timeline, together: m.together } } };
    case 'set_playing':
      return { ok: true, session: { ...session, timeline: { ...session.timeline, playing: m.playing } } };
    default: {
      // The compiler proves every known type is handled above. At run time a change
      // from a newer server (a tab left open across a deploy) can still land here: it is
      // refused with a result, never a crash, and the client asks to be reloaded.
      const unknown: never = m;
      return refuse('unknown_mutation', `unknown mutation type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }

  function applySetter(s: Session, setter: Setter, mutation: SetterMutation): ApplyResult {
    const value = (mutation as unknown as Record<string, unknown>)[setter.field];
    switch (setter.scope) {
      case 'track':
        return updateTrack(s, (mutation as TrackSetter).trackId, (t) => ({ ...t, [setter.field]: value }));
      case 'step': {
        const { step, trackId } = mutation as StepSetter;
        const array = STEP_FIELDS[setter.field].array;
        return updateTrack(s, trackId, (t) => ({ ...t, [array]: withIndex(t[array] as unknown[], step, value) }));
      }
      case 'session':
        if (setter.field === 'tempo') {
          // A tempo change keeps the shared timeline continuous: playback carries on from
          // where it is, only faster or slower.
          const tempo = value as number;
          const anchorMs = retimeAnchor(s.timeline.anchorMs, s.tempo, tempo, at);
          return { ok: true, session: { ...s, tempo, timeline: { ...s.timeline, anchorMs } } };
        }
        return { ok: true, session: { ...s, [setter.field]: value } };
    }
  }
}

type SetterMutation = TrackSetter | StepSetter | SessionSetter;

/** Fresh copies of a track's step arrays (documents are never changed in place). */
export function copyPattern(pattern: StepArrays): StepArrays {
  return Object.fromEntries(Object.values(STEP_FIELDS).map((f) => [f.array, pattern[f.array].slice()])) as StepArrays;
}
