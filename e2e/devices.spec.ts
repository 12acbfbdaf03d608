/**
 * Every screen (issue 15), as a user holds it: a phone (Pixel 7, portrait), a tablet (iPad
 * gen 7's viewport, touch) and a desktop (1440 × 900), emulated in our Chromium. On each,
 * every control of the accessibility contract (the names e2e/accessibility.spec.ts and the
 * other specs address) is visible, inside the screen's width and operated by a tap or a
 * click; nothing scrolls sideways (no zooming); step cells measure at least 44 × 44 CSS px
 * on touch and 24 × 24 with a mouse. On the phone a musician edits a 32-step track (paged,
 * jumping with the overview), the mixer and the swing, and a listener plays and remixes a
 * published beat.
 */
import { devices, expect, type Locator, type Page, test } from '@playwright/test';
import { newSession, openSession, step } from './helpers';

/** A device's context options without its browser type: these run in our Chromium. */
function device(name: string) {
  const { defaultBrowserType: _, ...options } = devices[name]!;
  return options;
}
const PHONE = device('Pixel 7');
const TABLET = device('iPad (gen 7)');
const DESKTOP = { viewport: { width: 1440, height: 900 } };

/** The controls every screen must offer, by role and accessible name (the tracks of the starter groove). */
function contract(page: Page): [string, Locator][] {
  const named = (role: Parameters<Page['getByRole']>[0], name: string): [string, Locator] => [
    `${role} "${name}"`,
    page.getByRole(role, { name, exact: true }),
  ];
  return [
    named('button', 'Share'),
    named('button', 'Publish'),
    named('button', 'Remix'),
    named('button', 'Export'),
    named('button', 'Play'),
    named('button', 'Stop'),
    named('spinbutton', 'Tempo'),
    named('button', 'Tap along to set the speed'),
    named('button', 'Fill'),
    named('button', 'Undo'),
    named('button', 'Redo'),
    named('slider', 'Swing'),
    named('button', 'Re-roll'),
    ['key', page.locator('.key-control > summary')],
    named('slider', 'Master'),
    named('slider', 'Master drive'),
    named('slider', 'Master chorus'),
    named('slider', 'Reverb'),
    named('slider', 'Delay'),
    named('slider', 'Feedback'),
    named('checkbox', 'Play together'),
    named('button', 'Add pattern'),
    named('button', 'Launch pattern A'),
    named('button', 'Select steps'),
    named('checkbox', 'Song mode'),
    named('button', 'Add to song'),
    named('button', '+ Add track'),
    ...['Kick', 'Bass'].flatMap((track): [string, Locator][] => [
      named('button', `${track}: show velocity and pitch`),
      [`${track} instrument`, page.getByRole('button', { name: `${track} instrument:` })],
      named('combobox', `${track} steps`),
      named('button', `Mute ${track}`),
      named('button', `Solo ${track}`),
      named('slider', `${track} volume`),
      named('slider', `${track} pan`),
      named('button', `More for ${track}`),
    ]),
  ];
}

/** Nothing is wider than the screen: the page never scrolls sideways (no zooming out to reach a control). */
async function expectNoSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, 'the page scrolls sideways').toBeLessThanOrEqual(innerWidth);
}

/** Every control of the contract is visible, within the screen's width, and at least 24 × 24 px on touch. */
async function expectContractReachable(page: Page, touch: boolean) {
  const width = page.viewportSize()!.width;
  const problems: string[] = [];
  for (const [name, control] of contract(page)) {
    await expect(control, name).toBeVisible();
    await control.scrollIntoViewIfNeeded();
    const box = (await control.boundingBox())!;
    if (box.x < 0 || box.x + box.width > width + 0.5) problems.push(`${name} is outside the screen (x ${box.x}, width ${box.width})`);
    if (touch && (box.width < 24 || box.height < 24)) problems.push(`${name} is ${box.width} × ${box.height} px`);
  }
  expect(problems).toEqual([]);
}

/**
 * Every target in the open step detail measures at least 24 × 24 CSS px with a mouse (WCAG
 * 2.5.8) and at least 44 px tall (and 24 wide) on touch; the pitch roll's and the chord lane's
 * cells are 44 px squares on touch. The roll scrolls rather than shrinking them.
 */
