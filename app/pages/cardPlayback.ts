/**
 * The landing page's cards play inline (issue 15, "Pictures" and "First minute"): this
 * chunk, loaded by a card's first Play (never with the page), plays a published beat or an
 * example groove with the embed player's playback (app/embed/playback.ts: the editor's
 * mixer, voices and step clock, the beat's own seed) in the page's one live context.
 */
import { cueAt } from '../../core/arrangement';
import { EFFECT_FIELDS, PATTERN_FIELDS, SESSION_FIELDS } from '../../core/fields';
import type { Effects, Pattern, Session } from '../../core/model';
import { TEMPLATES } from '../../core/templates';
import { ensureNativeContext } from '../audio/masterChain';
import * as Tone from '../audio/tone';
import { createPlayback, type EmbedPlayback } from '../embed/playback';

/** Every field's default, as core/model.ts reads declarations. */
const defaults = <F extends Record<string, { default: unknown }>>(fields: F) =>
  Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.default])) as { [K in keyof F]: F[K]['default'] };

/**
 * An example groove (core/templates.ts) as a session that plays from the top: what core's
 * sessionFromTemplate makes, built here from the field declarations because that function's
 * session builders would move into the chunk the app shares with the embed player and push
 * the embed's first load over its 8 KB (e2e/embed.spec.ts). Typed as a Session, so a field
 * added to the model is a type error here until it is added.
 */
export function exampleSession(templateId: string): Session {
  const template = TEMPLATES.find((t) => t.id === templateId);
  if (!template) throw new Error(`no example "${templateId}"`);
  const made = template.tracks();
  return {
    ...(defaults(SESSION_FIELDS) as Pick<Session, keyof typeof SESSION_FIELDS>),
    name: template.name,
    tempo: template.tempo,
    swing: template.swing,
    tracks: made.map((m) => m.track),
    patterns: {
      A: { ...(defaults(PATTERN_FIELDS) as Omit<Pattern, 'rows'>), rows: Object.fromEntries(made.map((m) => [m.track.id, m.row])) },
    },
    song: { entries: [], loop: true, start: null },
    transport: { song: false, pattern: 'A', from: 0, next: null },
    key: { ...template.key },
    sounds: {},
    effects: defaults(EFFECT_FIELDS) as Effects,
    timeline: { anchorMs: 0, together: false, playing: false },
    lineage: { remixedFrom: null },
  };
}

/**
 * A player for `session` in the live context (`made`: the one the click made, adopted when
 * the page has none yet). `onEnd` is called when a song that does not loop has ended.
 */
export function cardPlayback(session: Session, made: AudioContext, onEnd: () => void): EmbedPlayback {
  ensureNativeContext(made);
  const context = Tone.getContext().rawContext as unknown as AudioContext;
  // The page had its live context already (back from the editor): the click's is not needed.
  if (context !== made) void made.close();
  const playback = createPlayback(session, context, (globalStep) => {
    if (globalStep !== null && cueAt(session, globalStep).ended) onEnd();
  });
  return playback;
}
