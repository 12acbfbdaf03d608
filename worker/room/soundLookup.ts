/**
 * The room applies an add_sound only when R2 holds the sound's bytes (issue 16), so an
 * acknowledged add_sound never points at nothing. Looking is asynchronous and the room's
 * protocol is not: SessionRoom looks first (`lookUp`), then hands the frame to
 * RoomProtocol, which asks `stored` synchronously. R2 objects are immutable and never
 * deleted, so a key once seen stored stays stored: only those are remembered (in memory;
 * a wake looks again).
 */
import { isSoundKey, LIMITS } from '../../core';

export const soundObjectKey = (key: string) => `sounds/${key}`;

export class SoundLookup {
  private readonly seen = new Set<string>();

  constructor(private readonly bucket: Pick<R2Bucket, 'head'>) {}

  stored(key: string): boolean {
    return this.seen.has(key);
  }

  /** Ask R2 whether `sounds/<key>` exists; a failure to ask counts as "not stored" (the add_sound is refused). */
  async lookUp(key: string): Promise<void> {
    if (this.seen.has(key)) return;
    try {
      if (await this.bucket.head(soundObjectKey(key))) this.seen.add(key);
    } catch (failure) {
      console.error(`R2 head of sound ${key} failed`, failure);
    }
  }
}

/** The key an add_sound frame names, or null for every other frame (looked at cheaply first). */
export function addSoundKeyOf(raw: string | ArrayBuffer): string | null {
  if (typeof raw !== 'string' || raw.length > LIMITS.maxFrameBytes || !raw.includes('add_sound')) return null;
  try {
    const frame = JSON.parse(raw) as { type?: unknown; mutation?: { type?: unknown; key?: unknown } } | null;
    if (frame?.type !== 'mutate' || frame.mutation?.type !== 'add_sound') return null;
    return isSoundKey(frame.mutation.key) ? frame.mutation.key : null;
  } catch {
    return null;
  }
}