async function expectDetailTargets(page: Page, touch: boolean) {
  const targets = await page.locator('.step-detail').evaluate((detail) =>
    [...detail.querySelectorAll<HTMLElement>('button, input, select, summary')]
      .map((el) => {
        const r = el.getBoundingClientRect();
        const name = el.getAttribute('aria-label') ?? el.textContent?.trim() ?? el.tagName;
        return { name, width: r.width, height: r.height, cell: !!el.closest('.pitch-roll, .chord-lane') };
      })
      .filter((t) => t.width > 0 || t.height > 0),
  );
  // The lanes of a 16-step melodic track: 16 velocity sliders, a roll of many notes, 16 chords.
  expect(targets.filter((t) => t.cell).length).toBeGreaterThan(16 * 20);
  const minHeight = touch ? 44 : 24;
  const small = targets.filter((t) => t.height < minHeight - 0.01 || t.width < 24 - 0.01 || (touch && t.cell && t.width < 44 - 0.01));
  expect(small.map((t) => `${t.name}: ${t.width} × ${t.height}`)).toEqual([]);
}

/** The smallest step cell of the grid, in CSS px. */
async function smallestStep(page: Page): Promise<{ width: number; height: number; count: number }> {
  return page.locator('.grid .step').evaluateAll((cells) => {
    const boxes = cells.map((c) => c.getBoundingClientRect());
    return { width: Math.min(...boxes.map((b) => b.width)), height: Math.min(...boxes.map((b) => b.height)), count: boxes.length };
  });
}

