/**
 * Accessibility as an automated checker sees it: axe-core on every page a person lands on
 * (landing, editor with a track's detail open, published beat, embed player) must find no
 * serious or critical violation. And, without axe, what a screen reader announces for a
 * step: a toggle button named "<track> step <n>" whose pressed state is on or off.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { newSession, openSession, seriousViolations, step } from './helpers';

/** The violations a user would hit hardest; minor and moderate ones are not gated here. */

async function publishStarter(request: APIRequestContext): Promise<string> {
  const created = await request.post('/api/sessions', { data: { template: 'starter' } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const published = await request.post(`/api/sessions/${id}/publish`);
  expect(published.status()).toBe(201);
  return ((await published.json()) as { beatId: string }).beatId;
}

test('the landing page, with recent sessions and published beats listed', async ({ page }) => {
  await publishStarter(page.request);
  await openSession(page, await newSession(page)); // now a recent session of this browser
  await page.goto('/');
  await expect(page.getByRole('region', { name: 'Your recent sessions' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Recently published beats' }).getByRole('link').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the editor, with the velocity lane and pitch roll of a melodic track open', async ({ page }) => {
  await openSession(page, await newSession(page));
  await page.getByRole('button', { name: 'Bass: show velocity and pitch' }).click();
  await expect(page.getByRole('grid', { name: 'Bass pitch' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Bass velocity' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the editor with the key panel open, the pitch roll locked to the key, a chord on the grid and its editor open', async ({ page }) => {
  await openSession(page, await newSession(page));
  await page.getByRole('button', { name: 'Bass: show velocity and pitch' }).click();
  await page.getByRole('button', { name: 'Bass step 1 chord: single note' }).click();
  await page.getByRole('combobox', { name: 'Chord on C2' }).selectOption({ label: 'Cm7 — Minor 7th' });
  await expect(step(page, 'Bass', 1)).toHaveAccessibleDescription('Cm7');
  await page.locator('.key-control > summary').click();
  await page.getByRole('checkbox', { name: 'Lock to scale' }).check();
  await expect(page.locator('.key-control > summary')).toHaveText('Key: C natural minor (locked)');
  expect(await seriousViolations(page)).toEqual([]);
});

test('the editor with step expression on the grid (marks, partial fill, a held note), its panel open, and the Euclidean fill dialog', async ({
  page,
}) => {
  await openSession(page, await newSession(page));
  await step(page, 'Bass', 1).click({ button: 'right' });
  await page.getByRole('slider', { name: 'Bass step 1 probability' }).fill('40');
  await page.getByRole('combobox', { name: 'Bass step 1 condition' }).selectOption({ label: '3:4' });
  await page.getByRole('combobox', { name: 'Bass step 1 ratchet' }).selectOption({ label: '×4' });
  await page.getByRole('combobox', { name: 'Bass step 1 note length' }).selectOption({ label: '2 steps' });
  await expect(step(page, 'Bass', 1)).toHaveAccessibleDescription('40% chance, condition 3:4, ratchet ×4, length 2 steps');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'More for Kick' }).click();
  await page.getByRole('menuitem', { name: 'Euclidean fill Kick…' }).click();
  await expect(page.getByRole('dialog', { name: 'Euclidean fill for Kick' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the published beat page', async ({ page }) => {
  await page.goto(`/b/${await publishStarter(page.request)}`);
  await expect(page.getByRole('heading', { name: 'Starter groove' })).toBeVisible();
  await expect(page.getByRole('grid', { name: 'Pattern' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the embed player', async ({ page }) => {
  await page.goto(`/embed/${await publishStarter(page.request)}`);
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

/** The role, name and pressed state Chromium itself gives an element: what a screen reader reads. */
async function chromiumSays(page: Page, selector: string): Promise<{ role: string; name: string; pressed: string | null }> {
  const cdp = await page.context().newCDPSession(page);
  const { root } = (await cdp.send('DOM.getDocument', {})) as { root: { nodeId: number } };
  const { nodeId } = (await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector })) as { nodeId: number };
  const { nodes } = (await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false })) as {
    nodes: { role?: { value: string }; name?: { value: string }; properties?: { name: string; value: { value: unknown } }[] }[];
  };
  await cdp.detach();
  const node = nodes[0]!;
  const pressed = node.properties?.find((p) => p.name === 'pressed')?.value.value;
  return { role: node.role?.value ?? '', name: node.name?.value ?? '', pressed: pressed === undefined ? null : String(pressed) };
}

test('a step is a toggle button named "<track> step <n>" that says whether it is on', async ({ page }) => {
  await openSession(page, await newSession(page));
  await expect(page.locator('[aria-label="Kick step 1"]')).toBeVisible();
  // The starter's kick plays on step 1, not on step 2.
  expect(await chromiumSays(page, '[aria-label="Kick step 1"]')).toEqual({ role: 'button', name: 'Kick step 1', pressed: 'true' });
  expect(await chromiumSays(page, '[aria-label="Kick step 2"]')).toEqual({ role: 'button', name: 'Kick step 2', pressed: 'false' });
  const on = step(page, 'Kick', 1);
  const off = step(page, 'Kick', 2);
  await expect(on).toHaveAttribute('aria-pressed', 'true');
  await expect(off).toHaveAttribute('aria-pressed', 'false');
  await expect(on).toHaveAccessibleName('Kick step 1');
  await expect(page.getByRole('button', { name: 'Kick step 1', exact: true, pressed: true })).toHaveCount(1);

  await off.click();
  await expect(off).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => chromiumSays(page, '[aria-label="Kick step 2"]')).toMatchObject({ pressed: 'true' });

  // The pitch roll's notes are toggles too. The starter's bass plays its root, C2, on step 1.
  await page.getByRole('button', { name: 'Bass: show velocity and pitch' }).click();
  await expect(page.locator('[aria-label="Bass step 1 C2"]')).toBeVisible();
  expect(await chromiumSays(page, '[aria-label="Bass step 1 C2"]')).toEqual({ role: 'button', name: 'Bass step 1 C2', pressed: 'true' });
  expect(await chromiumSays(page, '[aria-label="Bass step 1 D2"]')).toEqual({ role: 'button', name: 'Bass step 1 D2', pressed: 'false' });
});

test('on the published page a step is a disabled toggle that still says whether it is on', async ({ page }) => {
  await page.goto(`/b/${await publishStarter(page.request)}`);
  await expect(page.locator('[aria-label="Kick step 1"]')).toBeVisible();
  // The steps first shown are the Worker's HTML, which the app then draws over with its own:
  // ask Chromium once the app has rendered (the export menu's popover is the app's alone), or
  // the node found may be gone before its accessibility is read (it failed so in CI).
  await expect(page.locator('#root [role="menu"]')).toHaveCount(1);
  expect(await chromiumSays(page, '[aria-label="Kick step 1"]')).toEqual({ role: 'button', name: 'Kick step 1', pressed: 'true' });
  expect(await chromiumSays(page, '[aria-label="Kick step 2"]')).toEqual({ role: 'button', name: 'Kick step 2', pressed: 'false' });
  const on = step(page, 'Kick', 1);
  await expect(on).toBeDisabled();
  await expect(on).toHaveAttribute('aria-pressed', 'true');
  await expect(on).toHaveAccessibleName('Kick step 1');
  await expect(step(page, 'Kick', 2)).toHaveAttribute('aria-pressed', 'false');
});
