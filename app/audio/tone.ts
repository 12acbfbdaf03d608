/**
 * Tone.js, as the app uses it: only the classes it plays with, each from its own module.
 *
 * Not Tone's entry module: it makes an AudioContext the moment it loads (its deprecated
 * `Transport`, `Destination`, `Listener`, `Draw` and `context` exports are read from a
 * live context), one of the longest tasks a page can run (most of a second on a loaded
 * phone-class CPU), and one that cannot start before a user gesture anyway. The few
 * functions of the entry module are redefined below exactly as Tone defines them. The live
 * context is made on the first Play or preview (ensureNativeContext in masterChain.ts),
 * never while a page loads.
 *
 * Nor Tone's `classes` module: Tone's package declares side effects, so a bundler keeps
 * every class it re-exports (about 120, 346 KB), and a phone evaluates them all before
 * the editor draws. Add a class here when the app needs a new one.
 */
import { getContext } from 'tone/build/esm/core/Global.js';

// A context's transport, destination, listener and Draw are made by these modules'
// context-initialisation hooks: they must load even though nothing here names them.
import 'tone/build/esm/core/clock/Transport.js';
import 'tone/build/esm/core/context/Destination.js';
import 'tone/build/esm/core/context/Listener.js';
import 'tone/build/esm/core/util/Draw.js';

export { Meter } from 'tone/build/esm/component/analysis/Meter.js';
export { Panner } from 'tone/build/esm/component/channel/Panner.js';
export { Convolver } from 'tone/build/esm/component/filter/Convolver.js';
export { Filter } from 'tone/build/esm/component/filter/Filter.js';
export { BaseContext } from 'tone/build/esm/core/context/BaseContext.js';
export { Gain } from 'tone/build/esm/core/context/Gain.js';
export { Offline } from 'tone/build/esm/core/context/Offline.js';
export { OfflineContext } from 'tone/build/esm/core/context/OfflineContext.js';
export { ToneAudioBuffer } from 'tone/build/esm/core/context/ToneAudioBuffer.js';
export { connect, type InputNode, ToneAudioNode } from 'tone/build/esm/core/context/ToneAudioNode.js';
export { getContext, setContext, start } from 'tone/build/esm/core/Global.js';
export type * as Unit from 'tone/build/esm/core/type/Units.js';
export { Chorus } from 'tone/build/esm/effect/Chorus.js';
export { Distortion } from 'tone/build/esm/effect/Distortion.js';
export { FeedbackDelay } from 'tone/build/esm/effect/FeedbackDelay.js';
export { Tremolo } from 'tone/build/esm/effect/Tremolo.js';
export { Vibrato } from 'tone/build/esm/effect/Vibrato.js';
export { FMSynth } from 'tone/build/esm/instrument/FMSynth.js';
export { MembraneSynth } from 'tone/build/esm/instrument/MembraneSynth.js';
export { MetalSynth } from 'tone/build/esm/instrument/MetalSynth.js';
export { MonoSynth } from 'tone/build/esm/instrument/MonoSynth.js';
export { NoiseSynth } from 'tone/build/esm/instrument/NoiseSynth.js';
export { PolySynth } from 'tone/build/esm/instrument/PolySynth.js';
export { Sampler } from 'tone/build/esm/instrument/Sampler.js';
export { Synth } from 'tone/build/esm/instrument/Synth.js';
export { WaveShaper } from 'tone/build/esm/signal/WaveShaper.js';
export { ToneBufferSource } from 'tone/build/esm/source/buffer/ToneBufferSource.js';
export { Noise } from 'tone/build/esm/source/Noise.js';

/** The current audio time of the global context, plus its look-ahead (where Tone schedules). */
export const now = (): number => getContext().now();
/** The current audio time of the global context, without the look-ahead. */
export const immediate = (): number => getContext().immediate();
/** The global context's transport. */
export const getTransport = () => getContext().transport;
/** The global context's destination (the speakers). */
export const getDestination = () => getContext().destination;
/** The global context's Draw (callbacks in step with the audio). */
export const getDraw = () => getContext().draw;
