/**
 * The frames a room or a relay sends to every batched listener (protocol 4, listen-only),
 * coalesced: at most one frame per listener every LISTENER_BATCH_MS. One message goes out
 * as it is; several as one JSON array, in order (core ServerFrame). A message that finds
 * the last frame sent longer ago than the interval goes at once, so a quiet session adds
 * no delay; a busy one sends a thousand listeners ten frames a second, not one per change.
 *
 * Order: a frame sent to one batched listener alone (its snapshot, an error) must not
 * overtake what is queued for all of them, so whoever sends one calls `flush()` first.
 */
import { LISTENER_BATCH_MS } from '../../core';

export interface OutboxClock {
  now(): number;
  /** Run `fire` in `ms`. Without it every message is sent at once (a host with no timers). */
  setTimer?(fire: () => void, ms: number): void;
}

export class ListenerOutbox {
  private queue: string[] = [];
  private due = false;
  private lastSent = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: OutboxClock,
    /** Send one frame to every batched listener there is now. */
    private readonly sendToAll: (frame: string) => void,
  ) {}

  /** Queue one message (its JSON) for every batched listener. */
  push(message: string): void {
    this.queue.push(message);
    if (this.due) return;
    const wait = this.lastSent + LISTENER_BATCH_MS - this.clock.now();
    if (wait <= 0 || !this.clock.setTimer) return this.flush();
    this.due = true;
    this.clock.setTimer(() => {
      this.due = false;
      this.flush();
    }, wait);
  }

  /** Send what is queued now. */
  flush(): void {
    if (this.queue.length === 0) return;
    const frame = this.queue.length === 1 ? this.queue[0]! : `[${this.queue.join(',')}]`;
    this.queue = [];
    this.lastSent = this.clock.now();
    this.sendToAll(frame);
  }
}
