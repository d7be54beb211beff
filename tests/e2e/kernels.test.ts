// The fused WebGPU kernels in a real browser: the cases of tests/webgpu/kernel-cases.ts (run in
// Node on Dawn by tests/webgpu/kernels.test.ts) on headless Chromium's WebGPU (SwiftShader),
// against the cpu backend in the same page, with the same bounds. Served by Vite's dev server.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, type ConsoleProblem, type LaunchedBrowser } from './browser';
import { TOLERANCE, type AdamCase, type NormCase, type OpCase } from '../webgpu/kernel-cases';

const root = join(import.meta.dirname, '..', '..');

interface Results {
  backend?: string;
  ops?: OpCase[];
  adam?: AdamCase;
  norm?: NormCase;
  error?: string;
}

let vite: ViteDevServer;
let chromium: LaunchedBrowser;
let page: Page;
let problems: ConsoleProblem[];
let results: Results;

beforeAll(async () => {
  vite = await createServer({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false } });
  await vite.listen();
  const url = vite.resolvedUrls?.local[0];
  if (!url) throw new Error('the Vite dev server gave no URL');
  chromium = await launchChromium();
  page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
  problems = collectProblems(page);
  await page.goto(`${url}tests/e2e/kernels.html`);
  await page.waitForFunction(() => (window as unknown as { kernelResults?: unknown }).kernelResults !== undefined, null, { timeout: 240_000 });
  results = (await page.evaluate(() => (window as unknown as { kernelResults: unknown }).kernelResults)) as Results;
});

afterAll(async () => {
  await chromium?.close();
  await vite?.close();
});

describe('fused WebGPU kernels in Chromium', () => {
  it('run on the browser\'s WebGPU, without errors', () => {
    expect(results.error).toBeUndefined();
    expect(results.backend).toBe('webgpu');
    expect(problems.filter((p) => p.kind === 'pageerror')).toEqual([]);
  });

  it('every op: value and each input\'s gradient within 1e-4 of cpu, at the dispatch count it was fused to', () => {
    const ops = results.ops ?? [];
    expect(ops).toHaveLength(6);
    for (const c of ops) {
      c.diffs.forEach((d, i) => expect(d, `${c.name}: ${i === 0 ? 'value' : `gradient of input ${i - 1}`}`).toBeLessThan(TOLERANCE));
      c.magnitudes.forEach((m, i) => expect(m, `${c.name}: output ${i} is not all zero`).toBeGreaterThan(1e-3));
      if (c.expected) expect(c.dispatches, c.name).toEqual(c.expected);
    }
  });

  it('Adam with clipping matches tf.train.adam on cpu, and the global norm the formula', () => {
    const { adam, norm } = results;
    if (!adam || !norm) throw new Error('no Adam or norm results');
    expect(adam.diff).toBeLessThan(1e-5);
    expect(adam.moved).toBeGreaterThan(1e-3);
    expect(adam.dispatches).toBe(adam.expectedDispatches);
    expect(Math.abs(norm.norm - norm.expected)).toBeLessThan(1e-3);
    expect(norm.dispatches).toBe(norm.expectedDispatches);
  });
});
