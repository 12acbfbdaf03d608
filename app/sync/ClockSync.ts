/**
 * Estimates the server clock NTP-style: each sample measures the round trip and
 * assumes the server read its clock halfway; of the recent samples, the ones with
 * the lowest round trip are the least disturbed, so their median offset wins.
 * Samples are taken in a burst on connect and every CLIENT_CADENCE.clockRefreshMs while playing —
 * never while idle, so a quiet room is not kept awake.
 */
import { CLIENT_CADENCE } from '../../core/protocol';

const KEEP = 12;
const BEST = 3;

interface Sample {
  rtt: number;
  offset: number;
}

/** The client's clock in ms since epoch, monotonic within the page. */
export const clientNow = () => performance.timeOrigin + performance.now();

export class ClockSync {
  private samples: Sample[] = [];
  private offset = 0;
  private seeded = false;
  private refresh: ReturnType<typeof setInterval> | null = null;
  private burst: ReturnType<typeof setTimeout>[] = [];

  constructor(private readonly request: (t0: number) => void) {}

  /** A rough offset from a snapshot's timestamp, until real samples arrive. */
  seed(serverTime: number): void {
    if (this.seeded) return;
    this.offset = serverTime - clientNow();
    this.seeded = true;
  }

  serverNow(): number {
    return clientNow() + this.offset;
  }

  /** The current estimate: server time minus client time (ms), and its best round trip. */
  estimate(): { offset: number; rtt: number | null; samples: number } {
    const best = [...this.samples].sort((a, b) => a.rtt - b.rtt)[0];
    return { offset: this.offset, rtt: best?.rtt ?? null, samples: this.samples.length };
  }

  onReply(t0: number, serverTime: number): void {
    const t1 = clientNow();
    const rtt = t1 - t0;
    if (rtt < 0 || rtt > 10_000) return;
    this.samples = [...this.samples.slice(-(KEEP - 1)), { rtt, offset: serverTime + rtt / 2 - t1 }];
    const best = [...this.samples].sort((a, b) => a.rtt - b.rtt).slice(0, BEST);
    const offsets = best.map((s) => s.offset).sort((a, b) => a - b);
    this.offset = offsets[Math.floor(offsets.length / 2)]!;
    this.seeded = true;
  }

  sampleBurst(count = 6, spacingMs = 120): void {
    for (const t of this.burst) clearTimeout(t);
    this.burst = Array.from({ length: count }, (_, i) => setTimeout(() => this.request(clientNow()), i * spacingMs));
  }

  /** While playing: a fresh sample every few seconds keeps the estimate honest. */
  setRefreshing(on: boolean, everyMs: number = CLIENT_CADENCE.clockRefreshMs): void {
    if (on && !this.refresh) {
      this.sampleBurst(3);
      this.refresh = setInterval(() => this.request(clientNow()), everyMs);
    } else if (!on && this.refresh) {
      clearInterval(this.refresh);
      this.refresh = null;
    }
  }

  stop(): void {
    this.setRefreshing(false);
    for (const t of this.burst) clearTimeout(t);
  }
}
