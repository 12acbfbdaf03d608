import { expect, type Browser, type Page } from '@playwright/test';

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
