/**
 * The inverse of a mutation against the state it is about to change: the
 * set-to-value that restores what it replaced. Undo sends that, so it behaves like
 * any other edit alongside other people's concurrent changes.
 */
import { STEP_FIELDS } from './fields';
import { type KeyNotes, keyChangeNotes } from './music';
import { applyMutation } from './reducer';
import { copyRow, type PatternId, type Row, rowOf, type Session } from './model';
import {
  type Mutation,
  type PatternSetter,
  type RowSetter,
  type SessionSetter,
  SETTERS,
  type StepSetter,
  type TrackSetter,
} from './schema';

export function inverseOf(session: Session, mutation: Mutation): Mutation | null {
  const track = 'trackId' in mutation ? session.tracks.find((t) => t.id === mutation.trackId) : undefined;
  const nextId = (items: readonly { id: string }[], id: string) => {
    const i = items.findIndex((t) => t.id === id);
    return items[i + 1]?.id ?? null;
  };
  // A field setter is undone by setting the field back to what it holds now.
  const setter = SETTERS.get(mutation.type);
  if (setter) {
    switch (setter.scope) {
      case 'track':
        return track ? ({ ...mutation, [setter.field]: track[setter.field] } as Mutation) : null;
      case 'row': {
        const { pattern } = mutation as RowSetter;
        return track && session.patterns[pattern]
          ? ({ ...mutation, [setter.field]: rowOf(session, pattern, track.id)[setter.field] } as Mutation)
          : null;
      }
      case 'step': {
        const { step, pattern } = mutation as StepSetter;
        const row = rowOf(session, pattern, track?.id ?? '');
        return track && session.patterns[pattern]
          ? ({ ...mutation, [setter.field]: row[STEP_FIELDS[setter.field].array][step] } as Mutation)
          : null;
      }
      case 'pattern': {
        const target = session.patterns[(mutation as PatternSetter).pattern];
        return target ? ({ ...mutation, [setter.field]: target[setter.field] } as Mutation) : null;
      }
      case 'session':
        return { ...mutation, [setter.field]: session[setter.field] } as Mutation;
    }
  }
  const m = mutation as Exclude<Mutation, TrackSetter | RowSetter | StepSetter | PatternSetter | SessionSetter>;
  switch (m.type) {
    case 'set_row':
      return track && session.patterns[m.pattern] ? { ...m, row: copyRow(rowOf(session, m.pattern, track.id)) } : null;
    case 'set_steps': {
      if (!track || !session.patterns[m.pattern]) return null;
      const { length: _length, ...steps } = copyRow(rowOf(session, m.pattern, track.id));
      return { ...m, steps };
    }
    case 'add_track':
      return { type: 'delete_track', trackId: m.track.id };
    case 'delete_track': {
      if (!track) return null;
      const rows: Partial<Record<PatternId, Row>> = {};
      for (const [p, pattern] of Object.entries(session.patterns)) {
        const row = pattern?.rows[track.id];
        if (row) rows[p as PatternId] = copyRow(row);
      }
      return { type: 'add_track', track: { ...track }, rows, beforeTrackId: nextId(session.tracks, track.id) };
    }
    case 'move_track':
      return track ? { type: 'move_track', trackId: track.id, beforeTrackId: nextId(session.tracks, track.id) } : null;
    case 'add_pattern':
      return session.patterns[m.pattern] ? null : { type: 'delete_pattern', pattern: m.pattern };
    case 'put_pattern':
    case 'delete_pattern': {
      const old = session.patterns[m.pattern];
      if (!old) return null;
      const value = structuredClone(old);
      return m.type === 'put_pattern'
        ? { type: 'put_pattern', pattern: m.pattern, value }
        : { type: 'add_pattern', pattern: m.pattern, value };
    }
    case 'add_song_entry':
      return { type: 'delete_song_entry', entryId: m.entry.id };
    case 'set_song_entry': {
      const old = session.song.entries.find((e) => e.id === m.entry.id);
      return old ? { type: 'set_song_entry', entry: { ...old } } : null;
    }
    case 'delete_song_entry': {
      const old = session.song.entries.find((e) => e.id === m.entryId);
      return old ? { type: 'add_song_entry', entry: { ...old }, beforeEntryId: nextId(session.song.entries, old.id) } : null;
    }
    case 'move_song_entry':
      return session.song.entries.some((e) => e.id === m.entryId)
        ? { type: 'move_song_entry', entryId: m.entryId, beforeEntryId: nextId(session.song.entries, m.entryId) }
        : null;
    case 'set_song_loop':
      return { type: 'set_song_loop', loop: session.song.loop };
    case 'set_song_start':
      return { type: 'set_song_start', entryId: session.song.start };
    case 'set_effect':
      return { type: 'set_effect', param: m.param, value: session.effects[m.param] };
    case 'set_key': {
      const changed = m.notes ?? (m.remap ? keyChangeNotes(session, m.key) : {});
      // Moving the notes back to the old key undoes most changes exactly (a new root, a
      // scale of as many notes): then say so in a few bytes. Otherwise (notes folded into
      // range, snapped into a smaller scale) list the old value of every step it moved —
      // about 10 bytes a step, which for a session of many melodic rows would pass the
      // frame limit.
      if (m.remap && m.notes === null) {
        const back: Mutation = { type: 'set_key', key: { ...session.key }, remap: true, notes: null };
        const forward = applyMutation(session, m, 0);
        const restored = forward.ok ? applyMutation(forward.session, back, 0) : null;
        if (restored?.ok && JSON.stringify(restored.session.patterns) === JSON.stringify(session.patterns)) return back;
      }
      const notes: KeyNotes = {};
      for (const [p, rows] of Object.entries(changed) as [PatternId, Record<string, [number, number, number][]>][]) {
        for (const [trackId, steps] of Object.entries(rows)) {
          if (!session.patterns[p] || !session.tracks.some((t) => t.id === trackId)) continue;
          const row = rowOf(session, p, trackId);
          (notes[p] ??= {})[trackId] = steps.map(([step]) => [step, row.pitches[step]!, row.chords[step]!]);
        }
      }
      return { type: 'set_key', key: { ...session.key }, remap: false, notes };
    }
    case 'rename_sound': {
      const sound = session.sounds[m.key];
      return sound ? { type: 'rename_sound', key: m.key, name: sound.name } : null;
    }
    // Sounds are never taken out of the kit (published beats and remixes keep them):
    // undoing "use your own sound" on a track is undoing its set_instrument.
    case 'add_sound':
    case 'launch_pattern':
    case 'start_transport':
    case 'set_play_together':
    case 'set_playing':
      return null; // what plays, and when, is not part of the music: not undoable
    default: {
      const unknown: never = m;
      return unknown;
    }
  }
}
