/**
 * The inverse of a mutation against the state it is about to change: the
 * set-to-value that restores what it replaced. Undo sends that, so it behaves like
 * any other edit alongside other people's concurrent changes.
 */
import type { Session } from './model';
import type { Mutation } from './schema';

export function inverseOf(session: Session, mutation: Mutation): Mutation | null {
  const track = 'trackId' in mutation ? session.tracks.find((t) => t.id === mutation.trackId) : undefined;
  const nextTrackId = (id: string) => {
    const i = session.tracks.findIndex((t) => t.id === id);
    return session.tracks[i + 1]?.id ?? null;
  };
  switch (mutation.type) {
    case 'set_step':
      return track ? { ...mutation, on: track.steps[mutation.step] ?? false } : null;
    case 'set_velocity':
      return track ? { ...mutation, velocity: track.velocities[mutation.step]! } : null;
    case 'set_pitch':
      return track ? { ...mutation, pitch: track.pitches[mutation.step]! } : null;
    case 'set_pattern':
      return track
        ? { ...mutation, pattern: { steps: track.steps.slice(), velocities: track.velocities.slice(), pitches: track.pitches.slice() } }
        : null;
    case 'set_length':
      return track ? { ...mutation, length: track.length } : null;
    case 'set_track_name':
      return track ? { ...mutation, name: track.name } : null;
    case 'set_instrument':
      return track ? { ...mutation, instrument: track.instrument } : null;
    case 'set_volume':
      return track ? { ...mutation, volume: track.volume } : null;
    case 'set_pan':
      return track ? { ...mutation, pan: track.pan } : null;
    case 'add_track':
      return { type: 'delete_track', trackId: mutation.track.id };
    case 'delete_track':
      return track ? { type: 'add_track', track: structuredClone(track), beforeTrackId: nextTrackId(track.id) } : null;
    case 'move_track':
      return track ? { type: 'move_track', trackId: track.id, beforeTrackId: nextTrackId(track.id) } : null;
    case 'set_tempo':
      return { type: 'set_tempo', tempo: session.tempo };
    case 'set_swing':
      return { type: 'set_swing', swing: session.swing };
    case 'set_session_name':
      return { type: 'set_session_name', name: session.name };
    case 'set_effect':
      return { type: 'set_effect', param: mutation.param, value: session.effects[mutation.param] };
    case 'set_play_together':
    case 'set_playing':
      return null; // transport state is not part of the music: not undoable
  }
}
