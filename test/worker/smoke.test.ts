import { SELF } from 'cloudflare:test';
import { expect, it } from 'vitest';

it('creates a session', async () => {
  const res = await SELF.fetch('http://example.com/api/sessions', { method: 'POST' });
  expect(res.status).toBe(201);
});
