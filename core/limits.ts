/**
 * Every limit of the session model, shared by the client (to disable controls and
 * validate before sending) and the server (to refuse). Change a number here and
 * both sides follow; never repeat one of these elsewhere.
 */
export const LIMITS = {
  maxTracks: 16,
  minSteps: 1,
  /** Storage length of every track's step array: shortening a track keeps the rest. */
  maxSteps: 128,
  minTempo: 30,
  maxTempo: 300,
  minSwing: 0,
  maxSwing: 100,
  minPitch: -24,
  maxPitch: 24,
  /** Notes one step may sound (a chord: its pitch and up to three above it), within two octaves of it. */
  maxChordNotes: 4,
  chordSpan: 24,
  /** Longest melodic note a step can hold, in steps (its length is set in half steps). */
  maxNoteSteps: 16,
  /** The session's seed for every random choice (core/expression.ts): a 31-bit integer. */
  maxSeed: 2 ** 31 - 1,
  minVelocity: 0,
  maxVelocity: 127,
  /** Track volume in dB-free units, 0 (silent) … 1 (full). */
  minVolume: 0,
  maxVolume: 1,
  minPan: -1,
  maxPan: 1,
  maxSessionName: 100,
  maxTrackName: 32,
  /** Patterns A…P (core/arrangement.ts). */
  maxPatterns: 16,
  maxPatternName: 24,
  /** Entries of the song (a chain of patterns) and how often each repeats. */
  maxSongEntries: 128,
  maxRepeats: 16,
  /** Your name as others in a session see it. */
  maxPeerName: 32,
  /**
   * Bytes (UTF-8) of one WebSocket frame: room for the largest edit a user makes, a whole
   * pattern at once (duplicate, paste: 16 rows of 128 steps with every step field set is
   * about 35 KB in model 4, 71 KB in model 5), and little more.
   */
  maxFrameBytes: 128 * 1024,
  /** Bytes of an HTTP request body we accept at all. */
  maxBodyBytes: 64 * 1024,
  maxEditorsPerSession: 10,
  /** Per-socket token bucket: sustained messages per second and burst size. */
  rateLimitPerSecond: 30,
  rateLimitBurst: 60,
  /**
   * A socket refused by the rate limit this many times in a burst is closed (4008):
   * each refusal spends one of these, and one comes back every 1/floodForgivenPerSecond
   * seconds, so whatever its pattern a flooder is closed within a bounded number of
   * refusals, while an honest client's rare refusal is forgotten.
   */
  floodRefusals: 20,
  floodForgivenPerSecond: 0.5,
  maxIdLength: 64,
  // ---- own sounds (issue 16): recorded or uploaded samples, stored in R2 by content ----
  /** Sounds one session's kit may hold (session.sounds): each is a few dozen bytes of the document. */
  maxSounds: 64,
  /** A sound's name, as a track's: visible characters only. */
  maxSoundName: 40,
  /** Longest sound, in seconds: the browser trims before it uploads; the Worker checks the WAV. */
  maxSoundSeconds: 10,
  /** Bytes of one uploaded sound, counted as it arrives (a 10 s WAV at 24 kHz is 480,044). */
  maxSoundBytes: 2 * 1024 * 1024,
  /** Sample rates a sound's WAV may have, Hz. */
  minSoundRate: 8000,
  maxSoundRate: 48_000,
  /** Uploads per session: a burst, then one every 60/soundUploadsPerMinute seconds. */
  soundUploadBurst: 10,
  soundUploadsPerMinute: 6,
} as const;

/** Step counts offered in the UI (any integer in range is valid on the wire). */
export const COMMON_STEP_COUNTS = [3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 48, 64, 96, 128] as const;

export const DEFAULT_VELOCITY = 100;
