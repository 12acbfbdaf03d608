/**
 * Step expression in the editor (issue 14, "Editing it", pattern tools, Fill and Re-roll),
 * in real browsers against the built app: two editors of one session. What one sets from
 * the UI, the other sees on its grid (marks, descriptions) and in its panel; a change to a
 * selection of steps is one undo step; a pattern tool is one undoable row; Fill held on one
 * page shows on the other until it is released; Re-roll changes the seed for both, and
 * undo restores it.
 */
import { type Browser, expect, type Page } from '@playwright/test';
import { test, newContextPage, newSession, openSession, step } from './helpers';

type Runtime = {
  store: {
    getState(): {
      pendingCount: number;
      session: {
        seed: number;
        fill: boolean;
        patterns: { A: { rows: Record<string, { steps: boolean[]; ratchets: number[]; conditions: number[]; probabilities: number[] }> } };
      };
    };
  };
};

async function editor(browser: Browser, url: string): Promise<Page> {
  const page = await newContextPage(browser);
  await openSession(page, url);
  return page;
}

/** A value of this page's session, once nothing it sent is pending. */
async function read<T>(page: Page, pick: string): Promise<T> {
  await page.waitForFunction(() => (window as unknown as { __keyboardia: Runtime }).__keyboardia.store.getState().pendingCount === 0);
  return page.evaluate((p) => {
    const session = (window as unknown as { __keyboardia: Runtime }).__keyboardia.store.getState().session;
    return new Function('session', `return session.${p}`)(session) as T;
  }, pick);
}

/** The lit steps of a track on a page's grid, as x and dots. */
async function litSteps(page: Page, track: string, length = 16): Promise<string> {
  let out = '';
  for (let n = 1; n <= length; n++) out += (await step(page, track, n).getAttribute('aria-pressed')) === 'true' ? 'x' : '.';
  return out;
}

const cellOf = (page: Page, track: string, n: number) => page.getByRole('gridcell').filter({ has: step(page, track, n) });

test('a step expression set from the panel shows on the other editor: grid marks, description and panel values', async ({ browser }) => {
  const url = await newSession(await newContextPage(browser));
  const a = await editor(browser, url);
  const b = await editor(browser, url);

  // Keyboard: focus Hi-hat step 1 (lit in the starter), E opens its panel with focus in it.
  await step(a, 'Hi-hat', 1).focus();
  await a.keyboard.press('e');
  const panel = a.getByRole('region', { name: 'Hi-hat step 1 expression' });
  await expect(panel).toBeVisible();
  await expect(a.getByRole('slider', { name: 'Hi-hat step 1 probability' })).toBeFocused();
  await a.getByRole('slider', { name: 'Hi-hat step 1 probability' }).fill('60');
  await a.getByRole('combobox', { name: 'Hi-hat step 1 condition' }).selectOption({ label: '1:4' });
  await a.getByRole('combobox', { name: 'Hi-hat step 1 ratchet' }).selectOption({ label: '×3' });
  await a.getByRole('slider', { name: 'Hi-hat step 1 nudge' }).fill('-20');
  // Drums have no note length.
  await expect(a.getByRole('combobox', { name: 'Hi-hat step 1 note length' })).toHaveCount(0);

  // B's grid: the marks, the partial fill and the words of its description.
  await expect(step(b, 'Hi-hat', 1)).toHaveAccessibleDescription('60% chance, condition 1:4, ratchet ×3, nudge -20%');
  await expect(cellOf(b, 'Hi-hat', 1)).toContainText('1:4');
  await expect(cellOf(b, 'Hi-hat', 1)).toContainText('×3');
  await expect(step(b, 'Hi-hat', 1)).toHaveClass(/\bchance\b/);
  await expect(step(b, 'Hi-hat', 3)).not.toHaveClass(/\bchance\b/);

  // B opens the same step with a right-click: the panel holds A's values.
  await step(b, 'Hi-hat', 1).click({ button: 'right' });
  await expect(step(b, 'Hi-hat', 1)).toHaveAttribute('aria-pressed', 'true'); // a right-click selects, it does not toggle
  await expect(b.getByRole('slider', { name: 'Hi-hat step 1 probability' })).toHaveValue('60');
  await expect(b.getByRole('combobox', { name: 'Hi-hat step 1 condition' })).toHaveValue(
    await optionValue(b, 'Hi-hat step 1 condition', '1:4'),
  );
  await expect(b.getByRole('combobox', { name: 'Hi-hat step 1 ratchet' })).toHaveValue('3');
  await expect(b.getByRole('slider', { name: 'Hi-hat step 1 nudge' })).toHaveValue('-20');

  // A melodic step offers a note length; a bar then runs across the following cells.
  await step(a, 'Bass', 1).click({ button: 'right' });
  await a.getByRole('combobox', { name: 'Bass step 1 note length' }).selectOption({ label: '2 steps' });
  await expect(step(b, 'Bass', 1)).toHaveAccessibleDescription(/length 2 steps/);
  const bar = cellOf(b, 'Bass', 1).locator('.note-bar');
  const box = (await bar.boundingBox())!;
  const cell = (await step(b, 'Bass', 1).boundingBox())!;
  expect(box.width).toBeGreaterThan(cell.width * 1.5);

  // Escape closes the panel and gives the focus back to the step.
  await a.getByRole('combobox', { name: 'Bass step 1 note length' }).press('Escape');
  await expect(a.getByRole('region', { name: /expression$/ })).toHaveCount(0);
  await expect(step(a, 'Bass', 1)).toBeFocused();
});

