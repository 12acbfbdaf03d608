/**
 * A rate limit: `rate` messages a second on average, bursts up to `burst`. The room
 * refuses frames past it (per socket); the sync client paces its own sends with a
 * slightly lower one, so an honest client is never refused.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `now` starts the refill clock: a simulation passes its own time, as it does to take(). */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until a take() would succeed (0 if it would now): a Retry-After. */
  msUntilNext(now = Date.now()): number {
    const tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.rate) * 1000);
  }
}
