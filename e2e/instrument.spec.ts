import { expect, type Page } from '@playwright/test';
import { INSTRUMENTS } from '../core/instruments';
import { test, newContextPage, newSession, openSession, step } from './helpers';

/** Every instrument: a synthesised one is 'ready' at once, a sampled one once its files are decoded. */
const ALL = INSTRUMENTS.map((i) => i.id);

async function twoEditors(page: Page, browser: import('@playwright/test').Browser, template = 'starter') {
  const url = await newSession(page, template);
  const other = await newContextPage(browser);
  await openSession(page, url);
  await openSession(other, url);
  return other;
}

const trackNames = (page: Page) => page.locator('.track-row .track-title').allTextContents();

test('add, rename, reorder and delete tracks, seen by a second editor', async ({ page, browser }) => {
  const other = await twoEditors(page, browser);
  await page.getByRole('button', { name: '+ Add track' }).click();
  await page
    .getByRole('dialog', { name: /new track/ })
    .getByRole('button', { name: 'Grand Piano' })
    .click();
  await expect(step(other, 'Grand Piano', 1)).toBeVisible();

  // Rename through the track menu.
  await page.getByRole('button', { name: 'More for Grand Piano' }).click();
  await page.getByRole('menuitem', { name: 'Rename Grand Piano' }).click();
  const rename = page.getByRole('textbox', { name: 'Grand Piano name' });
  await rename.fill('Keys');
  await rename.press('Enter');
  await expect(step(other, 'Keys', 1)).toBeVisible();

  // Reorder: by the menu, then by keyboard (Alt+ArrowUp), addressed by id on the wire.
  await page.getByRole('button', { name: 'More for Keys' }).click();
  await page.getByRole('menuitem', { name: 'Move Keys up' }).click();
  await expect.poll(() => trackNames(other)).toEqual(['Kick', 'Snare', 'Hi-hat', 'Keys', 'Bass']);
  await page.getByRole('button', { name: 'Keys: show velocity and pitch' }).focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expect.poll(() => trackNames(other)).toEqual(['Kick', 'Snare', 'Keys', 'Hi-hat', 'Bass']);

  // Duplicate and delete.
  await other.getByRole('button', { name: 'More for Snare' }).click();
  await other.getByRole('menuitem', { name: 'Duplicate Snare' }).click();
  await expect.poll(() => trackNames(page)).toEqual(['Kick', 'Snare', 'Snare 2', 'Keys', 'Hi-hat', 'Bass']);
  await page.getByRole('button', { name: 'More for Keys' }).click();
  await page.getByRole('menuitem', { name: 'Delete Keys' }).click();
  await expect.poll(() => trackNames(other)).toEqual(['Kick', 'Snare', 'Snare 2', 'Hi-hat', 'Bass']);
  await other.context().close();
});

test('tracks reorder by dragging their name', async ({ page, browser }) => {
  const other = await twoEditors(page, browser);
  await page
    .getByRole('button', { name: 'Bass: show velocity and pitch' })
    .dragTo(page.getByRole('button', { name: 'Kick: show velocity and pitch' }), {
      targetPosition: { x: 10, y: 2 },
    });
  await expect.poll(() => trackNames(other)).toEqual(['Bass', 'Kick', 'Snare', 'Hi-hat']);
  await other.context().close();
});

test('changing the instrument keeps the pattern', async ({ page, browser }) => {
  const other = await twoEditors(page, browser);
  await page.getByRole('button', { name: /^Kick instrument/ }).click();
  await page.getByRole('dialog', { name: 'Instrument for Kick' }).getByRole('button', { name: '808 Kick' }).click();
  await expect(other.getByRole('button', { name: 'Kick instrument: 808 Kick' })).toBeVisible();
  for (const n of [1, 7, 9, 12]) await expect(step(other, 'Kick', n)).toHaveAttribute('aria-pressed', 'true');
  await other.context().close();
});

test('velocity and pitch are edited per step and synced', async ({ page, browser }) => {
  const other = await twoEditors(page, browser);
  await page.getByRole('button', { name: 'Bass: show velocity and pitch' }).click();
  const velocity = page.getByRole('slider', { name: 'Bass step 1 velocity' });
  await velocity.fill('40');
  await other.getByRole('button', { name: 'Bass: show velocity and pitch' }).click();
  await expect(other.getByRole('slider', { name: 'Bass step 1 velocity' })).toHaveValue('40');

  // Bass root is C2: setting step 2 to G2 turns the step on at that pitch.
  await page.getByRole('button', { name: 'Bass step 2 G2' }).click();
  await expect(other.getByRole('button', { name: 'Bass step 2 G2' })).toHaveAttribute('aria-pressed', 'true');
  await expect(step(other, 'Bass', 2)).toHaveAttribute('aria-pressed', 'true');
  await other.context().close();
});

