/**
 * Long work in the page (the offline render's clock, the WAV encoder) runs in short
 * stretches and calls this in between, so that input and painting never wait long.
 */

/** Resolve in a new task, after the page has had its turn: `scheduler.yield()` where there is one, else a MessageChannel message (nested setTimeout is clamped to 4 ms). */
export function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
