/**
 * applyMutation: the one rule for how a mutation changes a session, run by the
 * server (authoritative, in version order) and by every client (optimistically,
 * then again on the confirmed base). Pure and deterministic: the same session,
 * mutation and `at` always give the same result, so replicas cannot drift.
 */
import { LIMITS } from './limits';
import { EFFECT_LIMITS, type Session, type Track } from './model';
import type { Mutation } from './schema';
import { retimeAnchor } from './timeline';

export type RefusalCode =
  | 'unknown_track'
  | 'duplicate_track'
  | 'too_many_tracks'
  | 'out_of_range';

export type ApplyResult =
  | { ok: true; session: Session }
  | { ok: false; code: RefusalCode; message: string };

const refuse = (code: RefusalCode, message: string): ApplyResult => ({ ok: false, code, message });

function updateTrack(
  session: Session,
  trackId: string,
  update: (track: Track) => Track,
): ApplyResult {
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
  switch (mutation.type) {
    case 'set_step':
      return updateTrack(session, mutation.trackId, (t) => ({
        ...t,
        steps: withIndex(t.steps, mutation.step, mutation.on),
      }));
    case 'set_velocity':
      return updateTrack(session, mutation.trackId, (t) => ({
        ...t,
        velocities: withIndex(t.velocities, mutation.step, mutation.velocity),
      }));
    case 'set_pitch':
      return updateTrack(session, mutation.trackId, (t) => ({
        ...t,
        pitches: withIndex(t.pitches, mutation.step, mutation.pitch),
      }));
    case 'set_pattern':
      return updateTrack(session, mutation.trackId, (t) => ({
        ...t,
        steps: mutation.pattern.steps.slice(),
        velocities: mutation.pattern.velocities.slice(),
        pitches: mutation.pattern.pitches.slice(),
      }));
    case 'set_length':
      // Only the visible length changes: steps past it are kept (failure mode 12).
      return updateTrack(session, mutation.trackId, (t) => ({ ...t, length: mutation.length }));
    case 'set_track_name':
      return updateTrack(session, mutation.trackId, (t) => ({ ...t, name: mutation.name }));
    case 'set_instrument':
      return updateTrack(session, mutation.trackId, (t) => ({ ...t, instrument: mutation.instrument }));
    case 'set_volume':
      return updateTrack(session, mutation.trackId, (t) => ({ ...t, volume: mutation.volume }));
    case 'set_pan':
      return updateTrack(session, mutation.trackId, (t) => ({ ...t, pan: mutation.pan }));
    case 'add_track': {
      if (session.tracks.some((t) => t.id === mutation.track.id)) {
        return refuse('duplicate_track', `a track with id ${mutation.track.id} exists`);
      }
      if (session.tracks.length >= LIMITS.maxTracks) {
        return refuse('too_many_tracks', `at most ${LIMITS.maxTracks} tracks`);
      }
      const tracks = session.tracks.slice();
      tracks.splice(insertionIndex(tracks, mutation.beforeTrackId), 0, structuredCloneTrack(mutation.track));
      return { ok: true, session: { ...session, tracks } };
    }
    case 'delete_track':
      // Deleting a track that is already gone is a successful no-op: two people
      // deleting the same track at once both succeed, and exactly one track goes.
      return {
        ok: true,
        session: { ...session, tracks: session.tracks.filter((t) => t.id !== mutation.trackId) },
      };
    case 'move_track': {
      const track = session.tracks.find((t) => t.id === mutation.trackId);
      if (!track) return refuse('unknown_track', `no track with id ${mutation.trackId}`);
      if (mutation.beforeTrackId === mutation.trackId) return { ok: true, session };
      const rest = session.tracks.filter((t) => t.id !== mutation.trackId);
      rest.splice(insertionIndex(rest, mutation.beforeTrackId), 0, track);
      return { ok: true, session: { ...session, tracks: rest } };
    }
    case 'set_tempo':
      return {
        ok: true,
        session: {
          ...session,
          tempo: mutation.tempo,
          timeline: {
            ...session.timeline,
            anchorMs: retimeAnchor(session.timeline.anchorMs, session.tempo, mutation.tempo, at),
          },
        },
      };
    case 'set_swing':
      return { ok: true, session: { ...session, swing: mutation.swing } };
    case 'set_session_name':
      return { ok: true, session: { ...session, name: mutation.name } };
    case 'set_effect': {
      const { max } = EFFECT_LIMITS[mutation.param];
      if (mutation.value > max) return refuse('out_of_range', `${mutation.param} is at most ${max}`);
      return { ok: true, session: { ...session, effects: { ...session.effects, [mutation.param]: mutation.value } } };
    }
    case 'set_play_together':
      return { ok: true, session: { ...session, timeline: { ...session.timeline, together: mutation.together } } };
    case 'set_playing':
      return { ok: true, session: { ...session, timeline: { ...session.timeline, playing: mutation.playing } } };
  }
}

function structuredCloneTrack(track: Track): Track {
  return {
    ...track,
    steps: track.steps.slice(),
    velocities: track.velocities.slice(),
    pitches: track.pitches.slice(),
  };
}
