import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

export default defineConfig({
  test: {
    projects: [
      {
        // The pure session model and client logic, in Node.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        // The Worker, the SessionRoom Durable Object and KV inside workerd.
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' } })],
        test: { name: 'worker', include: ['test/worker/**/*.test.ts'] },
      },
    ],
  },
});