/** Operate the contract's controls the way this device does (tap on touch, click otherwise). */
async function operateEverything(page: Page, touch: boolean) {
  const press = (l: Locator) => (touch ? l.tap() : l.click());

  // Swing, then undo and redo it.
  const swing = page.getByRole('slider', { name: 'Swing', exact: true });
  await swing.fill('30');
  await expect(page.locator('.transport output').first()).toHaveText('30%');
  await press(page.getByRole('button', { name: 'Undo' }));
  await expect(swing).not.toHaveValue('30');
  await press(page.getByRole('button', { name: 'Redo' }));
  await expect(swing).toHaveValue('30');

  // The master and the effects.
  for (const [name, value] of [
    ['Master', '0.5'],
    ['Master drive', '0.2'],
    ['Reverb', '0.4'],
    ['Delay', '0.3'],
  ] as const) {
    const slider = page.getByRole('slider', { name, exact: true });
    await slider.fill(value);
    await expect(slider).toHaveValue(value);
  }
  const together = page.getByRole('checkbox', { name: 'Play together' });
  await press(together);
  await expect(together).toBeChecked();
  await press(together);
  await expect(together).not.toBeChecked();

  // The key panel.
  await press(page.locator('.key-control > summary'));
  await expect(page.getByRole('group', { name: 'Key', exact: true })).toBeVisible();
  await press(page.locator('.key-control > summary'));
  await expect(page.getByRole('group', { name: 'Key', exact: true })).toBeHidden();

  // A track's mix and mute.
  await page.getByRole('slider', { name: 'Kick volume' }).fill('0.5');
  await expect(page.getByRole('slider', { name: 'Kick volume' })).toHaveValue('0.5');
  await page.getByRole('slider', { name: 'Bass pan' }).fill('-0.5');
  await expect(page.getByRole('slider', { name: 'Bass pan' })).toHaveValue('-0.5');
  await press(page.getByRole('button', { name: 'Mute Kick' }));
  await expect(page.getByRole('button', { name: 'Mute Kick' })).toHaveAttribute('aria-pressed', 'true');
  await press(page.getByRole('button', { name: 'Mute Kick' }));

  // The track's detail: its sound and, for a melodic track, the pitch roll.
  await press(page.getByRole('button', { name: 'Bass: show velocity and pitch' }));
  const sound = page.getByRole('group', { name: 'Bass sound' });
  await expect(sound).toBeVisible();
  await sound.getByRole('slider', { name: 'Bass attack' }).fill('0.5');
  await expect(sound.getByRole('slider', { name: 'Bass attack' })).toHaveValue('0.5');
  await expect(page.getByRole('grid', { name: 'Bass pitch' })).toBeVisible();
  // Every target of the detail (velocity lane, pitch roll, chord lane and a step's chord editor) is big enough.
  await press(page.getByRole('button', { name: 'Bass step 3 chord: single note' }));
  await expect(page.getByRole('group', { name: 'Bass step 3 chord' })).toBeVisible();
  await expectDetailTargets(page, touch);
  const note = page.getByRole('button', { name: /^Bass step 5 / }).and(page.locator('[tabindex="0"]'));
  await note.scrollIntoViewIfNeeded();
  await press(note);
  await expect(note).toHaveAttribute('aria-pressed', 'true');
  await press(page.getByRole('button', { name: 'Close detail' }));

  // The step expression panel, by the touch-friendly Select mode.
  await press(page.getByRole('button', { name: 'Select steps' }));
  await press(step(page, 'Kick', 1));
  const probability = page.getByRole('slider', { name: 'Kick step 1 probability' });
  await expect(probability).toBeVisible();
  await probability.fill('50');
  await expect(step(page, 'Kick', 1)).toHaveAccessibleDescription('50% chance');
  await press(page.getByRole('button', { name: 'Select steps' }));

  // Patterns and the song.
  await press(page.getByRole('button', { name: 'Add to song' }));
  await expect(page.getByRole('list', { name: 'Song' }).getByRole('listitem')).toHaveCount(1);
  await press(page.getByRole('group', { name: 'Patterns' }).getByRole('button', { name: 'Add pattern' }));
  await expect(page.getByRole('group', { name: 'Patterns' }).getByRole('button', { name: /^Pattern B/ })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await press(page.getByRole('group', { name: 'Patterns' }).getByRole('button', { name: /^Pattern A/ }));

  // Share opens its dialog; Export its menu.
  await press(page.getByRole('button', { name: 'Share', exact: true }));
  const share = page.getByRole('dialog');
  await expect(share).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(share).toBeHidden();
  await press(page.getByRole('button', { name: 'Export', exact: true }));
  await expect(page.getByRole('menuitem').first()).toBeVisible();
  await page.keyboard.press('Escape');
}

test.describe('phone (Pixel 7, portrait)', () => {
  test.use(PHONE);

  test('every control is reachable and operable by touch; steps are 44 px targets; a 32-step track is edited page by page', async ({
    page,
  }) => {
    await openSession(page, await newSession(page));
    await expectNoSidewaysScroll(page);

    // The mix, effects, key and "Play together" wait behind one button on a phone.
    const more = page.getByRole('button', { name: 'Mix & more' });
    await expect(page.getByRole('slider', { name: 'Swing' })).toBeHidden();
    await more.tap();
    await expect(more).toHaveAttribute('aria-expanded', 'true');
    await expectContractReachable(page, true);
    await expectNoSidewaysScroll(page);

    const cells = await smallestStep(page);
    expect(cells.width).toBeGreaterThanOrEqual(44);
    expect(cells.height).toBeGreaterThanOrEqual(44);

    // A first-time visitor's hint, until their first edit.
    const hint = page.getByText('Tap a step to light it, then Play.');
    await expect(hint).toBeVisible();
    await operateEverything(page, true);
    await expect(hint).toBeHidden();
    await expectNoSidewaysScroll(page);

    // A 32-step kick: 8 steps a page at 44 px or more, an overview of its four pages.
    await page.getByRole('combobox', { name: 'Kick steps' }).selectOption('32');
    const kick = page.locator('.track-row', { has: step(page, 'Kick', 1) });
    const overview = kick.locator('.overview-page');
    await expect(overview).toHaveCount(4);
    const win = kick.locator('.steps-window');
    const shown = async (n: number) => {
      const [w, s] = [(await win.boundingBox())!, (await step(page, 'Kick', n).boundingBox())!];
      return s.x >= w.x - 0.5 && s.x + s.width <= w.x + w.width + 0.5;
    };
    expect(await shown(1)).toBe(true);
    expect(await shown(20)).toBe(false);
    // Tap the third page in the overview: steps 17–24 show, and the grid stops following.
    await overview.nth(2).tap();
    await expect.poll(() => shown(20)).toBe(true);
    await expect(overview.nth(2)).toHaveAttribute('data-shown', '');
    await expect(page.getByRole('button', { name: 'Follow playhead' })).toHaveAttribute('aria-pressed', 'false');
    const before = await win.evaluate((el) => el.scrollLeft);
    await step(page, 'Kick', 20).tap();
    await expect(step(page, 'Kick', 20)).toHaveAttribute('aria-pressed', 'true');
    expect(await win.evaluate((el) => el.scrollLeft)).toBe(before);
    const kick20 = (await step(page, 'Kick', 20).boundingBox())!;
    expect(Math.min(kick20.width, kick20.height)).toBeGreaterThanOrEqual(44);

    // Following again while playing: the window shows the page the playhead is on.
    await page.getByRole('button', { name: 'Follow playhead' }).tap();
    await page.getByRole('button', { name: 'Play', exact: true }).tap();
    const followed = () =>
      kick.evaluate((row) => {
        const w = row.querySelector<HTMLElement>('.steps-window')!;
        const playing = Number(getComputedStyle(row.querySelector('.playhead')!).getPropertyValue('--playhead'));
        return { page: Math.round(w.scrollLeft / w.clientWidth), playing: Math.floor(playing / 8) };
      });
    // Every page in turn, each time the one playing.
    for (const target of [1, 2, 3, 0]) {
      await expect.poll(async () => (await followed()).page, { timeout: 20_000, intervals: [100] }).toBe(target);
      // Read together in the page: the window and the playhead move in the same update.
      const now = await followed();
      expect(now.page).toBe(now.playing);
    }
    await page.getByRole('button', { name: 'Stop', exact: true }).tap();
    await expectNoSidewaysScroll(page);
  });

  test('the smallest phone (360 × 640) in portrait and landscape: no sideways scroll, 44 px steps, paged rows', async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 640 });
    await openSession(page, await newSession(page));
    for (const viewport of [
      { width: 360, height: 640 },
      { width: 640, height: 360 },
    ]) {
      await page.setViewportSize(viewport);
      await expect.poll(() => smallestStep(page).then((s) => Math.min(s.width, s.height))).toBeGreaterThanOrEqual(44);
      await expectNoSidewaysScroll(page);
      await step(page, 'Kick', 1).scrollIntoViewIfNeeded();
      await expect(step(page, 'Kick', 1)).toBeInViewport({ ratio: 1 });
    }
    // At 360 px the 16-step rows show 8 steps a page.
    await page.setViewportSize({ width: 360, height: 640 });
    await expect(page.locator('.track-row').first().locator('.overview-page')).toHaveCount(2);
  });

  test('a listener plays a published beat and remixes it', async ({ page }) => {
    const url = await newSession(page);
    const published = await (await page.request.post(`/api/sessions/${url.split('/').pop()}/publish`)).json();
    await page.goto(published.url);
    await expectNoSidewaysScroll(page);
    const play = page.getByRole('button', { name: 'Play', exact: true });
    await play.tap();
    await expect(play).toHaveAttribute('aria-pressed', 'true');
    await page.getByRole('button', { name: 'Stop', exact: true }).tap();
    await page.getByRole('button', { name: 'Remix', exact: true }).tap();
    await expect(page).toHaveURL(/\/s\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('connection-status')).toContainText('Connected');
    await expectNoSidewaysScroll(page);
  });
});

