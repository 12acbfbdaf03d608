/**
 * The embed player on a site of another origin, and framing refused everywhere else.
 * The app is served on http://localhost:<port>; the "blog" that embeds it is a small
 * server of the test's own on http://127.0.0.1 (another origin).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect, test, type APIRequestContext, type Frame, type Page } from '@playwright/test';

interface Published {
  beatId: string;
  url: string;
  embedUrl: string;
}

async function publishStarter(request: APIRequestContext): Promise<Published> {
  const created = await request.post('/api/sessions', { data: { template: 'starter' } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const published = await request.post(`/api/sessions/${id}/publish`);
  expect(published.status()).toBe(201);
  return (await published.json()) as Published;
}

/**
 * The "blog": a real server on 127.0.0.1 at a port of its own, so another origin than
 * the app's localhost. (A page fulfilled by `page.route` would have no address, and
 * Chromium's local-network checks would then refuse its frames to localhost.)
 */
const blogPages = new Map<string, string>();
let blog: Server;
let blogOrigin = '';

test.beforeAll(async () => {
  blog = createServer((request, response) => {
    const body = blogPages.get(request.url ?? '');
    response.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => blog.listen(0, '127.0.0.1', resolve));
  blogOrigin = `http://127.0.0.1:${(blog.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => blog.close(() => resolve()));
});

/** Open a page of the blog whose body is `html`. */
async function hostPage(page: Page, html: string): Promise<void> {
  const path = `/post-${blogPages.size}`;
  blogPages.set(path, `<!doctype html><title>A blog</title>${html}`);
  await page.goto(`${blogOrigin}${path}`);
}

/** The frame named `name`, once its document has loaded (or failed to). */
async function frameNamed(page: Page, name: string): Promise<Frame> {
  await expect.poll(() => page.frame({ name }) !== null).toBe(true);
  const frame = page.frame({ name })!;
  await frame.waitForLoadState('load');
  return frame;
}

test('a blog on another origin embeds the player; it shows the beat and plays it', async ({ page, baseURL }) => {
  const beat = await publishStarter(page.request);
  const embedSrc = `${baseURL}${beat.embedUrl}`;
  await hostPage(
    page,
    `<h1>My blog</h1><iframe name="player" src="${embedSrc}" width="480" height="220" title="Starter groove on Keyboardia" allow="autoplay"></iframe>`,
  );
  expect(new URL(page.url()).origin).not.toBe(new URL(baseURL!).origin);

  const frame = page.frameLocator('iframe[name="player"]');
  await expect(frame.getByRole('heading', { name: 'Starter groove' })).toBeVisible();
  await expect(frame.getByText('110 BPM')).toBeVisible();
  // The compact grid: one row per track, as many cells as steps, the lit ones marked.
  await expect(frame.locator('.kb-row')).toHaveCount(4);
  await expect(frame.locator('.kb-row').nth(1).locator('.kb-cell')).toHaveCount(16);
  await expect(frame.locator('.kb-row').nth(1).locator('.kb-cell.kb-on')).toHaveCount(2); // snare on 4 and 12
  const open = frame.getByRole('link', { name: 'Open in Keyboardia' });
  await expect(open).toHaveAttribute('href', beat.url);
  await expect(open).toHaveAttribute('target', '_blank');

  // Play: the button turns into Stop and the playhead walks the grid.
  const player = frame.locator('.kb-player');
  await expect(player).toHaveAttribute('data-state', 'stopped');
  await frame.getByRole('button', { name: 'Play' }).click();
  await expect(frame.getByRole('button', { name: 'Stop' })).toBeVisible();
  await expect(player).toHaveAttribute('data-state', 'playing');
  await expect(player).toHaveAttribute('data-step', /^\d+$/);
  const first = Number(await player.getAttribute('data-step'));
  await expect.poll(async () => Number(await player.getAttribute('data-step'))).toBeGreaterThan(first + 2);
  await expect(frame.locator('.kb-row').first().locator('.kb-now')).toHaveCount(1);
  // ...on the audio clock of a running AudioContext inside the frame.
  const embedFrame = await frameNamed(page, 'player');
  expect(await embedFrame.evaluate(() => performance.getEntriesByType('resource').some((e) => /\/samples\//.test(e.name)))).toBe(true);

  // Stop: back to Play, the playhead gone.
  await frame.getByRole('button', { name: 'Stop' }).click();
  await expect(frame.getByRole('button', { name: 'Play' })).toBeVisible();
  await expect(player).toHaveAttribute('data-state', 'stopped');
  await expect(frame.locator('.kb-now')).toHaveCount(0);
  // And again: a second Play works too.
  await frame.getByRole('button', { name: 'Play' }).click();
  await expect(player).toHaveAttribute('data-state', 'playing');
  await expect.poll(async () => Number((await player.getAttribute('data-step')) ?? -1)).toBeGreaterThan(2);
});

test('only /embed/* may be framed: every other page says so in its headers and stays blank in a frame', async ({
  page,
  request,
  baseURL,
}) => {
  const beat = await publishStarter(request);
  const created = await request.post('/api/sessions', { data: { template: 'starter' } });
  const { url: sessionUrl } = (await created.json()) as { url: string };

  const embed = await request.get(beat.embedUrl);
  expect(embed.status()).toBe(200);
  expect(embed.headers()['content-security-policy']).toContain('frame-ancestors *');
  expect(embed.headers()['x-frame-options']).toBeUndefined();

  const refusing = ['/', beat.url, sessionUrl, `/api/beats/${beat.beatId}`, `/oembed?url=${encodeURIComponent(`${baseURL}${beat.url}`)}`];
  for (const path of refusing) {
    const response = await request.get(path);
    expect(response.status(), path).toBeLessThan(400);
    expect(response.headers()['content-security-policy'], path).toContain("frame-ancestors 'none'");
    expect(response.headers()['x-frame-options'], path).toBe('DENY');
  }

  // In a browser: the embed renders in a frame on another origin, the app and the beat page do not.
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (/frame-ancestors|X-Frame-Options/i.test(message.text())) refusals.push(message.text());
  });
  await hostPage(
    page,
    `<iframe name="embed" src="${baseURL}${beat.embedUrl}"></iframe>
     <iframe name="landing" src="${baseURL}/"></iframe>
     <iframe name="beat" src="${baseURL}${beat.url}"></iframe>
     <iframe name="editor" src="${baseURL}${sessionUrl}"></iframe>`,
  );
  const embedFrame = await frameNamed(page, 'embed');
  await expect(embedFrame.getByRole('heading', { name: 'Starter groove' })).toBeVisible();
  for (const name of ['landing', 'beat', 'editor']) {
    const frame = await frameNamed(page, name);
    // Chromium replaces a refused document with its own error page: none of ours is in it.
    await expect.poll(() => frame.url(), name).not.toContain(new URL(baseURL!).host);
    expect(await frame.locator('#root').count(), name).toBe(0);
    expect(await frame.getByRole('heading', { name: 'Starter groove' }).count(), name).toBe(0);
  }
  expect(refusals.length).toBeGreaterThanOrEqual(3);
});

test('the player is small: a few KB of JavaScript before Play, Tone.js only after', async ({ page }) => {
  const beat = await publishStarter(page.request);
  const scripts: { url: string; bytes: number; gzipped: number }[] = [];
  page.on('response', async (response) => {
    if (response.request().resourceType() !== 'script') return;
    const body = await response.body();
    scripts.push({ url: response.url(), bytes: body.length, gzipped: gzipSync(body, { level: 9 }).length });
  });
  await page.goto(beat.embedUrl);
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const initial = [...scripts];
  const gzipped = initial.reduce((n, s) => n + s.gzipped, 0);
  console.log(`embed before Play: ${initial.length} scripts, ${initial.reduce((n, s) => n + s.bytes, 0)} bytes, ${gzipped} bytes gzipped`);
  expect(initial.length).toBeGreaterThan(0);
  expect(gzipped).toBeLessThan(8 * 1024);

  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.locator('.kb-player')).toHaveAttribute('data-state', 'playing');
  const later = scripts.slice(initial.length);
  console.log(`loaded on Play: ${later.reduce((n, s) => n + s.gzipped, 0)} bytes gzipped in ${later.length} scripts`);
  // Tone.js and the voices come with Play: far more than everything before it.
  expect(later.reduce((n, s) => n + s.bytes, 0)).toBeGreaterThan(100 * 1024);
});

test('a missing or unreadable beat shows a message, not a broken player', async ({ page }) => {
  const beat = await publishStarter(page.request);
  const real = await (await page.request.get(beat.embedUrl)).text();
  const broken = real.replace(/(<script type="application\/json" id="keyboardia-beat">)[\s\S]*?(<\/script>)/, '$1{"tracks": "nope"$2');
  expect(broken).not.toBe(real);
  await page.route(`**${beat.embedUrl}`, (route) => route.fulfill({ contentType: 'text/html', body: broken }));
  await page.goto(beat.embedUrl);
  await expect(page.getByText('This beat could not be loaded.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Play' })).toHaveCount(0);

  // An unknown beat: a 404 that is still the player, saying so, inside the host's iframe.
  const unknown = await page.goto('/embed/0000000000000000');
  expect(unknown?.status()).toBe(404);
  expect(unknown?.headers()['content-type']).toContain('text/html');
  await expect(page.getByText('This beat could not be loaded.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Open Keyboardia' })).toHaveAttribute('href', '/');
});
