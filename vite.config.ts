import { cloudflare } from '@cloudflare/vite-plugin';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// workerd would try to fetch Request.cf data from the network at every start: there is
// no network here, and nothing in Keyboardia reads request.cf.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

export default defineConfig({
  plugins: [
    react(),
    cloudflare({
      // Local state (DO SQLite, KV) persists on disk; tests point this elsewhere.
      persistState: process.env.KEYBOARDIA_STATE_DIR ? { path: process.env.KEYBOARDIA_STATE_DIR } : true,
    }),
  ],
  environments: {
    client: {
      build: {
        rollupOptions: {
          // Two entry points: the editor app and the small embed player (none of the editor's code).
          input: { main: 'index.html', embed: 'embed.html' },
        },
      },
    },
  },
  server: { port: Number(process.env.PORT ?? 5173), strictPort: false },
  preview: { port: Number(process.env.PORT ?? 4173) },
});
