import { exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';

it('creates a session', async () => {
  const res = await exports.default.fetch('http://example.com/api/sessions', { method: 'POST' });
  expect(res.status).toBe(201);
});
