/**
 * A live audience (issue 17): an editor shares the session's listen link; a listener
 * opens it in another browser, sees and hears an edit as it is made, cannot edit, is
 * counted on the editor's page, and never receives the editing id (not in the page, not
 * in any WebSocket frame, not in the link).
 */
import { expect } from '@playwright/test';
import { MODEL_VERSION } from '../core/migrate';
import { test, newContextPage, newSession, openSession, step } from './helpers';

interface Runtime {
  store: {
    getState(): {
      session: { tempo: number; tracks: { id: string; name: string }[]; transport: { from: number } } | null;
      listeners: number;
    };
  };
  engine: { isPlaying: boolean; triggered: { globalStep: number; trackId: string }[] };
  edits: { apply(m: unknown): boolean };
}

test('a listener follows the jam on the listen link, read-only, and never learns the editing id', async ({ page, browser }) => {
  const url = await newSession(page);
  const sessionId = url.split('/').at(-1)!;
  await openSession(page, url);

  // Share offers both links.
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share this session' });
  await expect(dialog.getByRole('heading', { name: 'Invite to edit' })).toBeVisible();
  await expect(dialog.getByRole('heading', { name: 'Invite to listen' })).toBeVisible();
  await expect(dialog.getByLabel('Edit link')).toHaveValue(new RegExp(`/s/${sessionId}$`));
  const listenInput = dialog.getByLabel('Listen link');
  await expect(listenInput).toHaveValue(/\/listen\/[0-9a-f-]{36}$/);
  const listenLink = await listenInput.inputValue();
  expect(listenLink).not.toContain(sessionId);
  await dialog.getByRole('button', { name: 'Close' }).click();

  // The listener, in another browser: every frame it receives is kept.
  const listener = await newContextPage(browser);
  const frames: string[] = [];
  listener.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => frames.push(String(payload))));
  await listener.goto(listenLink);
  await expect(listener.getByTestId('connection-status')).toContainText('Connected');
  await expect(listener.locator('.listening-badge')).toHaveText('Listening');
  await expect(listener.getByText('You are listening live')).toBeVisible();
  // Counted on the editor's page (and on its own), never listed as a person.
  await expect(page.getByText('1 listening')).toBeVisible();
  await expect(listener.getByText('1 listening')).toBeVisible();
  await expect(page.locator('.presence .avatar')).toHaveCount(0);
  // The listener sees the editor.
  await expect(listener.locator('.presence .avatar')).toHaveCount(1);

  // It plays along, joining the shared timeline.
  await listener.getByRole('button', { name: 'Play', exact: true }).click();
  await expect
    .poll(() => listener.evaluate(() => (window as unknown as { __keyboardia: Runtime }).__keyboardia.engine.isPlaying))
    .toBe(true);

  // The editor lights a step that was dark: the listener sees it, then hears it.
  await expect(step(page, 'Snare', 2)).toHaveAttribute('aria-pressed', 'false');
  await step(page, 'Snare', 2).click();
  await expect(step(listener, 'Snare', 2)).toHaveAttribute('aria-pressed', 'true');
  await expect
    .poll(
      () =>
        listener.evaluate(() => {
          const { store, engine } = (window as unknown as { __keyboardia: Runtime }).__keyboardia;
          const session = store.getState().session!;
          const snare = session.tracks.find((t) => t.name === 'Snare')!.id;
          return engine.triggered.some((n) => n.trackId === snare && (((n.globalStep - session.transport.from) % 16) + 16) % 16 === 1);
        }),
      { timeout: 15_000 },
    )
    .toBe(true);

  // It cannot edit: the grid does not take clicks, and an edit made anyway is refused locally…
  await expect(step(listener, 'Kick', 2)).toHaveAttribute('aria-pressed', 'false');
  await expect(listener.locator('.workspace')).toHaveAttribute('inert', '');
  await step(listener, 'Kick', 2).click({ force: true });
  await expect(listener.getByRole('group', { name: 'Transport' }).getByRole('spinbutton').first()).toBeDisabled();
  await expect(listener.getByRole('button', { name: 'Undo' })).toHaveCount(0);
  const applied = await listener.evaluate(() =>
    (window as unknown as { __keyboardia: Runtime }).__keyboardia.edits.apply({
      type: 'set_step',
      trackId: 'kick',
      pattern: 'A',
      step: 1,
      on: true,
    }),
  );
  expect(applied).toBe(false);
  // …and the room refuses whatever a page on the listen link sends, a hello claiming to edit included.
  const refused = await listener.evaluate(
    async ({ link, model }) => {
      const ws = new WebSocket(`${link.replace(/^http/, 'ws').replace('/listen/', '/api/listen/')}/ws`);
      const got: { type: string; code?: string }[] = [];
      await new Promise<void>((resolve, reject) => {
        ws.onerror = () => reject(new Error('socket failed'));
        ws.onmessage = (event) => {
          const m = JSON.parse(String(event.data)) as { type: string; code?: string };
          got.push(m);
          if (m.type === 'snapshot') {
            ws.send(JSON.stringify({ type: 'mutate', clientId: 'sneaky', clientSeq: 1, mutation: { type: 'set_tempo', tempo: 61 } }));
          }
          if (m.type === 'error') resolve();
        };
        ws.onopen = () =>
          ws.send(
            JSON.stringify({
              type: 'hello',
              protocol: 3,
              model,
              clientId: 'sneaky',
              version: null,
              peer: { name: 'Sneaky', color: '#ff0000' },
              listenOnly: false,
            }),
          );
      });
      ws.close();
      return got.filter((m) => m.type === 'error');
    },
    { link: listenLink, model: MODEL_VERSION },
  );
  expect(refused).toEqual([expect.objectContaining({ code: 'listen_only' })]);
  expect(await page.evaluate(() => (window as unknown as { __keyboardia: Runtime }).__keyboardia.store.getState().session!.tempo)).not.toBe(
    61,
  );
  await expect(step(page, 'Kick', 2)).toHaveAttribute('aria-pressed', 'false');
  await expect(step(listener, 'Kick', 2)).toHaveAttribute('aria-pressed', 'false');

  // Nothing the listener got names the editing id: the page, the frames, its storage.
  expect(frames.length).toBeGreaterThan(2);
  for (const frame of frames) expect(frame).not.toContain(sessionId);
  expect(await listener.content()).not.toContain(sessionId);
  const stored = await listener.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toContain(sessionId);
  await listener.context().close();
});
