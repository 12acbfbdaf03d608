/**
 * Live level meters (issue 15, "Pictures"): one per track, in its header, and one for the
 * master. While this listener plays, one requestAnimationFrame loop reads every meter's
 * analyser (AudioEngine.levelTap: a track's strip after its volume, pan and mute; the master
 * after the master chain) and writes the level straight into the meter's style: no React
 * state, so playing re-renders nothing. Stopped, the loop ends and the meters rest at the floor.
 *
 * The accessible value (aria-valuenow, in dB) follows at most four times a second, rounded
 * to whole dB: a meter is read on demand, not announced, and a value written every frame
 * would make the browser rebuild and send accessibility events for every track 60 times a
 * second for nothing anyone could hear.
 */

/** What the loop needs of the engine (AudioEngine.levelTap) and of the session store. */
interface LevelTaps {
  levelTap(trackId: string | null): AnalyserNode | null;
}
interface PlayingStore {
  getState(): { playing: boolean };
  subscribe(listener: (state: { playing: boolean }, prev: { playing: boolean }) => void): () => void;
}

/** The meters' scale, dBFS: the floor (what silence reads) and the top. */
export const METER_FLOOR_DB = -60;
export const METER_TOP_DB = 0;
/** How fast a meter falls after a peak (dB per second): a peak stays visible for a moment. */
const FALL_DB_PER_SECOND = 24;
/** How often the accessible value may change, at most. */
const ARIA_INTERVAL_MS = 250;

/** The highest |sample| of a block, as dBFS clamped to the meter's scale. */
export function peakDb(samples: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = Math.abs(samples[i]!);
    if (s > peak) peak = s;
  }
  if (!(peak > 0)) return METER_FLOOR_DB;
  return Math.min(METER_TOP_DB, Math.max(METER_FLOOR_DB, 20 * Math.log10(peak)));
}

/** The shown level after `seconds`: a new peak at once, otherwise falling at FALL_DB_PER_SECOND. */
export function meterBallistics(shown: number, peak: number, seconds: number): number {
  return Math.max(peak, shown - FALL_DB_PER_SECOND * seconds, METER_FLOOR_DB);
}

/** 0…1 along the meter for a level in dB. */
export const meterFraction = (db: number) => (db - METER_FLOOR_DB) / (METER_TOP_DB - METER_FLOOR_DB);

/** What a meter element says to assistive technology for a level. */
function setAccessibleLevel(el: HTMLElement, db: number): void {
  const value = Math.round(db);
  if (el.getAttribute('aria-valuenow') === String(value)) return;
  el.setAttribute('aria-valuenow', String(value));
  el.setAttribute('aria-valuetext', value <= METER_FLOOR_DB ? 'silent' : `${value} dB`);
}

interface MeterState {
  shown: number;
}

/**
 * Runs the meters of `root` (every element with data-level-meter: a track id, or "master")
 * while the store says this listener plays; returns the stop.
 */
export function runLevelMeters(root: HTMLElement, engine: LevelTaps, store: PlayingStore): () => void {
  let frame = 0;
  let last = 0;
  let lastAria = 0;
  let buffer = new Float32Array(0);
  const states = new WeakMap<HTMLElement, MeterState>();

  const rest = () => {
    for (const el of root.querySelectorAll<HTMLElement>('[data-level-meter]')) {
      el.style.setProperty('--level', '0');
      states.delete(el);
      setAccessibleLevel(el, METER_FLOOR_DB);
    }
  };
  const tick = (now: number) => {
    frame = requestAnimationFrame(tick);
    const seconds = last ? Math.min(0.25, (now - last) / 1000) : 0;
    last = now;
    const aria = now - lastAria >= ARIA_INTERVAL_MS;
    if (aria) lastAria = now;
    for (const el of root.querySelectorAll<HTMLElement>('[data-level-meter]')) {
      const id = el.dataset.levelMeter!;
      const tap = engine.levelTap(id === 'master' ? null : id);
      let peak = METER_FLOOR_DB;
      if (tap) {
        if (buffer.length !== tap.fftSize) buffer = new Float32Array(tap.fftSize);
        tap.getFloatTimeDomainData(buffer);
        peak = peakDb(buffer);
      }
      let state = states.get(el);
      if (!state) states.set(el, (state = { shown: METER_FLOOR_DB }));
      state.shown = meterBallistics(state.shown, peak, seconds);
      el.style.setProperty('--level', meterFraction(state.shown).toFixed(3));
      if (aria) setAccessibleLevel(el, state.shown);
    }
  };
  const start = () => {
    if (frame) return;
    last = 0;
    lastAria = 0;
    root.dataset.metering = '';
    frame = requestAnimationFrame(tick);
  };
  const stop = () => {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    delete root.dataset.metering;
    rest();
  };

  if (store.getState().playing) start();
  const unsubscribe = store.subscribe((state, prev) => {
    if (state.playing === prev.playing) return;
    if (state.playing) start();
    else stop();
  });
  return () => {
    unsubscribe();
    stop();
  };
}
