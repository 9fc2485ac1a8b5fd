import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web app (src/web) is built into dist/web, which the Fastify server serves
 * with an SPA fallback. In development, `npm run dev:web` serves it with hot
 * reload and proxies the API to a server started with `npm start` on :3000.
 */
const apiTarget = process.env.EMARGE_API_URL ?? 'http://localhost:3000';

export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: {
      // '/api/v1', not '/api': the app's own modules live under src/web/api/ and must not be proxied.
      '/api/v1': { target: apiTarget, changeOrigin: false },
      '/health': { target: apiTarget, changeOrigin: false },
    },
  },
});
