import { describe, expect, it } from 'vitest';
import { beatGroup, fitGrid, MOUSE_MIN_CELL, NO_PAGING, TOUCH_MIN_CELL } from '../../app/ui/gridLayout';

describe('fitGrid: the cell size and page of the step grid', () => {
  it('shows whole rows when the longest fits at the floor, as large as the width allows up to the ceiling', () => {
    expect(fitGrid(850, 16, MOUSE_MIN_CELL, 52)).toEqual({ pageSize: NO_PAGING, cell: 52 });
    expect(fitGrid(850, 32, MOUSE_MIN_CELL, 52)).toEqual({ pageSize: NO_PAGING, cell: 26 });
  });

  it('pages a row longer than fits, by the largest of 64, 32, 16, 8 that fits', () => {
    expect(fitGrid(850, 128, MOUSE_MIN_CELL, 52)).toEqual({ pageSize: 32, cell: 26 });
    expect(fitGrid(770, 16, TOUCH_MIN_CELL, 60)).toEqual({ pageSize: NO_PAGING, cell: 48 });
    expect(fitGrid(770, 32, TOUCH_MIN_CELL, 60)).toEqual({ pageSize: 16, cell: 48 });
    expect(fitGrid(404, 16, TOUCH_MIN_CELL, 60)).toEqual({ pageSize: 8, cell: 50 });
  });

  it('never goes under 44 px on touch: 8 steps of 44 px on a 360 px phone (352 px of steps)', () => {
    expect(fitGrid(352, 32, TOUCH_MIN_CELL, 60)).toEqual({ pageSize: 8, cell: 44 });
    // Narrower than 8 cells: still 8 per page, still 44 px (the window scrolls by cells).
    expect(fitGrid(300, 32, TOUCH_MIN_CELL, 60)).toEqual({ pageSize: 8, cell: 44 });
    expect(fitGrid(0, 1, TOUCH_MIN_CELL, 60).cell).toBe(TOUCH_MIN_CELL);
  });
});

describe('beatGroup: how a row groups its steps for the eye', () => {
  it('groups by 4 when the length divides by 4, else by its own grouping', () => {
    expect([16, 32, 128, 12, 8].map(beatGroup)).toEqual([4, 4, 4, 4, 4]);
    expect([6, 9, 15, 10, 14].map(beatGroup)).toEqual([3, 3, 3, 5, 7]);
    expect([7, 11, 13, 1, 2, 3].map(beatGroup)).toEqual([4, 4, 4, 4, 4, 4]);
  });
});
