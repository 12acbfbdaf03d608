/**
 * The master chain's optional settings (app/audio/masterChain.ts), local to each listener
 * like the master volume (kept in the session store, never synced). Apart from the chain
 * so that the store does not load Tone.js.
 */
export interface MasterEffects {
  /** Saturation before the compressor, 0 (off) … 1. */
  drive: number;
  /** The chorus's level beside the dry path, 0 (off) … 1. */
  chorus: number;
}

export const DEFAULT_MASTER_EFFECTS: MasterEffects = { drive: 0, chorus: 0 };