test('shortening a track keeps its hidden steps (polyrhythm lengths)', async ({ page, browser }) => {
  const other = await twoEditors(page, browser);
  await expect(step(page, 'Kick', 12)).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('combobox', { name: 'Kick steps' }).selectOption('7');
  await expect(step(other, 'Kick', 7)).toBeVisible();
  await expect(step(other, 'Kick', 8)).toHaveCount(0);
  await other.getByRole('combobox', { name: 'Kick steps' }).selectOption('16');
  await expect(step(page, 'Kick', 12)).toHaveAttribute('aria-pressed', 'true');
  await other.context().close();
});

test('drag paints from an empty cell and erases from a lit one; the keyboard sets steps', async ({ page }) => {
  await openSession(page, await newSession(page));
  const box = async (n: number) => (await step(page, 'Snare', n).boundingBox())!;
  const from = await box(1);
  const to = await box(4);
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
  await page.mouse.up();
  for (const n of [1, 2, 3, 4]) await expect(step(page, 'Snare', n)).toHaveAttribute('aria-pressed', 'true');
  // Starting on a lit cell (step 5 is on in the starter) erases.
  const lit = await box(5);
  const end = await box(6);
  await page.mouse.move(lit.x + 5, lit.y + 5);
  await page.mouse.down();
  await page.mouse.move(end.x + 5, end.y + 5, { steps: 4 });
  await page.mouse.up();
  await expect(step(page, 'Snare', 5)).toHaveAttribute('aria-pressed', 'false');
  await expect(step(page, 'Snare', 6)).toHaveAttribute('aria-pressed', 'false');

  await step(page, 'Snare', 6).focus();
  await page.keyboard.press('ArrowRight');
  await expect(step(page, 'Snare', 7)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(step(page, 'Snare', 7)).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(step(page, 'Hi-hat', 7)).toBeFocused();
});

test('undo and redo restore what your edit replaced, also for the other editor', async ({ page, browser }) => {
  const other = await twoEditors(page, browser);
  await step(page, 'Snare', 2).click();
  await expect(step(other, 'Snare', 2)).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Control+z');
  await expect(step(other, 'Snare', 2)).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('Control+Shift+z');
  await expect(step(other, 'Snare', 2)).toHaveAttribute('aria-pressed', 'true');

  // Undo of a delete brings the track back where it was, pattern and all.
  await page.getByRole('button', { name: 'More for Snare' }).click();
  await page.getByRole('menuitem', { name: 'Delete Snare' }).click();
  await expect(step(other, 'Snare', 1)).toHaveCount(0);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(() => trackNames(other)).toEqual(['Kick', 'Snare', 'Hi-hat', 'Bass']);
  await expect(step(other, 'Snare', 2)).toHaveAttribute('aria-pressed', 'true');
  await other.context().close();
});

test('mute and solo stay local; volume syncs', async ({ page, browser }) => {
  const other = await twoEditors(page, browser);
  await page.getByRole('button', { name: 'Mute Kick' }).click();
  await page.getByRole('button', { name: 'Solo Bass' }).click();
  await expect(page.getByRole('button', { name: 'Mute Kick' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('button', { name: 'Solo Bass' })).toHaveAttribute('aria-pressed', 'true');

  await page.getByRole('slider', { name: 'Hi-hat volume' }).fill('0.3');
  await expect(other.getByRole('slider', { name: 'Hi-hat volume' })).toHaveValue('0.3');
  // The other editor's listening controls are untouched.
  await expect(other.getByRole('button', { name: 'Mute Kick' })).toHaveAttribute('aria-pressed', 'false');
  await expect(other.getByRole('button', { name: 'Solo Bass' })).toHaveAttribute('aria-pressed', 'false');
  // Solo wins over mute: with Bass soloed, only Bass is heard here.
  const silent = await page.locator('.track-row.silent').count();
  expect(silent).toBe(3);
  await expect(other.locator('.track-row.silent')).toHaveCount(0);
  await other.context().close();
});

test('the ? key opens the shortcut panel', async ({ page }) => {
  await openSession(page, await newSession(page));
  await page.locator('body').press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeHidden();
});

test('the instrument picker is searched by name, kit or family; Enter takes the first match', async ({ page }) => {
  await openSession(page, await newSession(page));
  await page.getByRole('button', { name: '+ Add track' }).click();
  const picker = page.getByRole('dialog', { name: /new track/ });
  const search = picker.getByRole('searchbox', { name: 'Search instruments' });
  // Case and accents do not matter.
  await search.fill('ÉLECTRIC PIANO');
  await expect(picker.getByRole('button')).toHaveCount(1);
  await expect(picker.getByRole('button', { name: 'Electric Piano' })).toBeVisible();
  // A kit and a family narrow together: the synthesised 808 kit and the sampled Boom kit (808).
  await search.fill('808 drums');
  await expect(picker.getByRole('group', { name: '808 kit' }).getByRole('button')).toHaveCount(5);
  await expect(picker.getByRole('group', { name: 'Boom kit (808)' }).getByRole('button')).toHaveCount(6);
  await expect(picker.getByRole('button')).toHaveCount(11);
  await expect(picker.getByRole('region', { name: 'Keys' })).toHaveCount(0);
  await search.fill('zzz');
  await expect(picker.getByRole('button')).toHaveCount(0);
  await expect(picker).toContainText('No instrument matches');
  await search.fill('grand');
  await search.press('Enter');
  await expect(step(page, 'Grand Piano', 1)).toBeVisible();
});

interface PreviewRuntime {
  __keyboardia: { engine: { previewsPlayed: number; lastPreviewed: string | null; preview(id: string): Promise<void> } };
  __keyboardiaAudio: { loadInstrument(id: string): Promise<void>; instrumentStatus(id: string): string; sampleFiles: string[] };
}
const previews = (page: Page) =>
  page.evaluate(() => {
    const { engine } = (window as unknown as PreviewRuntime).__keyboardia;
    return { played: engine.previewsPlayed, last: engine.lastPreviewed };
  });

test('the picker groups instruments by family, drums by kit', async ({ page }) => {
  await openSession(page, await newSession(page));
  await page.getByRole('button', { name: '+ Add track' }).click();
  const picker = page.getByRole('dialog', { name: /new track/ });
  for (const family of ['Drums', 'Bass', 'Keys', 'Leads', 'Pads', 'FX'])
    await expect(picker.getByRole('region', { name: family })).toBeVisible();
  const drums = picker.getByRole('region', { name: 'Drums' });
  for (const kit of ['Studio kit', 'Electro kit', '808 kit', 'Boom kit (808)', 'House kit (909)', 'Lo-fi kit']) {
    await expect(drums.getByRole('group', { name: kit })).toBeVisible();
  }
  await expect(drums.getByRole('group', { name: 'House kit (909)' }).getByRole('button', { name: 'House Open Hat' })).toBeVisible();
  await expect(picker.getByRole('region', { name: 'Bass' }).getByRole('button', { name: 'Wood Bass' })).toBeVisible();
  await expect(picker.getByRole('region', { name: 'Pads' }).getByRole('button', { name: 'Choir Pad' })).toBeVisible();
  await expect(picker.getByRole('region', { name: 'Drums' }).getByRole('button', { name: 'Wood Bass' })).toHaveCount(0);
});

test('the picker previews the option that has keyboard focus or the pointer, through the engine', async ({ page }) => {
  await openSession(page, await newSession(page));
  expect(await previews(page)).toEqual({ played: 0, last: null });
  // The click that opens the picker is the gesture that allows audio; the first option gets focus.
  await page.getByRole('button', { name: '+ Add track' }).click();
  const picker = page.getByRole('dialog', { name: /new track/ });
  await expect(picker.getByRole('button', { name: 'Studio Kick' })).toBeFocused();
  await expect.poll(() => previews(page)).toEqual({ played: 1, last: 'studio-kick' });
  // Keyboard focus moves on: the newly focused option sounds (a sampled one, once loaded).
  await page.keyboard.press('Tab');
  await expect(picker.getByRole('button', { name: 'Studio Snare' })).toBeFocused();
  await expect.poll(() => previews(page)).toEqual({ played: 2, last: 'studio-snare' });
  await picker.getByRole('button', { name: 'Wood Bass' }).hover();
  await expect.poll(() => previews(page)).toEqual({ played: 3, last: 'wood-bass' });
  expect(await page.evaluate(() => (window as unknown as PreviewRuntime).__keyboardiaAudio.instrumentStatus('wood-bass'))).toBe('ready');
});

test('every instrument loads to ready, each sample file fetched and decoded', async ({ page }) => {
  await openSession(page, await newSession(page));
  const statuses = await page.evaluate(async (ids) => {
    const audio = (window as unknown as PreviewRuntime).__keyboardiaAudio;
    await Promise.allSettled(ids.map((id) => audio.loadInstrument(id)));
    return Object.fromEntries(ids.map((id) => [id, audio.instrumentStatus(id)]));
  }, ALL);
  expect(statuses).toEqual(Object.fromEntries(ALL.map((id) => [id, 'ready'])));
});
