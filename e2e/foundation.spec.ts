import { expect } from '@playwright/test';
import { test, newContextPage, newSession, openSession, step } from './helpers';

test('New beat creates a session and shows the starter grid', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'New beat' }).click();
  await expect(page).toHaveURL(/\/s\/[0-9a-f-]{36}$/);
  for (const track of ['Kick', 'Snare', 'Hi-hat']) {
    await expect(step(page, track, 1)).toBeVisible();
    await expect(step(page, track, 16)).toBeVisible();
  }
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
  await expect(page.getByLabel('Tempo')).toHaveValue('110');
  // The click that created the session unlocked audio: the groove is already playing.
  await expect(page.getByRole('button', { name: 'Play' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.playhead').first()).toBeVisible();
});

test('a step set in one browser appears in another, and survives a reload', async ({ page, browser }) => {
  const url = await newSession(page);
  const other = await newContextPage(browser);
  await openSession(page, url);
  await openSession(other, url);

  const cell = step(page, 'Snare', 2);
  await expect(cell).toHaveAttribute('aria-pressed', 'false');
  await cell.click();
  await expect(cell).toHaveAttribute('aria-pressed', 'true');
  await expect(step(other, 'Snare', 2)).toHaveAttribute('aria-pressed', 'true');

  // Clearing works the same way (set-to-value, not a toggle on the server).
  await step(other, 'Kick', 1).click();
  await expect(step(page, 'Kick', 1)).toHaveAttribute('aria-pressed', 'false');

  await page.reload();
  await expect(step(page, 'Snare', 2)).toHaveAttribute('aria-pressed', 'true');
  await expect(step(page, 'Kick', 1)).toHaveAttribute('aria-pressed', 'false');
  await other.context().close();
});

test('tempo is editable and synced; Play moves the playhead, Stop stops it', async ({ page, browser }) => {
  const url = await newSession(page);
  const other = await newContextPage(browser);
  await openSession(page, url);
  await openSession(other, url);

  const tempo = page.getByLabel('Tempo');
  await tempo.fill('132');
  await tempo.press('Enter');
  await expect(other.getByLabel('Tempo')).toHaveValue('132');

  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByRole('button', { name: 'Play' })).toHaveAttribute('aria-pressed', 'true');
  const playhead = page.locator('.playhead').first();
  await expect(playhead).toBeVisible();
  const first = await playhead.evaluate((el) => getComputedStyle(el).getPropertyValue('--playhead'));
  await expect.poll(() => playhead.evaluate((el) => getComputedStyle(el).getPropertyValue('--playhead'))).not.toBe(first);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(playhead).toBeHidden();
  await other.context().close();
});

test('an unknown session shows a clear message', async ({ page }) => {
  await page.goto('/s/00000000-0000-4000-8000-000000000000');
  await expect(page.getByRole('heading', { name: 'Session not found' })).toBeVisible();
});