test.describe('tablet (iPad gen 7 viewport, touch)', () => {
  test.use(TABLET);

  test('every control is reachable and operable by touch; steps are 44 px targets', async ({ page }) => {
    await openSession(page, await newSession(page));
    await expectNoSidewaysScroll(page);
    // Wide enough: everything is inline, no "Mix & more".
    await expect(page.getByRole('button', { name: 'Mix & more' })).toBeHidden();
    await expectContractReachable(page, true);
    const cells = await smallestStep(page);
    expect(Math.min(cells.width, cells.height)).toBeGreaterThanOrEqual(44);
    await operateEverything(page, true);
    await expectNoSidewaysScroll(page);
  });
});

test.describe('desktop (1440 × 900)', () => {
  test.use(DESKTOP);

  test('every control is reachable and operable; the grid uses the width, beats grouped by 4', async ({ page }) => {
    await openSession(page, await newSession(page));
    await expectNoSidewaysScroll(page);
    await expect(page.getByRole('button', { name: 'Mix & more' })).toBeHidden();
    await expectContractReachable(page, false);
    const cells = await smallestStep(page);
    expect(Math.min(cells.width, cells.height)).toBeGreaterThanOrEqual(24);

    // The 16 steps span (nearly) all the width the row leaves them.
    const row = page.locator('.track-row').first();
    const [area, win] = [(await row.locator('.steps-area').boundingBox())!, (await row.locator('.steps-window').boundingBox())!];
    expect(win.width).toBeGreaterThanOrEqual(area.width * 0.9);
    expect(area.width).toBeGreaterThanOrEqual(700);
    // Groups of 4: a divider before steps 5, 9 and 13, and no other.
    const starts = await row
      .locator('.step-cell.group-start button')
      .evaluateAll((b) => b.map((x) => Number(x.getAttribute('data-step')) + 1));
    expect(starts).toEqual([5, 9, 13]);
    // A 6-step row groups by 3.
    await page.getByRole('combobox', { name: 'Kick steps' }).selectOption('6');
    await expect(row.locator('.step-cell.group-start button')).toHaveCount(1);
    await expect(row.locator('.step-cell.group-start button')).toHaveAttribute('data-step', '3');

    await operateEverything(page, false);
  });
});
