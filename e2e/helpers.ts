import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

/**
 * Playwright's `test`, which also closes every browser context a test opened itself
 * (`newContextPage`, `browser.newContext()`) when the test ends. Playwright closes only its
 * own `context`/`page` fixtures: the browser lives as long as the worker, so a second
 * editor, a listener or an embed left open stayed open, connected and often playing, for
 * every later test of that worker (by the end of a run, dozens of pages burning the CPU the
 * current test's pages need). Specs that open contexts of their own import `test` from here.
 */
export const test = base.extend<{ closeOwnContexts: undefined }>({
  closeOwnContexts: [
    async ({ browser }, use) => {
      const before = new Set<BrowserContext>(browser.contexts());
      await use(undefined);
      // Torn down after the `context` fixture (set up before it): what is left open was opened by the test.
      await Promise.all(browser.contexts().map((c) => (before.has(c) ? undefined : c.close({ reason: 'Test ended.' }))));
    },
    { auto: true },
  ],
});

/** Create a session through the API (as the landing page does) and return its path. */
export async function newSession(page: Page, template = 'starter'): Promise<string> {
  const response = await page.request.post('/api/sessions', { data: { template } });
  expect(response.status()).toBe(201);
  const { url } = (await response.json()) as { url: string };
  return url;
}

/** Open a session and wait until it is loaded and connected. */
export async function openSession(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('connection-status')).toContainText('Connected');
}

export async function newContextPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

/** A step's toggle (a button with aria-pressed, inside the grid cell), by its name "<track> step <n>". */
export const step = (page: Page, track: string, n: number) => page.getByRole('button', { name: `${track} step ${n}`, exact: true });

/** The serious and critical axe-core violations on the page, one line each (empty: none). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Legacy mode runs axe.run() in the page itself. The default mode serialises every node of
  // every rule (passes included) out of the page and finishes in a second, blank page: on the
  // editor (~2,000 nodes with the pitch roll open) that took 30-70 s on a busy 2-core machine
  // against ~3 s here. What legacy mode gives up is testing cross-origin frames, and none of
  // these pages has a frame. Only violations are gathered: passes are not looked at.
  const { violations } = await new AxeBuilder({ page })
    .setLegacyMode()
    .options({ resultTypes: ['violations'] })
    .analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} on ${v.nodes.length} node(s), e.g. ${v.nodes[0]?.target.join(' ')}: ${v.help}`);
}

/** Count AudioContexts made by the page (AudioContext is replaced before any script runs). */
export async function countAudioContexts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.AudioContext;
    const w = window as unknown as { __audioContexts: number };
    w.__audioContexts = 0;
    window.AudioContext = class extends Native {
      constructor(options?: AudioContextOptions) {
        super(options);
        w.__audioContexts++;
      }
    };
  });
}
export const audioContexts = (page: Page) => page.evaluate(() => (window as unknown as { __audioContexts: number }).__audioContexts);
