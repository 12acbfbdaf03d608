/**
 * "One click to sound": the landing page's click unlocks audio (Tone.start inside
 * the gesture) and asks the editor to start playing on arrival.
 */
import * as Tone from 'tone';

let wanted = false;

export function requestAutoplay(): void {
  wanted = true;
  void Tone.start();
}

/** True once: the editor consumes the request when it has loaded. */
export function consumeAutoplay(): boolean {
  const result = wanted;
  wanted = false;
  return result;
}
