/**
 * The inverse of a mutation against the state it is about to change: the
 * set-to-value that restores what it replaced. Undo sends that, so it behaves like
 * any other edit alongside other people's concurrent changes.
 */
import { STEP_FIELDS } from './fields';
import type { Session } from './model';
import { copyPattern } from './reducer';
import { type Mutation, SETTERS, type StepSetter } from './schema';

export function inverseOf(session: Session, mutation: Mutation): Mutation | null {
  const track = 'trackId' in mutation ? session.tracks.find((t) => t.id === mutation.trackId) : undefined;
  const nextTrackId = (id: string) => {
    const i = session.tracks.findIndex((t) => t.id === id);
    return session.tracks[i + 1]?.id ?? null;
  };
  // A field setter is undone by setting the field back to what it holds now.
  const setter = SETTERS.get(mutation.type);
  if (setter) {
    switch (setter.scope) {
      case 'track':
        return track ? ({ ...mutation, [setter.field]: track[setter.field] } as Mutation) : null;
      case 'step': {
        const { step } = mutation as StepSetter;
        return track ? ({ ...mutation, [setter.field]: track[STEP_FIELDS[setter.field].array][step] } as Mutation) : null;
      }
      case 'session':
        return { ...mutation, [setter.field]: session[setter.field] } as Mutation;
    }
  }
  const m = mutation as Extract<
    Mutation,
    { type: 'set_pattern' | 'add_track' | 'delete_track' | 'move_track' | 'set_effect' | 'set_play_together' | 'set_playing' }
  >;
  switch (m.type) {
    case 'set_pattern':
      return track ? { ...m, pattern: copyPattern(track) } : null;
    case 'add_track':
      return { type: 'delete_track', trackId: m.track.id };
    case 'delete_track':
      return track ? { type: 'add_track', track: structuredClone(track), beforeTrackId: nextTrackId(track.id) } : null;
    case 'move_track':
      return track ? { type: 'move_track', trackId: track.id, beforeTrackId: nextTrackId(track.id) } : null;
    case 'set_effect':
      return { type: 'set_effect', param: m.param, value: session.effects[m.param] };
    case 'set_play_together':
    case 'set_playing':
      return null; // transport state is not part of the music: not undoable
  }
}
