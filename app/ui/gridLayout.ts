/**
 * How the step grid fits the screen it is on (issue 15).
 *
 * One cell size for the whole grid (the rows stay aligned), worked out from the width the
 * steps have: as large as fits up to a ceiling, never under the floor of the pointer in use
 * (44 CSS px on a touch screen, 24 with a mouse: WCAG 2.5.8). Rows longer than fit at the
 * floor show a page at a time (64, 32, 16 or 8 steps, the largest that fits), in a window
 * that scrolls by whole pages; the playing page is followed unless the user has moved a
 * window (pinned), and each paged row has an overview of all its pages (tap to jump).
 *
 * The cell size is written as a CSS variable on the grid element, never React state: a
 * resize re-renders nothing unless the page size changes. Following the playhead scrolls
 * the windows from the playhead's subscription, also outside React.
 */
import { type RefObject, startTransition, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { create } from 'zustand';

export const TOUCH_MIN_CELL = 44;
export const MOUSE_MIN_CELL = 24;
const MAX_CELL = { touch: 60, mouse: 52 };
const PAGE_SIZES = [64, 32, 16, 8] as const;

/** A page size larger than any row: every row shows whole. */
export const NO_PAGING = Number.POSITIVE_INFINITY;

/**
 * The steps per page and the cell size for `available` CSS px of width, the longest row
 * shown, and the floor and ceiling of a cell. Whole rows when the longest fits at the
 * floor; else the largest page size that fits (8 at least, even on the narrowest screen).
 */
export function fitGrid(available: number, longest: number, min: number, max: number): { pageSize: number; cell: number } {
  const width = Math.max(available, 0);
  if (longest * min <= width) return { pageSize: NO_PAGING, cell: clamp(Math.floor(width / Math.max(longest, 1)), min, max) };
  const pageSize = PAGE_SIZES.find((p) => p * min <= width) ?? PAGE_SIZES[PAGE_SIZES.length - 1]!;
  return { pageSize, cell: clamp(Math.floor(width / pageSize), min, max) };
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/**
 * How a row's steps group into beats, for the eye: 4 when the length divides by 4, else the
 * row's own grouping (3 for 6, 9, 15 …; 5 for 10; 7 for 14), else 4 with a shorter last group.
 */
export function beatGroup(length: number): number {
  for (const g of [4, 3, 5, 7]) if (length % g === 0 && length / g >= 2) return g;
  return 4;
}

/** Whether paged rows follow the playing page (true) or stay where the user put them. */
export const gridPaging = create<{ follow: boolean; paged: boolean }>(() => ({ follow: true, paged: false }));

/** The colour of an instrument family's lit steps (core/instruments.ts categories). */
export const FAMILY_COLOURS: Readonly<Record<string, string>> = {
  drums: '#ffb43a',
  bass: '#ff7a59',
  keys: '#6fb6ff',
  leads: '#d08bff',
  pads: '#4fd68a',
  fx: '#4fd6d0',
};

const coarse = () => typeof matchMedia !== 'undefined' && matchMedia('(pointer: coarse)').matches;

/**
 * Measures the width the steps have (the first row's `.steps-area`, which takes the row's
 * free width whatever its content) and sets `--cell` on the grid; returns the page size,
 * null until the grid has been measured: the rows draw their steps only then, so the
 * first drawing of a session (hundreds of cells) happens once, at the right page size, and
 * not a second time when the measurement comes in before the first paint.
 */
export function useGridFit(gridRef: RefObject<HTMLElement | null>, longest: number): number | null {
  const [pageSize, setPageSize] = useState<number | null>(null);
  /** The cell size of the grid's first drawing: set with its steps (below), not before. */
  const firstCell = useRef<string | null>(null);
  useLayoutEffect(() => {
    const grid = gridRef.current;
    if (!grid) return;
    let measured = false;
    const measure = () => {
      // The narrowest row's (headers may differ a little in width).
      const areas = [...grid.querySelectorAll<HTMLElement>('.steps-area')];
      if (areas.length === 0) return;
      const touch = coarse();
      const { pageSize, cell } = fitGrid(
        Math.min(...areas.map((a) => a.clientWidth)),
        longest,
        touch ? TOUCH_MIN_CELL : MOUSE_MIN_CELL,
        touch ? MAX_CELL.touch : MAX_CELL.mouse,
      );
      // Before the first drawing, the cell size waits for the steps: written now, it
      // would make the browser style and lay out the whole page a second time in this
      // frame (issue 17), for rows that have no steps yet.
      if (grid.getAttribute('aria-busy') === 'true') firstCell.current = `${cell}px`;
      else grid.style.setProperty('--cell', `${cell}px`);
      // The first measurement draws every step of the grid: in the background, in slices
      // (a transition), the workspace unseen meanwhile (Grid's aria-busy, styles.css);
      // later ones at once.
      if (measured) setPageSize(pageSize);
      else startTransition(() => setPageSize(pageSize));
      measured = true;
    };
    // The first measurement too comes from the observer (it reports every element it is
    // given once, after the browser's own layout of the frame): measuring here, in the
    // commit, would force that layout of the whole page inside the commit's task, one
    // long task on a phone (issue 17). The workspace stays unseen until then (aria-busy).
    const observer = new ResizeObserver(measure);
    observer.observe(grid);
    return () => observer.disconnect();
  }, [gridRef, longest]);
  // The first drawing's cell size, in the commit that draws the steps (before its paint).
  useLayoutEffect(() => {
    if (pageSize === null || firstCell.current === null) return;
    gridRef.current?.style.setProperty('--cell', firstCell.current);
    firstCell.current = null;
  }, [gridRef, pageSize]);
  useEffect(() => {
    gridPaging.setState({ paged: pageSize !== null && pageSize < longest });
  }, [pageSize, longest]);
  return pageSize;
}
