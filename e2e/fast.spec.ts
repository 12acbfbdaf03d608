/**
 * Issue 17, "fast on a phone": what the loading work promises, checked in Chromium.
 * The published beat page's first screen comes in the HTML (worker/http/beatHtml.ts) and
 * the app renders over it without moving anything; no page makes an AudioContext while
 * it loads (Tone.js without its entry module, app/audio/tone.ts), only on Play. The
 * editor's header and first-time hint come in the HTML too (worker/http/editorShellHtml.ts),
 * the same as the entry chunk's shell (app/pages/EditorShell.tsx), which stays until the
 * editor's own code and the session's snapshot have arrived.
 * The Lighthouse scores themselves are the bench's (scripts/bench/lighthouse.mjs).
 */
import { devices, type Page, expect } from '@playwright/test';
import { EDITED_COOKIE, FIRST_HINT } from '../core/firstScreen';
import { audioContexts, countAudioContexts, test, newContextPage, newSession, openSession, step } from './helpers';

/** Every element of the page's #root: tag, class, label, pressed state, text of leaves, and box. */
function describeRoot(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#root *')]
      .filter((el) => !el.closest('[popover]'))
      .map((el) => {
        const box = el.getBoundingClientRect();
        return {
          tag: el.tagName,
          className: el.getAttribute('class'),
          role: el.getAttribute('role'),
          label: el.getAttribute('aria-label'),
          pressed: el.getAttribute('aria-pressed'),
          text: el.children.length === 0 ? el.textContent : null,
          box: [box.x, box.y, box.width, box.height].map((v) => Math.round(v * 10) / 10),
        };
      }),
  );
}

async function publishedBeat(page: Page): Promise<string> {
  const url = await newSession(page);
  const id = url.split('/').pop()!;
  const response = await page.request.post(`/api/sessions/${id}/publish`);
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { url: string }).url;
}

