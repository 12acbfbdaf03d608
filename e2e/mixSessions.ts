/**
 * The two sessions the master chain is judged by (e2e/master-chain.spec.ts and the
 * bench's loudness figures, scripts/bench/browser.mjs):
 * - dense: 16 tracks (kicks, snares, a clap, hats, basses, a pad, leads), 128 steps
 *   all on at velocity 127, every track at full volume, 180 BPM — the worst a session
 *   can ask of the mix (issue 13: it used to export a hard-clipped square wave);
 * - starter: the sparse beat every new session starts from (core/templates.ts).
 */
import { emptySession, LIMITS, makeTrack, type Session, sessionFromTemplate, sessionWithTracks } from '../core';

export const DENSE_INSTRUMENTS = [
  'studio-kick',
  'electro-kick',
  '808-kick',
  'studio-snare',
  'electro-snare',
  '808-snare',
  '808-clap',
  'studio-hat',
  'electro-hat',
  '808-hat',
  'synth-bass',
  'acid-bass',
  'sub-bass',
  'warm-pad',
  'saw-lead',
  'square-lead',
] as const;

export function denseSession(): Session {
  const steps = LIMITS.maxSteps;
  const tracks = DENSE_INSTRUMENTS.map((instrument, i) => {
    const made = makeTrack({ id: `t${i}`, name: instrument, instrument, length: steps, on: Array.from({ length: steps }, (_, s) => s) });
    made.row.velocities.fill(LIMITS.maxVelocity);
    made.track.volume = LIMITS.maxVolume;
    return made;
  });
  return { ...sessionWithTracks(emptySession(0, 'Dense'), tracks), tempo: 180, swing: 0 };
}

export function starterSession(): Session {
  const session = sessionFromTemplate('starter', 0);
  if (!session) throw new Error('the starter template is missing');
  return session;
}
