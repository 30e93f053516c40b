import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The dashboard's build. `vite build` writes dist/ (served by the local gateway and uploaded to the
// DashboardBucket); `npm run dev` proxies /api to a running ./infra/local/run.
export default defineConfig({
  plugins: [preact()],
  build: {
    target: 'es2022',
    // No inline scripts or styles (the CSP has no 'unsafe-inline').
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
