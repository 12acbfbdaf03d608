/**
 * Defects found by trying Keyboardia as a new user and as a hostile or unlucky client
 * would (issue 10), each with the browser behaviour that now guards it.
 */
import { expect, type Page, type WebSocketRoute } from '@playwright/test';
import { test, newSession, openSession, step } from './helpers';

/** The editor's debugging handle (app/pages/EditorPage.tsx), as far as these tests use it. */
interface Runtime {
  sync: { clientId: string | null; unreadableFrames: number };
  engine: { play(): Promise<void>; stop(): void; isPlaying: boolean };
  store: { getState(): { playing: boolean; pendingCount: number } };
}

/** Pass the session's WebSocket through to the server, keeping a handle to play the server's part. */
async function throughProxy(page: Page, options: { holdMutations?: () => boolean } = {}): Promise<() => WebSocketRoute> {
  let current: WebSocketRoute | null = null;
  await page.routeWebSocket(/\/api\/sessions\/[^/]+\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (options.holdMutations?.() && String(message).startsWith('{"type":"mutate"')) return;
      server.send(message);
    });
    current = ws;
  });
  return () => current!;
}

test('a page too old for the room says so, offers a reload, and sends its unsynced edits after it', async ({ page, browser }) => {
  const url = await newSession(page);
  let hold = true;
  const socket = await throughProxy(page, { holdMutations: () => hold });
  await openSession(page, url);
  await step(page, 'Kick', 2).click();
  await expect(page.getByTestId('connection-status')).toContainText('1 unsynced');
  // The room, redeployed with a newer model, closes this page's socket as too old.
  socket().close({ code: 4005, reason: 'client_outdated' });
  await expect(page.getByRole('heading', { name: 'A new version of Keyboardia is available' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reload' })).toBeVisible();
  // No endless reconnecting: the page stays closed until the reload.
  const pending = await page.evaluate(() =>
    Object.entries(localStorage)
      .filter(([k]) => k.startsWith('kb:client:'))
      .map(([, v]) => JSON.parse(v).pending.length),
  );
  expect(pending).toEqual([1]);

  hold = false;
  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(page.getByTestId('connection-status')).toHaveText('Connected');
  const other = await (await browser.newContext()).newPage();
  await openSession(other, url);
  await expect(step(other, 'Kick', 2)).toHaveAttribute('aria-pressed', 'true');
  await other.context().close();
});

test('a frame from the server that is not JSON is counted and logged, never silently dropped', async ({ page }) => {
  const url = await newSession(page);
  const socket = await throughProxy(page);
  await openSession(page, url);
  const warning = page.waitForEvent('console', (m) => m.type() === 'warning' && m.text().includes('not JSON'));
  socket().send('<html>502 Bad Gateway</html>');
  await warning;
  expect(await page.evaluate(() => (window as unknown as { __keyboardia: Runtime }).__keyboardia.sync.unreadableFrames)).toBe(1);
  await expect(page.getByTestId('connection-status')).toHaveText('Connected');
});

test('two tabs opening at once never adopt the same unsynced record: exactly one takes it, each writes as itself', async ({ browser }) => {
  const context = await browser.newContext();
  const first = await context.newPage();
  const url = await newSession(first);
  await openSession(first, url);
  await context.setOffline(true);
  await expect(first.getByTestId('connection-status')).toContainText(/Offline|Reconnecting/);
  await step(first, 'Kick', 2).click();
  await step(first, 'Kick', 3).click();
  await expect(first.getByTestId('connection-status')).toContainText('2 unsynced');
  const orphanId = await first.evaluate(() => (window as unknown as { __keyboardia: Runtime }).__keyboardia.sync.clientId);
  await first.close(); // leaves its record behind, pending edits and all
  await context.setOffline(false);

  const [a, b] = await Promise.all([context.newPage(), context.newPage()]);
  // Every clientId each tab ever says hello with: only one may ever use the orphan's.
  const hellos = new Map<Page, Set<string>>([
    [a, new Set()],
    [b, new Set()],
  ]);
  for (const p of [a, b]) {
    p.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        const frame = String(payload);
        if (frame.startsWith('{"type":"hello"')) hellos.get(p)!.add(JSON.parse(frame).clientId);
      }),
    );
  }
  await Promise.all([a.goto(url), b.goto(url)]);
  await Promise.all([a, b].map((p) => expect(p.getByTestId('connection-status')).toHaveText('Connected')));
  const ids = await Promise.all(
    [a, b].map((p) => p.evaluate(() => (window as unknown as { __keyboardia: Runtime }).__keyboardia.sync.clientId)),
  );
  expect(new Set(ids).size).toBe(2);
  expect(ids.filter((id) => id === orphanId)).toHaveLength(1);
  // Decided in the browser (Web Locks), not left to the room's seq_conflict: the other tab never tried it.
  expect([...hellos.values()].filter((said) => said.has(orphanId!))).toHaveLength(1);
  // The orphan's edits arrived (once), and each tab's own edits still go through.
  for (const p of [a, b]) for (const n of [2, 3]) await expect(step(p, 'Kick', n)).toHaveAttribute('aria-pressed', 'true');
  await step(a, 'Snare', 2).click();
  await step(b, 'Snare', 3).click();
  for (const p of [a, b]) {
    await expect(step(p, 'Snare', 2)).toHaveAttribute('aria-pressed', 'true');
    await expect(step(p, 'Snare', 3)).toHaveAttribute('aria-pressed', 'true');
    await expect(p.getByTestId('connection-status')).toHaveText('Connected');
  }
  await context.close();
});

