/**
 * The instrument library: every catalogue id has a voice, the kits are complete and
 * choke their own open hat, and every sample the app can fetch is shipped, licensed
 * and small (issue 13).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTRUMENTS, instrumentInfo } from '../../core/instruments';
import { SAMPLED_INSTRUMENTS, sampleFiles } from '../../app/audio/samples';
import { VOICED_INSTRUMENTS } from '../../app/audio/voices';

const SAMPLES = join(__dirname, '../../public/samples');
const LICENSES = readFileSync(join(SAMPLES, 'LICENSES'), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
const shipped = filesUnder(SAMPLES)
  .map((path) => relative(SAMPLES, path))
  .filter((path) => path !== 'LICENSES');

describe('the catalogue', () => {
  it('has at least 64 instruments with unique ids, each with a voice of its own', () => {
    expect(INSTRUMENTS.length).toBeGreaterThanOrEqual(64);
    expect(new Set(INSTRUMENTS.map((i) => i.id)).size).toBe(INSTRUMENTS.length);
    const missing = INSTRUMENTS.map((i) => i.id).filter((id) => !VOICED_INSTRUMENTS.includes(id));
    expect(missing).toEqual([]);
  });

  it('keeps every id earlier sessions may have stored', () => {
    const first29 = [
      'studio-kick', 'studio-snare', 'studio-hat', 'studio-open-hat', 'studio-tom', 'studio-cowbell',
      'electro-kick', 'electro-snare', 'electro-hat', 'electro-clap', 'electro-perc',
      '808-kick', '808-snare', '808-hat', '808-clap', '808-cowbell',
      'synth-bass', 'acid-bass', 'sub-bass', 'piano', 'e-piano', 'organ',
      'square-lead', 'saw-lead', 'pluck', 'warm-pad', 'glass-pad', 'zap', 'noise-sweep',
    ]; // biome-ignore format: a list
    for (const id of first29) expect(instrumentInfo(id), id).toBeDefined();
  });

  it('has every family, and four sampled kits with kick, snare, closed and open hat, the closed hat choking its own open hat', () => {
    for (const category of ['drums', 'bass', 'keys', 'leads', 'pads', 'fx'] as const) {
      expect(INSTRUMENTS.filter((i) => i.category === category).length, category).toBeGreaterThanOrEqual(3);
    }
    const sampledKits = ['Studio kit', 'Boom kit (808)', 'House kit (909)', 'Lo-fi kit'];
    for (const kit of sampledKits) {
      const pieces = INSTRUMENTS.filter((i) => i.kit === kit);
      for (const i of pieces) expect(i.id in SAMPLED_INSTRUMENTS, `${i.id} is sampled`).toBe(true);
      const ids = pieces.map((i) => i.id);
      const prefix = ids[0]!.split('-')[0]!;
      for (const piece of ['kick', 'snare', 'hat', 'open-hat']) expect(ids, kit).toContain(`${prefix}-${piece}`);
      expect(instrumentInfo(`${prefix}-hat`)!.chokes, kit).toEqual([`${prefix}-open-hat`]);
      expect(pieces.length, kit).toBeGreaterThanOrEqual(5);
    }
  });

  it('has sampled melodic instruments beyond the piano (a bass, a pad, a bell)', () => {
    const melodicSampled = INSTRUMENTS.filter((i) => i.melodic && i.id in SAMPLED_INSTRUMENTS && i.id !== 'piano');
    expect(new Set(melodicSampled.map((i) => i.category))).toEqual(new Set(['bass', 'pads', 'keys']));
  });
});

describe('the shipped samples', () => {
  it('every file the app fetches is shipped and listed in LICENSES, and nothing else is shipped', () => {
    const used = sampleFiles();
    for (const file of used) {
      expect(shipped, file).toContain(file);
      expect(LICENSES, `${file} in LICENSES`).toMatch(new RegExp(`^\\s+${file.replace(/[.]/g, '\\.')}\\b`, 'm'));
    }
    expect(shipped.filter((file) => !used.includes(file))).toEqual([]);
  });

  it('stay within 3 MB in all', () => {
    const total = filesUnder(SAMPLES).reduce((sum, path) => sum + statSync(path).size, 0);
    expect(total).toBeLessThanOrEqual(3_000_000);
  });
});