async function optionValue(page: Page, select: string, label: string): Promise<string> {
  return page
    .getByRole('combobox', { name: select })
    .locator('option', { hasText: new RegExp(`^${label}$`) })
    .getAttribute('value') as Promise<string>;
}

test('several selected steps change together, as one undo step', async ({ browser }) => {
  const url = await newSession(await newContextPage(browser));
  const a = await editor(browser, url);
  const b = await editor(browser, url);

  // Shift-click selects without lighting; Shift + arrow adds the step reached.
  await step(a, 'Kick', 1).click({ modifiers: ['Shift'] });
  await step(a, 'Kick', 7).click({ modifiers: ['Shift'] });
  await expect(step(a, 'Kick', 7)).toHaveAttribute('aria-pressed', 'true'); // unchanged: lit in the starter
  await step(a, 'Kick', 7).focus();
  await a.keyboard.press('Shift+ArrowRight');
  await expect(a.getByRole('region', { name: 'Kick steps 1, 7, 8 expression' })).toBeVisible();
  await expect(step(a, 'Kick', 8)).toHaveAttribute('aria-pressed', 'false'); // selecting never lights a step
  await a.getByRole('combobox', { name: 'Kick steps 1, 7, 8 ratchet' }).selectOption({ label: '×2' });

  await expect(step(b, 'Kick', 1)).toHaveAccessibleDescription('ratchet ×2');
  await expect(step(b, 'Kick', 7)).toHaveAccessibleDescription('ratchet ×2');
  expect((await read<number[]>(b, "patterns.A.rows['kick'].ratchets")).slice(0, 9)).toEqual([2, 1, 1, 1, 1, 1, 2, 2, 1]);

  // A mixed selection says so; one undo takes every step back.
  await step(a, 'Kick', 2).click({ modifiers: ['Shift'] });
  await expect(a.getByRole('combobox', { name: 'Kick steps 1, 2, 7, 8 ratchet' })).toHaveValue('');
  await a.getByRole('button', { name: 'Undo' }).click();
  await expect(step(b, 'Kick', 1)).not.toHaveAccessibleDescription('ratchet ×2');
  expect((await read<number[]>(b, "patterns.A.rows['kick'].ratchets")).slice(0, 9)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
});

test('Euclidean fill from the track menu is one undoable row for both editors', async ({ browser }) => {
  const url = await newSession(await newContextPage(browser));
  const a = await editor(browser, url);
  const b = await editor(browser, url);
  const before = await litSteps(b, 'Kick');
  expect(before).toBe('x.....x.x..x....');

  await a.getByRole('button', { name: 'More for Kick' }).click();
  await a.getByRole('menuitem', { name: 'Euclidean fill Kick…' }).click();
  const dialog = a.getByRole('dialog', { name: 'Euclidean fill for Kick' });
  await dialog.getByRole('spinbutton', { name: /Hits/ }).fill('3');
  await dialog.getByRole('spinbutton', { name: 'Rotation' }).fill('0');
  await expect(dialog).toContainText('x·····x····x····');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(dialog).toHaveCount(0);

  await expect.poll(() => litSteps(b, 'Kick')).toBe('x.....x....x....');
  await a.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(() => litSteps(b, 'Kick')).toBe(before);
  await expect.poll(() => litSteps(a, 'Kick')).toBe(before);
});

test('Fill held on one page shows on the other and releases; Re-roll changes the seed for both and undo restores it', async ({
  browser,
}) => {
  const url = await newSession(await newContextPage(browser));
  const a = await editor(browser, url);
  const b = await editor(browser, url);
  const fillA = a.getByRole('button', { name: 'Fill' });
  const fillB = b.getByRole('button', { name: 'Fill' });
  await expect(fillB).toHaveAttribute('aria-pressed', 'false');

  // Pointer: held while the button is down.
  await fillA.hover();
  await a.mouse.down();
  await expect(fillB).toHaveAttribute('aria-pressed', 'true');
  await a.mouse.up();
  await expect(fillB).toHaveAttribute('aria-pressed', 'false');

  // Keyboard: F held anywhere outside a text field.
  await step(a, 'Kick', 1).focus();
  await a.keyboard.down('f');
  await expect(fillB).toHaveAttribute('aria-pressed', 'true');
  await a.keyboard.up('f');
  await expect(fillB).toHaveAttribute('aria-pressed', 'false');
  // Fill is a gesture: nothing to undo.
  await expect(a.getByRole('button', { name: 'Undo' })).toBeDisabled();

  const seed = await read<number>(a, 'seed');
  await a.getByRole('button', { name: 'Re-roll' }).click();
  await expect.poll(() => read<number>(b, 'seed')).not.toBe(seed);
  const rerolled = await read<number>(b, 'seed');
  expect(await read<number>(a, 'seed')).toBe(rerolled);
  await a.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(() => read<number>(b, 'seed')).toBe(seed);
  expect(await read<number>(a, 'seed')).toBe(seed);
});
