/**
 * The landing page's cards play inline (issue 15, "Pictures" and "First minute"): this
 * chunk, loaded by a card's first Play (never with the page), plays a published beat or an
 * example groove with the embed player's playback (app/embed/playback.ts: the editor's
 * mixer, voices and step clock, the beat's own seed) in the page's one live context.
 */
import { cueAt } from '../../core/arrangement';
import type { Session } from '../../core/model';
import { ensureNativeContext } from '../audio/masterChain';
import * as Tone from '../audio/tone';
import { createPlayback, type EmbedPlayback } from '../embed/playback';

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