test("Stop during Play's wait for samples cancels it: the transport never starts", async ({ page }) => {
  const url = await newSession(page);
  // Samples answer only when the test lets them: Play is caught waiting for them.
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/samples/**', async (route) => {
    await released;
    await route.continue();
  });
  await page.goto(url);
  await expect(page.getByTestId('connection-status')).toHaveText('Connected');
  const playing = await page.evaluate(async () => {
    const { engine } = (window as unknown as { __keyboardia: Runtime }).__keyboardia;
    const play = engine.play();
    await new Promise((r) => requestAnimationFrame(r));
    engine.stop();
    await play;
    return engine.isPlaying;
  });
  release();
  expect(playing).toBe(false);
  expect(await page.evaluate(() => (window as unknown as { __keyboardia: Runtime }).__keyboardia.store.getState().playing)).toBe(false);
});

test('a remix that fails says so on the beat page, and the button works again', async ({ page }) => {
  const url = await newSession(page);
  const id = url.split('/').pop()!;
  const published = await (await page.request.post(`/api/sessions/${id}/publish`)).json();
  await page.route('**/api/beats/*/remix', (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: 'internal_error', message: 'try later' }),
    }),
  );
  await page.goto(published.url);
  await page.getByRole('button', { name: 'Remix' }).click();
  await expect(page.getByRole('alert')).toContainText('The remix could not be made: try later');
  await expect(page.getByRole('button', { name: 'Remix' })).toBeEnabled();
});

test('a display name the room would refuse is refused where it is typed; this browser keeps syncing', async ({ page }) => {
  const url = await newSession(page);
  await openSession(page, url);
  const button = page.getByRole('button', { name: /^Your name: / });
  const before = await button.textContent();
  await button.click();
  await page.getByRole('textbox', { name: 'Your name' }).fill('Sam\u202eRivers');
  await page.getByRole('textbox', { name: 'Your name' }).press('Enter');
  await expect(page.getByRole('alert')).toContainText('That name cannot be used');
  await expect(page.getByRole('button', { name: /^Your name: / })).toHaveText(before!);
  // Still in sync: an edit goes through.
  await step(page, 'Kick', 5).click();
  await expect(page.getByTestId('connection-status')).toHaveText('Connected');
});
