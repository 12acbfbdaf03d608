/**
 * The per-track fields added through the field registry (transpose, a track's own
 * swing): their controls are drawn from the declarations, synced, undoable and reset
 * by a double-click.
 */
import { expect } from '@playwright/test';
import { test, newContextPage, newSession, openSession } from './helpers';

test("transpose and a track's own swing: set, synced to another editor, undone, reset", async ({ page, browser }) => {
  const url = await newSession(page);
  const other = await newContextPage(browser);
  await Promise.all([openSession(page, url), openSession(other, url)]);
  for (const p of [page, other]) await p.getByRole('button', { name: /^Bass: show/ }).click();

  const transpose = page.getByRole('slider', { name: 'Bass transpose' });
  await transpose.fill('5');
  await expect(other.getByRole('slider', { name: 'Bass transpose' })).toHaveValue('5');
  await expect(other.getByRole('group', { name: 'Bass sound' })).toContainText('+5 st');

  // A track follows the session's swing until it gets its own.
  const swing = page.getByRole('slider', { name: 'Bass swing' });
  await expect(swing).toBeDisabled();
  await expect(page.getByRole('group', { name: 'Bass sound' })).toContainText('session (10 %)');
  await page.getByRole('checkbox', { name: 'Bass swing: own setting' }).check();
  await swing.fill('60');
  await expect(other.getByRole('slider', { name: 'Bass swing' })).toHaveValue('60');
  await expect(other.getByRole('slider', { name: 'Bass swing' })).toBeEnabled();

  // Undo is an edit like any other (the other editor sees it), one gesture at a time,
  // also while a slider has the focus.
  await page.keyboard.press('Control+z');
  await expect(other.getByRole('slider', { name: 'Bass swing' })).toBeDisabled();
  await expect(other.getByRole('slider', { name: 'Bass transpose' })).toHaveValue('5');
  await page.keyboard.press('Control+z');
  await expect(other.getByRole('slider', { name: 'Bass transpose' })).toHaveValue('0');
  await page.keyboard.press('Control+Shift+z');
  await expect(other.getByRole('slider', { name: 'Bass transpose' })).toHaveValue('5');

  // Double-click resets to the declared default.
  await transpose.dblclick();
  await expect(other.getByRole('slider', { name: 'Bass transpose' })).toHaveValue('0');
  await other.context().close();
});
