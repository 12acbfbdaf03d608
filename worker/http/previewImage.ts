/**
 * The link-preview picture of a beat (Open Graph / Twitter card): the first bar of the
 * pattern a listener hears first (core openingPattern), drawn as a 1200×630 palette
 * PNG. Written by hand because it is a few rectangles; the pixel data is compressed
 * with the runtime's own CompressionStream ('deflate' is exactly the zlib stream PNG
 * wants).
 */
import { openingPattern, rowOf, type Session } from '../../core';

const WIDTH = 1200;
const HEIGHT = 630;
/** Palette: background, empty cell, beat cell, lit cell, accent bar. */
const PALETTE = [
  [0x14, 0x15, 0x1a],
  [0x2b, 0x2e, 0x3a],
  [0x35, 0x39, 0x49],
  [0xff, 0xb4, 0x3a],
  [0x3a, 0x3f, 0x52],
] as const;

export async function renderPreviewPng(session: Session): Promise<Uint8Array> {
  // One filter byte (0 = none) before each row of palette indices.
  const stride = WIDTH + 1;
  const pixels = new Uint8Array(stride * HEIGHT);
  const fill = (x0: number, y0: number, w: number, h: number, color: number) => {
    for (let y = Math.max(0, y0); y < Math.min(HEIGHT, y0 + h); y++) {
      pixels.fill(color, y * stride + 1 + Math.max(0, x0), y * stride + 1 + Math.min(WIDTH, x0 + w));
    }
  };
  fill(0, 0, WIDTH, 12, 3);
  const tracks = session.tracks.slice(0, 10);
  const rows = Math.max(tracks.length, 4);
  const columns = 16;
  const gap = 8;
  const cell = Math.min(Math.floor((WIDTH - 120 - gap * (columns - 1)) / columns), Math.floor((HEIGHT - 100 - gap * (rows - 1)) / rows));
  const left = Math.floor((WIDTH - (cell * columns + gap * (columns - 1))) / 2);
  const top = Math.floor((HEIGHT - (cell * rows + gap * (rows - 1))) / 2) + 6;
  const pattern = openingPattern(session);
  tracks.forEach((track, row) => {
    const cells = rowOf(session, pattern, track.id);
    for (let step = 0; step < columns; step++) {
      const on = cells.steps[step % cells.length];
      const color = on ? 3 : step % 4 === 0 ? 2 : 1;
      fill(left + step * (cell + gap), top + row * (cell + gap), cell, cell, color);
    }
  });
  const compressed = await deflate(pixels);
  return concat([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', [...u32(WIDTH), ...u32(HEIGHT), 8, 3, 0, 0, 0]),
    chunk('PLTE', PALETTE.flat()),
    chunk('IDAT', compressed),
    chunk('IEND', []),
  ]);
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function u32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function chunk(type: string, data: ArrayLike<number>): Uint8Array {
  const body = concat([new TextEncoder().encode(type), Uint8Array.from(data as ArrayLike<number>)]);
  return concat([new Uint8Array(u32(data.length)), body, new Uint8Array(u32(crc32(body)))]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

let crcTable: Uint32Array | null = null;
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
