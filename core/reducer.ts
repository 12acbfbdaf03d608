/**
 * applyMutation: the one rule for how a mutation changes a session, run by the
 * server (authoritative, in version order) and by every client (optimistically,
 * then again on the confirmed base). Pure and deterministic: the same session,
 * mutation and `at` always give the same result, so replicas cannot drift.
 */
import { LAUNCH_LEAD_MS, launchStep, patternInUse, transportAt } from './arrangement';
import { STEP_FIELDS } from './fields';
import { soundKeyOf } from './instruments';
import { LIMITS } from './limits';
import { type KeyNotes, keyChangeNotes } from './music';
import { copyRow, isEmptyRow, type PatternId, type Row, rowOf, type Session, type SongEntry, type Track } from './model';
import {
  type Mutation,
  type PatternSetter,
  type RowSetter,
  type SessionSetter,
  type Setter,
  SETTERS,
  type StepSetter,
  type TrackSetter,
} from './schema';
import { retimeAnchor, stepsSinceAnchor } from './timeline';

export type RefusalCode =
  | 'unknown_track'
  | 'duplicate_track'
  | 'too_many_tracks'
  /** An edit into a pattern that is not in use (deleted meanwhile, or never added). */
  | 'unknown_pattern'
  /** Adding a pattern someone else has just added. */
  | 'duplicate_pattern'
  /** Deleting a pattern that plays, is queued, is in the song, or is the last one. */
  | 'pattern_in_use'
  | 'unknown_song_entry'
  | 'duplicate_song_entry'
  | 'song_full'
  /** Play at once with an anchor far from the room's clock. */
  | 'bad_anchor'
  /**
   * A sound that is not in the session's kit (set_instrument `sound:<key>`, rename_sound),
   * or, from the room, an add_sound whose bytes are not stored.
   */
  | 'unknown_sound'
  | 'too_many_sounds'
  /** A mutation type this code does not know: written by a newer version of Keyboardia. */
  | 'unknown_mutation';

export type ApplyResult = { ok: true; session: Session } | { ok: false; code: RefusalCode; message: string };

const refuse = (code: RefusalCode, message: string): ApplyResult => ({ ok: false, code, message });
const done = (session: Session): ApplyResult => ({ ok: true, session });

/** How far from the room's clock a Play-at-once anchor may be: more is a broken or hostile client. */
export const MAX_ANCHOR_SKEW_MS = 10_000;

function updateTrack(session: Session, trackId: string, update: (track: Track) => Track): ApplyResult {
  const index = session.tracks.findIndex((t) => t.id === trackId);
  if (index < 0) return refuse('unknown_track', `no track with id ${trackId}`);
  const tracks = session.tracks.slice();
  tracks[index] = update(tracks[index]!);
  return done({ ...session, tracks });
}

/** Set a track's row in a pattern; a row back at the default is dropped (it costs nothing). */
function updateRow(session: Session, pattern: PatternId, trackId: string, update: (row: Row) => Row): ApplyResult {
  const target = session.patterns[pattern];
  if (!target) return refuse('unknown_pattern', `pattern ${pattern} is not in use`);
  if (!session.tracks.some((t) => t.id === trackId)) return refuse('unknown_track', `no track with id ${trackId}`);
  const row = update(rowOf(session, pattern, trackId));
  const { [trackId]: _old, ...rows } = target.rows;
  if (!isEmptyRow(row)) rows[trackId] = row;
  return done({ ...session, patterns: { ...session.patterns, [pattern]: { ...target, rows } } });
}

/** Refuses an instrument that is an own sound not in the session's kit; null when it may be played. */
function unknownSound(session: Session, instrument: string): ApplyResult | null {
  const key = soundKeyOf(instrument);
  if (key === null || Object.hasOwn(session.sounds, key)) return null;
  return refuse('unknown_sound', `sound ${key} is not in this session: add it first (add_sound)`);
}

function withIndex<T>(array: readonly T[], index: number, value: T): T[] {
  const copy = array.slice();
  copy[index] = value;
  return copy;
}

