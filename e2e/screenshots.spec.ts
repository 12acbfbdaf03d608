/**
 * What each page looks like (issue 15): the landing page, the editor, the published beat
 * page and the embed player at a phone's, a tablet's and a desktop's size, compared with the
 * committed baselines in e2e/__screenshots__ (no platform suffix: CI on Linux compares with
 * the same files; regenerate with `--update-snapshots` after a deliberate change and look at
 * the diff). The tolerance (2 % of the pixels) survives font hinting and antialiasing; a
 * moved or missing control is far more. Animations are off, the playhead stopped, the
 * session fixed (the starter groove, one session and one beat for the whole file), this
 * browser's name and colour fixed; the landing page's list of published beats, which
 * depends on what else ran against the server, is hidden. And axe-core on each: no serious
 * or critical violation at any size.
 *
 * Pages are taken at a device scale factor of 1 (small baselines); the phone and tablet
 * still emulate touch, so they get the touch layout (44 px steps, the "Mix & more" panel).
 * Each picture is the screen as first seen (the viewport), not the full page: Chromium's
 * full-page capture resizes the emulated screen and drops touch emulation while it does,
 * which a phone's user never sees (the grid re-fits itself for a mouse).
 */
import { devices, expect, type Page, test } from '@playwright/test';
import { newSession, openSession, seriousViolations } from './helpers';

function device(name: string) {
  const { defaultBrowserType: _, deviceScaleFactor: __, ...options } = devices[name]!;
  return { ...options, deviceScaleFactor: 1 };
}
const SIZES = {
  phone: device('Pixel 7'),
  tablet: device('iPad (gen 7)'),
  desktop: { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 },
} as const;

const SHOT = { maxDiffPixelRatio: 0.02, animations: 'disabled', caret: 'hide' } as const;

/** One session and its published beat for the whole file (the starter groove: the same content every run). */
let made: Promise<{ session: string; beat: string }> | null = null;
function fixture(page: Page) {
  made ??= (async () => {
    const session = await newSession(page);
    const published = await page.request.post(`/api/sessions/${session.split('/').pop()}/publish`);
    expect(published.status()).toBe(201);
    return { session, beat: ((await published.json()) as { beatId: string }).beatId };
  })();
  return made;
}

for (const [size, options] of Object.entries(SIZES)) {
  test.describe(size, () => {
    test.use(options);

    // One test per size, the four pages in turn: one browser context instead of four.
    test(`landing page, editor, published beat page and embed at ${size} size`, async ({ page }) => {
      // Four pages, each pictured and checked by axe: several times one page's budget on a busy machine.
      test.setTimeout(180_000);
      // A fixed name and colour for this browser (else drawn at random on first load).
      await page.addInitScript(() => localStorage.setItem('kb:identity', JSON.stringify({ name: 'Screen Shot', color: '#4363d8' })));
      const { session, beat } = await fixture(page);

      await test.step('landing page', async () => {
        await page.goto('/');
        await expect(page.getByRole('button', { name: 'New beat' })).toBeVisible();
        // What else ran against this server decides the published beats and recent sessions listed: not pictured.
        await page.addStyleTag({ content: '.gallery, .recent { display: none !important; }' });
        await expect(page).toHaveScreenshot(`landing-${size}.png`, SHOT);
        expect(await seriousViolations(page)).toEqual([]);
      });

      await test.step('editor', async () => {
        await openSession(page, session);
        // Sampled instruments finish loading (their loading dot gone) before the picture.
        await expect(page.locator('.instrument[aria-busy="true"]')).toHaveCount(0);
        await expect(page.locator('.playhead').first()).toBeHidden();
        await expect(page).toHaveScreenshot(`editor-${size}.png`, SHOT);
        expect(await seriousViolations(page)).toEqual([]);
      });

      await test.step('published beat page', async () => {
        await page.goto(`/b/${beat}`);
        await expect(page.getByRole('heading', { name: 'Starter groove' })).toBeVisible();
        await expect(page).toHaveScreenshot(`beat-${size}.png`, SHOT);
        expect(await seriousViolations(page)).toEqual([]);
      });

      await test.step('embed player', async () => {
        await page.goto(`/embed/${beat}`);
        await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
        await expect(page).toHaveScreenshot(`embed-${size}.png`, SHOT);
        expect(await seriousViolations(page)).toEqual([]);
      });
    });
  });
}
