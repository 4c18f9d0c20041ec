import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

// Cross-origin isolation makes SharedArrayBuffer (and so WASM threads) available.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Offline after one visit: the app, the ORT and dcm2niix wasm, every model and the sample are
// precached (Workbox skips files over 2 MiB unless told otherwise; the ORT wasm is ~27 MB).
const pwa = VitePWA({
  registerType: 'prompt', // a new version waits until the user reloads: never mid-run
  injectRegister: null, // registered in src/ui/pwa.ts, which announces updates
  includeAssets: ['favicon.svg', 'icon-192.png', 'icon-512.png'],
  manifest: {
    name: 'SpineCLUE Web',
    short_name: 'SpineCLUE',
    description: 'Vertebra localisation, segmentation and labelling for CT, in the browser, offline.',
    display: 'standalone',
    background_color: '#111111',
    theme_color: '#111111',
    icons: [
      { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
    ],
  },
  workbox: {
    globPatterns: ['**/*.{js,mjs,css,html,svg,png,wasm,onnx,json,gz}'],
    maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
    navigateFallback: 'index.html',
  },
});

export default defineConfig({
  plugins: [react(), pwa],
  server: { headers: isolation },
  preview: { headers: isolation, port: 4173, strictPort: false },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', '@niivue/dcm2niix'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    // Setup hooks read whole real scans (a 2.5 MB gzipped mask once took over 10 s in CI on this 2-core machine): the same
    // generous bound as the tests, since speed is measured by `npm run bench`, not here.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
