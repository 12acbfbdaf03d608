/**
 * Level meters (issue 15, "Pictures"): while playing, the kick track's meter rises above its
 * floor and a muted track's stays there; the master's moves too; stopped, all rest at the
 * floor. Read as a user's assistive technology reads them: role="meter", by name, and its
 * aria-valuenow (dBFS, −60 the floor).
 */
import { expect, test } from '@playwright/test';
import { newSession, openSession } from './helpers';

const FLOOR = -60;

test('while playing, the kick meter and the master meter move; a muted track stays at the floor; stopped, all rest', async ({ page }) => {
  // React's DevTools hook, installed before React loads, counts its commits: the meters move
  // without any (they write to the DOM themselves).
  await page.addInitScript(() => {
    const w = window as unknown as { __commits: number; __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown };
    w.__commits = 0;
    w.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      supportsFiber: true,
      renderers: new Map(),
      inject: () => 1,
      onCommitFiberRoot: () => {
        w.__commits++;
      },
      onCommitFiberUnmount: () => {},
      onPostCommitFiberRoot: () => {},
      onScheduleFiberRoot: () => {},
      checkDCE: () => {},
    };
  });
  const commits = () => page.evaluate(() => (window as unknown as { __commits: number }).__commits);
  await openSession(page, await newSession(page));
  const meter = (name: string) => page.getByRole('meter', { name, exact: true });
  const level = async (name: string) => Number(await meter(name).getAttribute('aria-valuenow'));
  for (const name of ['Kick level', 'Bass level', 'Master level']) {
    await expect(meter(name)).toHaveAttribute('aria-valuenow', String(FLOOR));
    await expect(meter(name)).toHaveAttribute('aria-valuemin', String(FLOOR));
    await expect(meter(name)).toHaveAttribute('aria-valuemax', '0');
  }
  // The starter groove plays Kick and Bass: mute the bass.
  await page.getByRole('button', { name: 'Mute Bass' }).click();
  await expect(page.getByRole('button', { name: 'Mute Bass' })).toHaveAttribute('aria-pressed', 'true');

  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => level('Kick level'), { timeout: 15_000 }).toBeGreaterThan(FLOOR + 20);
  await expect.poll(() => level('Master level')).toBeGreaterThan(FLOOR + 20);
  // The kick goes on rising and falling while the muted bass never leaves the floor, and React commits nothing.
  const commitsBefore = await commits();
  expect(commitsBefore).toBeGreaterThan(0);
  const kick = new Set<number>();
  let bassHighest = FLOOR;
  await expect
    .poll(
      async () => {
        kick.add(await level('Kick level'));
        bassHighest = Math.max(bassHighest, await level('Bass level'));
        return kick.size;
      },
      { timeout: 15_000, intervals: [100] },
    )
    .toBeGreaterThanOrEqual(4);
  expect(bassHighest).toBe(FLOOR);
  expect(await commits()).toBe(commitsBefore);
  await expect(meter('Bass level')).toHaveAttribute('aria-valuetext', 'silent');

  // Unmuted, the bass meter rises too.
  await page.getByRole('button', { name: 'Mute Bass' }).click();
  await expect.poll(() => level('Bass level'), { timeout: 15_000 }).toBeGreaterThan(FLOOR + 20);

  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  for (const name of ['Kick level', 'Bass level', 'Master level'])
    await expect(meter(name)).toHaveAttribute('aria-valuenow', String(FLOOR));
});
