/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { wasmThreadsPlugin, CROSS_ORIGIN_ISOLATION } from './scripts/lib/vite-wasm-threads';

// One config for the app and every test project. The projects differ in where they run:
// unit (Node, tf cpu/wasm), webgpu (Node + Dawn + SwiftShader), component (jsdom + Svelte),
// e2e (the built app in headless Chromium).
const swiftshaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

export default defineConfig({
  plugins: [svelte(), wasmThreadsPlugin()],
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: { headers: CROSS_ORIGIN_ISOLATION },
  worker: { format: 'es', plugins: () => [wasmThreadsPlugin()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'webgpu',
          include: ['tests/webgpu/**/*.test.ts'],
          environment: 'node',
          env: { VK_ICD_FILENAMES: swiftshaderIcd, XDG_RUNTIME_DIR: '/tmp' },
          pool: 'forks',
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        resolve: { conditions: ['browser'] },
        test: {
          name: 'component',
          include: ['tests/component/**/*.test.ts'],
          environment: 'jsdom',
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