/** Where to insert so that the item lands before `beforeId` (null or unknown: at the end). */
function insertionIndex(items: readonly { id: string }[], beforeId: string | null): number {
  if (beforeId === null) return items.length;
  const i = items.findIndex((t) => t.id === beforeId);
  return i < 0 ? items.length : i;
}

/** Rows of patterns in use only, copied; default rows dropped. */
function keptRows(session: Session, rows: Partial<Record<PatternId, Row>>): [PatternId, Row][] {
  return (Object.entries(rows) as [PatternId, Row][])
    .filter(([p, row]) => session.patterns[p] && !isEmptyRow(row))
    .map(([p, row]) => [p, copyRow(row)]);
}

function withSong(session: Session, entries: SongEntry[]): Session {
  return { ...session, song: { ...session.song, entries } };
}

/**
 * @param at server time (ms) the change was applied: tempo changes keep the timeline
 *   continuous from it, and launches land on a step counted from it.
 */
export function applyMutation(session: Session, mutation: Mutation, at: number): ApplyResult {
  const setter = SETTERS.get(mutation.type);
  if (setter) return applySetter(session, setter, mutation as SetterMutation);
  // Everything below is not a field setter (those are generated from core/fields.ts).
  const m = mutation as Exclude<Mutation, SetterMutation>;
  switch (m.type) {
    case 'set_row':
      return updateRow(session, m.pattern, m.trackId, () => copyRow(m.row));
    case 'set_steps':
      return updateRow(session, m.pattern, m.trackId, (row) => copyRow({ ...m.steps, length: row.length }));
    case 'add_track': {
      if (session.tracks.some((t) => t.id === m.track.id)) {
        return refuse('duplicate_track', `a track with id ${m.track.id} exists`);
      }
      if (session.tracks.length >= LIMITS.maxTracks) {
        return refuse('too_many_tracks', `at most ${LIMITS.maxTracks} tracks`);
      }
      const sound = unknownSound(session, m.track.instrument);
      if (sound) return sound;
      const tracks = session.tracks.slice();
      tracks.splice(insertionIndex(tracks, m.beforeTrackId), 0, { ...m.track });
      const patterns = { ...session.patterns };
      for (const [p, row] of keptRows(session, m.rows))
        patterns[p] = { ...patterns[p]!, rows: { ...patterns[p]!.rows, [m.track.id]: row } };
      return done({ ...session, tracks, patterns });
    }
    case 'delete_track': {
      // Deleting a track that is already gone is a successful no-op: two people
      // deleting the same track at once both succeed, and exactly one track goes.
      const patterns = { ...session.patterns };
      for (const p of Object.keys(patterns) as PatternId[]) {
        if (!(m.trackId in patterns[p]!.rows)) continue;
        const { [m.trackId]: _gone, ...rows } = patterns[p]!.rows;
        patterns[p] = { ...patterns[p]!, rows };
      }
      return done({ ...session, tracks: session.tracks.filter((t) => t.id !== m.trackId), patterns });
    }
    case 'move_track': {
      const track = session.tracks.find((t) => t.id === m.trackId);
      if (!track) return refuse('unknown_track', `no track with id ${m.trackId}`);
      if (m.beforeTrackId === m.trackId) return done(session);
      const rest = session.tracks.filter((t) => t.id !== m.trackId);
      rest.splice(insertionIndex(rest, m.beforeTrackId), 0, track);
      return done({ ...session, tracks: rest });
    }
    case 'add_pattern':
    case 'put_pattern': {
      const exists = !!session.patterns[m.pattern];
      if (m.type === 'add_pattern' && exists) return refuse('duplicate_pattern', `pattern ${m.pattern} is already in use`);
      if (m.type === 'put_pattern' && !exists) return refuse('unknown_pattern', `pattern ${m.pattern} is not in use`);
      // Rows of tracks deleted meanwhile are dropped, as are default rows.
      const rows: Record<string, Row> = {};
      for (const t of session.tracks) {
        const row = m.value.rows[t.id];
        if (row && !isEmptyRow(row)) rows[t.id] = copyRow(row);
      }
      return done({ ...session, patterns: { ...session.patterns, [m.pattern]: { ...m.value, rows } } });
    }
    case 'delete_pattern': {
      if (!session.patterns[m.pattern]) return done(session);
      const settled = settle(session, at);
      const why = Object.keys(session.patterns).length === 1 ? 'it is the last one' : patternInUse(settled, m.pattern);
      if (why) return refuse('pattern_in_use', `pattern ${m.pattern} cannot be deleted: ${why}`);
      const { [m.pattern]: _gone, ...patterns } = settled.patterns;
      return done({ ...settled, patterns });
    }
    case 'add_song_entry': {
      if (!session.patterns[m.entry.pattern]) return refuse('unknown_pattern', `pattern ${m.entry.pattern} is not in use`);
      if (session.song.entries.some((e) => e.id === m.entry.id))
        return refuse('duplicate_song_entry', `a song entry with id ${m.entry.id} exists`);
      if (session.song.entries.length >= LIMITS.maxSongEntries) return refuse('song_full', `at most ${LIMITS.maxSongEntries} song entries`);
      const entries = session.song.entries.slice();
      entries.splice(insertionIndex(entries, m.beforeEntryId), 0, { ...m.entry });
      return done(withSong(session, entries));
    }
    case 'set_song_entry': {
      const i = session.song.entries.findIndex((e) => e.id === m.entry.id);
      if (i < 0) return refuse('unknown_song_entry', `no song entry with id ${m.entry.id}`);
      if (!session.patterns[m.entry.pattern]) return refuse('unknown_pattern', `pattern ${m.entry.pattern} is not in use`);
      return done(withSong(session, withIndex(session.song.entries, i, { ...m.entry })));
    }
    case 'delete_song_entry':
      // Like a track: deleting one that is gone succeeds. The song's start may name it
      // afterwards: the song then starts from its first entry (an undo brings it back).
      return done(
        withSong(
          session,
          session.song.entries.filter((e) => e.id !== m.entryId),
        ),
      );
    case 'move_song_entry': {
      const entry = session.song.entries.find((e) => e.id === m.entryId);
      if (!entry) return refuse('unknown_song_entry', `no song entry with id ${m.entryId}`);
      if (m.beforeEntryId === m.entryId) return done(session);
      const rest = session.song.entries.filter((e) => e.id !== m.entryId);
      rest.splice(insertionIndex(rest, m.beforeEntryId), 0, entry);
      return done(withSong(session, rest));
    }
    case 'set_song_loop':
      return done({ ...session, song: { ...session.song, loop: m.loop } });
    case 'set_song_start':
      return done({ ...session, song: { ...session.song, start: m.entryId } });
    case 'launch_pattern': {
      if (m.pattern !== null && !session.patterns[m.pattern]) return refuse('unknown_pattern', `pattern ${m.pattern} is not in use`);
      // Counted from `at` plus the lead: everyone hears of the launch before it happens.
      // A launch queued before it that falls due within the lead has happened (listeners
      // may have scheduled it already): this one follows it, and 'end' counts its pass.
      const settled = settle(session, at + LAUNCH_LEAD_MS);
      // Never before what plays started (Play at once may set the anchor a little ahead of the clock).
      const position = Math.max(settled.transport.from, stepsSinceAnchor(session.timeline.anchorMs, session.tempo, at + LAUNCH_LEAD_MS));
      const step = launchStep(settled, position, m.when);
      return done({ ...settled, transport: { ...settled.transport, next: { pattern: m.pattern, at: step } } });
    }
    case 'start_transport': {
      if (Math.abs(m.anchorMs - at) > MAX_ANCHOR_SKEW_MS) {
        return refuse('bad_anchor', `anchorMs must be within ${MAX_ANCHOR_SKEW_MS} ms of the room's clock`);
      }
      // A launch still queued happens at once: Play starts what was asked for last.
      const t = transportAt(session.transport, Number.POSITIVE_INFINITY);
      return done({ ...session, timeline: { ...session.timeline, anchorMs: m.anchorMs }, transport: { ...t, from: 0 } });
    }
    case 'set_effect':
      return done({ ...session, effects: { ...session.effects, [m.param]: m.value } });
    case 'set_key':
      return done(setKey(session, m.key, m.notes ?? (m.remap ? keyChangeNotes(session, m.key) : {})));
    case 'set_play_together':
      return done({ ...session, timeline: { ...session.timeline, together: m.together } });
    case 'set_playing':
      return done({ ...session, timeline: { ...session.timeline, playing: m.playing } });
    case 'add_sound': {
      // Adding a sound already in the kit changes nothing (two editors adding the same
      // recording, a resend): its name stays, a rename is rename_sound's job.
      if (Object.hasOwn(session.sounds, m.key)) return done(session);
      if (Object.keys(session.sounds).length >= LIMITS.maxSounds) {
        return refuse('too_many_sounds', `a session holds at most ${LIMITS.maxSounds} sounds`);
      }
      return done({ ...session, sounds: { ...session.sounds, [m.key]: { name: m.name, seconds: m.seconds } } });
    }
    case 'rename_sound': {
      const sound = session.sounds[m.key];
      if (!Object.hasOwn(session.sounds, m.key) || !sound) return refuse('unknown_sound', `sound ${m.key} is not in this session`);
      return done({ ...session, sounds: { ...session.sounds, [m.key]: { ...sound, name: m.name } } });
    }
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
      case 'track': {
        if (setter.field === 'instrument') {
          const sound = unknownSound(s, value as string);
          if (sound) return sound;
        }
        return updateTrack(s, (mutation as TrackSetter).trackId, (t) => ({ ...t, [setter.field]: value }));
      }
      case 'row': {
        const { trackId, pattern } = mutation as RowSetter;
        return updateRow(s, pattern, trackId, (row) => ({ ...row, [setter.field]: value as number }));
      }
      case 'step': {
        const { step, trackId, pattern } = mutation as StepSetter;
        const array = STEP_FIELDS[setter.field].array;
        return updateRow(s, pattern, trackId, (row) => ({ ...row, [array]: withIndex(row[array] as unknown[], step, value) }));
      }
      case 'pattern': {
        const { pattern } = mutation as PatternSetter;
        const target = s.patterns[pattern];
        if (!target) return refuse('unknown_pattern', `pattern ${pattern} is not in use`);
        return done({ ...s, patterns: { ...s.patterns, [pattern]: { ...target, [setter.field]: value } } });
      }
      case 'session':
        if (setter.field === 'tempo') {
          // A tempo change keeps the shared timeline continuous: playback carries on from
          // where it is, only faster or slower. Transport positions are in steps: they stay.
          const tempo = value as number;
          const anchorMs = retimeAnchor(s.timeline.anchorMs, s.tempo, tempo, at);
          return done({ ...s, tempo, timeline: { ...s.timeline, anchorMs } });
        }
        return done({ ...s, [setter.field]: value });
    }
  }
}

/**
 * A new key, with these steps set (rows of tracks or patterns gone meanwhile are skipped:
 * an undo after someone deleted the track).
 */
function setKey(session: Session, key: Session['key'], notes: KeyNotes): Session {
  let out: Session = { ...session, key: { ...key } };
  for (const [p, rows] of Object.entries(notes) as [PatternId, Record<string, [number, number, number][]>][]) {
    for (const [trackId, changes] of Object.entries(rows)) {
      const result = updateRow(out, p, trackId, (row) => {
        const pitches = row.pitches.slice();
        const chords = row.chords.slice();
        for (const [step, pitch, chord] of changes) {
          pitches[step] = pitch;
          chords[step] = chord;
        }
        return { ...row, pitches, chords };
      });
      if (result.ok) out = result.session;
    }
  }
  return out;
}

/** The session with a launch whose step has passed by `at` made part of the transport. */
function settle(session: Session, at: number): Session {
  const position = stepsSinceAnchor(session.timeline.anchorMs, session.tempo, at);
  const transport = transportAt(session.transport, position);
  return transport === session.transport ? session : { ...session, transport };
}

type SetterMutation = TrackSetter | RowSetter | StepSetter | PatternSetter | SessionSetter;
