/**
 * "One click to sound": the landing page's click asks the editor to start playing on
 * arrival. Browsers allow audio once the page has had a user gesture (sticky
 * activation), so Tone.js can load after the click and still start; starting it here
 * already keeps the first sound as early as possible.
 */
let wanted = false;

export function requestAutoplay(): void {
  wanted = true;
  // The live context the engine will use (a native one: see ensureNativeContext), started now.
  void Promise.all([import('../audio/tone'), import('../audio/masterChain')])
    .then(([Tone, { ensureNativeContext }]) => {
      ensureNativeContext();
      return Tone.start();
    })
    .catch(() => {});
}

/** True once: the editor consumes the request when it has loaded. */
export function consumeAutoplay(): boolean {
  const result = wanted;
  wanted = false;
  return result;
}