test('the beat page paints its name, tempo and grid from the HTML, and the app takes over without a shift', async ({ page, browser }) => {
  const link = await publishedBeat(page);

  // Without JavaScript: everything a listener first sees is in the page the Worker sent.
  const still = await browser.newContext({ javaScriptEnabled: false });
  const plain = await still.newPage();
  await plain.goto(link);
  await expect(plain.getByRole('heading', { name: 'Starter groove' })).toBeVisible();
  await expect(plain.getByLabel('Tempo')).toHaveText('110 BPM');
  await expect(step(plain, 'Kick', 1)).toHaveAttribute('aria-pressed', 'true');
  await expect(step(plain, 'Kick', 2)).toHaveAttribute('aria-pressed', 'false');
  const served = await describeRoot(plain);
  await still.close();

  // With it: the app renders the same elements in the same places, and nothing shifts.
  const listener = await newContextPage(browser);
  await listener.addInitScript(() => {
    const w = window as unknown as { __shift: number };
    w.__shift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
        if (!entry.hadRecentInput) w.__shift += entry.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await listener.goto(link);
  // The export menu's popover is the app's own (the HTML carries only its button): the app has rendered.
  await expect(listener.locator('#root [role="menu"]')).toHaveCount(1);
  const rendered = await describeRoot(listener);
  expect(rendered).toEqual(served);
  expect(await listener.evaluate(() => (window as unknown as { __shift: number }).__shift)).toBe(0);
  // And it works: Play plays.
  await listener.getByRole('button', { name: 'Play' }).click();
  await expect(listener.getByRole('button', { name: 'Play' })).toHaveAttribute('aria-pressed', 'true');
  await listener.context().close();
});

test('a beat name is escaped in the HTML the Worker draws', async ({ page, browser }) => {
  const name = `<img src=x onerror=alert(1)> & "double" 'single'`;
  const created = await page.request.post('/api/sessions', { data: { template: 'starter', name } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const published = await page.request.post(`/api/sessions/${id}/publish`);
  expect(published.ok()).toBe(true);
  const link = ((await published.json()) as { url: string }).url;
  const still = await browser.newContext({ javaScriptEnabled: false });
  const plain = await still.newPage();
  await plain.goto(link);
  await expect(plain.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(plain.locator('#root img')).toHaveCount(0);
  await still.close();
});

test('no page makes an AudioContext while it loads; Play makes the one it plays on', async ({ page }) => {
  await countAudioContexts(page);
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'New beat' })).toBeVisible();
  expect(await audioContexts(page)).toBe(0);

  const url = await newSession(page);
  await openSession(page, url);
  await page.waitForFunction(() => !!(window as unknown as { __keyboardia?: unknown }).__keyboardia);
  await expect(step(page, 'Kick', 1)).toHaveAttribute('aria-pressed', 'true');
  expect(await audioContexts(page)).toBe(0);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toHaveAttribute('aria-pressed', 'true');
  expect(await audioContexts(page)).toBe(1);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();

  const link = await publishedBeat(page);
  await page.goto(link);
  await expect(page.locator('#root [role="menu"]')).toHaveCount(1);
  expect(await audioContexts(page)).toBe(0);
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByRole('button', { name: 'Play' })).toHaveAttribute('aria-pressed', 'true');
  expect(await audioContexts(page)).toBe(1);
});

for (const [screen, options] of [
  ['desktop', {}],
  ['phone', devices['Pixel 7']],
] as const) {
  test(`the editor paints its header and first-time hint before its code and the session arrive, and keeps them on the first screen (${screen})`, async ({
    browser,
  }) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const url = await newSession(page);
    // Hold the editor's chunk: what shows meanwhile comes from the entry chunk alone.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/assets\/EditorPage-[^/]+\.js$/, async (route) => {
      await held;
      await route.continue();
    });
    // Without JavaScript: the first screen is in the page the Worker sent.
    const still = await browser.newContext({ ...options, javaScriptEnabled: false });
    const plain = await still.newPage();
    await plain.goto(url);
    await expect(plain.locator('.first-hint')).toHaveText(FIRST_HINT);
    await expect(plain.getByText('Loading session…')).toBeVisible();
    const served = await describeRoot(plain);
    await still.close();

    await page.goto(url);
    const hint = page.locator('.first-hint');
    await expect(hint).toHaveText(FIRST_HINT);
    await expect(page.getByText('Loading session…')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Keyboardia' })).toBeVisible();
    await expect(step(page, 'Kick', 1)).toHaveCount(0);
    // The app's shell is the Worker's, element for element and box for box.
    expect(await describeRoot(page)).toEqual(served);
    const before = await hint.boundingBox();

    release();
    await expect(step(page, 'Kick', 1)).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByText('Loading session…')).toHaveCount(0);
    const after = await hint.boundingBox();
    // The editor drew over the shell: the hint (the page's largest text at first) did not
    // move. On a phone too: the header is two rows in both (the tools scroll sideways).
    expect(after).toEqual(before);
    if (screen === 'phone') {
      // The first row of steps is on the first screen, even one as short as an iPhone 13's
      // (390 × 664): the header and the transport are a row each that scrolls sideways.
      await page.setViewportSize({ width: 390, height: 664 });
      const first = await step(page, 'Kick', 1).boundingBox();
      expect(first!.y + first!.height).toBeLessThanOrEqual(664);
    }
    await context.close();
  });
}

test("a browser that has edited gets the editor's HTML without the hint, and so does a listen link", async ({ page, browser }) => {
  const url = await newSession(page);
  await openSession(page, url);
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain(EDITED_COOKIE);
  await step(page, 'Kick', 2).click();
  // The first edit dismisses the hint for good: the app tells the Worker with a cookie.
  await expect.poll(async () => (await page.context().cookies()).find((c) => c.name === EDITED_COOKIE)?.value).toBe('1');
  const id = url.split('/').pop()!;
  const html = async (path: string) => (await page.request.get(path)).text();
  expect(await html(`/s/${id}`)).not.toContain('first-hint');
  const { listenId } = (await (await page.request.post(`/api/sessions/${id}/listen`)).json()) as { listenId: string };
  const fresh = await browser.newContext();
  const served = await fresh.request.get(`/s/${id}`);
  expect(served.headers().vary).toBe('Cookie');
  expect(await served.text()).toContain(`<p class="first-hint">`);
  const listen = await (await fresh.request.get(`/listen/${listenId}`)).text();
  expect(listen).toContain('Loading session…');
  expect(listen).not.toContain('first-hint');
  await fresh.close();
});
