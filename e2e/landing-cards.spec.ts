/**
 * The landing page's cards play inline (issue 15, "Pictures" and "First minute"): the example
 * grooves (core/templates.ts) are playable cards in their own row, each labelled "Example",
 * whatever has been published; a published beat's card plays right there too; one card plays
 * at a time, in the page's one AudioContext, made by the first Play (none while the page loads).
 * What sounds is read from the notes the player triggered (`window.__keyboardiaEmbed`, the
 * embed player's playback, which the cards reuse).
 */
import { type Page, expect, test } from '@playwright/test';
import { TEMPLATES } from '../core';
import { audioContexts, countAudioContexts, newSession } from './helpers';

interface Note {
  trackId: string;
}
/** The notes the card player triggered so far (its mixer's record), or null before any Play. */
const triggered = (page: Page) =>
  page.evaluate(() => {
    const hook = (window as unknown as { __keyboardiaEmbed?: { triggered: readonly Note[] } }).__keyboardiaEmbed;
    return hook ? hook.triggered.map((n) => n.trackId) : null;
  });

test('example grooves and a published beat play inline on the landing page, one at a time', async ({ page }) => {
  await countAudioContexts(page);

  const session = await newSession(page);
  const published = (await (await page.request.post(`/api/sessions/${session.split('/').pop()}/publish`)).json()) as { url: string };

  await page.goto('/');
  // Every example groove, labelled as one, in a row of its own.
  const examples = page.getByRole('region', { name: 'Example grooves' });
  await expect(examples.getByRole('listitem')).toHaveCount(TEMPLATES.length);
  for (const t of TEMPLATES) {
    const card = examples.getByRole('listitem').filter({ hasText: t.name });
    await expect(card).toContainText('Example');
    await expect(card.getByRole('button', { name: `Play example ${t.name}`, exact: true })).toBeVisible();
  }
  // The published beats are listed apart, and none is called an example.
  const gallery = page.getByRole('region', { name: 'Recently published beats' });
  const beatCard = gallery.getByRole('listitem').filter({ has: page.locator(`a[href="${published.url}"]`) });
  await expect(beatCard).toBeVisible();
  await expect(gallery).not.toContainText('Example');
  expect(await triggered(page)).toBeNull();
  expect(await audioContexts(page)).toBe(0);

  // Play an example: it sounds here, the page stays.
  const play = examples.getByRole('button', { name: 'Play example Four on the floor', exact: true });
  await play.click();
  const stopExample = examples.getByRole('button', { name: 'Stop example Four on the floor', exact: true });
  await expect(stopExample).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await triggered(page))?.filter((id) => id === 'clap').length ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(stopExample).not.toHaveAttribute('aria-busy', 'true');
  await expect(page).toHaveURL(/\/$/);

  // Play the published beat (the starter groove): the example stops, the beat sounds.
  const beatPlay = beatCard.getByRole('button', { name: /^Play / });
  await beatPlay.click();
  await expect(beatCard.getByRole('button', { name: /^Stop / })).toHaveAttribute('aria-pressed', 'true');
  await expect(examples.getByRole('button', { name: 'Play example Four on the floor', exact: true })).toHaveAttribute(
    'aria-pressed',
    'false',
  );
  await expect
    .poll(async () => (await triggered(page))?.filter((id) => id === 'snare').length ?? 0, { timeout: 20_000 })
    .toBeGreaterThan(0);
  // The beat's own player: none of the example's clap.
  expect(await triggered(page)).not.toContain('clap');
  expect(await audioContexts(page)).toBe(1);
  expect(await page.locator('.card-play[aria-pressed="true"]').count()).toBe(1);

  // Stop: nothing plays.
  await beatCard.getByRole('button', { name: /^Stop / }).click();
  await expect(beatCard.getByRole('button', { name: /^Play / })).toHaveAttribute('aria-pressed', 'false');
  expect(await page.locator('.card-play[aria-pressed="true"]').count()).toBe(0);
  await expect(page).toHaveURL(/\/$/);
});
