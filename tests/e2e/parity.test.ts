// One program: the page's "Run the whole pipeline" (tiny preset, wasm backend so the arithmetic is
// the same as Node's) and runPipeline in Node on the same fresh model and settings give the same
// summary: every evaluation point (RM score, KL, win rate, gold), the reward model's accuracy and
// agreement, the final win rates. If either side changed one rule of the loop, they would differ.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend-node';
import { DEFAULT_CONFIG, GPT } from '../../src/lib/model';
import { runPipeline, settingsFor, type PipelineSummary } from '../../src/lib/rlhf';
import { TINY_MODEL } from '../../src/app/presets';
import { openBuiltApp, type ConsoleProblem, type LaunchedBrowser } from './browser';
import type { StaticServer } from './static-server';

const dist = join(import.meta.dirname, '..', '..', 'dist');
const RUN_MS = 300_000;
/** The page's fresh model seed (the worker's default) and the run's settings seed. */
const MODEL_SEED = 1234;
const SEED = 7;
/** Float tolerance: both sides run the same wasm kernels; sampled tokens must match exactly. */
const TOLERANCE = 1e-4;

let server: StaticServer;
let chromium: LaunchedBrowser;
let page: Page;
let problems: ConsoleProblem[];
let inPage: PipelineSummary;
let inNode: PipelineSummary;
let isolation: { isolated: boolean; expectedThreads: number };
let threadsShown: string;

beforeAll(async () => {
  ({ server, browser: chromium, page, problems } = await openBuiltApp(dist));
  await page.goto(`${server.url}?preset=tiny&backend=wasm&seed=${SEED}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="backend-badge"]')?.getAttribute('data-backend') === 'wasm', null, { timeout: 120_000 });
  // TF.js's rule (tfjs-backend-wasm's backend.cc): half the logical cores, at least 1, at most 8.
  isolation = await page.evaluate(() => ({ isolated: window.crossOriginIsolated, expectedThreads: Math.min(8, Math.max(1, Math.floor(navigator.hardwareConcurrency / 2))) }));
  threadsShown = (await page.getByTestId('backend-threads').innerText()).trim();
  await page.getByRole('button', { name: 'Run the whole pipeline' }).click();
  await page.getByRole('button', { name: 'Download results (JSON)' }).waitFor({ timeout: RUN_MS });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download results (JSON)' }).click();
  inPage = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as PipelineSummary;

  await initNodeBackend('wasm');
  const base = GPT.create({ ...DEFAULT_CONFIG, ...TINY_MODEL }, MODEL_SEED);
  // Through JSON as the page's download is (NaN becomes null).
  inNode = JSON.parse(JSON.stringify(await runPipeline(base, settingsFor('tiny', { seed: SEED })))) as PipelineSummary;
  base.dispose();
}, RUN_MS * 2);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  tf.disposeVariables();
});

/** The summary's numbers by path, wall time aside. */
function numbers(value: unknown, path = ''): Map<string, number | string | null> {
  const out = new Map<string, number | string | null>();
  if (value === null || typeof value !== 'object') {
    out.set(path, value as number | string | null);
    return out;
  }
  for (const [k, v] of Object.entries(value)) if (k !== 'wall_seconds') for (const [p, x] of numbers(v, `${path}/${k}`)) out.set(p, x);
  return out;
}

describe('the page runs the program the CLI measures', () => {
  it('runs the threaded wasm build, cross-origin isolated, and says how many threads it computes with', () => {
    // The server sends npm start's COOP/COEP headers; the threaded binary is what the worker
    // fetched, and its pthread workers started (each would log "e is not defined" if the
    // minified factory still reached outside itself: scripts/lib/vite-wasm-threads.ts).
    expect(isolation.isolated).toBe(true);
    expect(server.requests.some((p) => /tfjs-backend-wasm-threaded-simd-[^/]*\.wasm$/.test(p))).toBe(true);
    expect(threadsShown).toBe(`${isolation.expectedThreads} ${isolation.expectedThreads === 1 ? 'thread' : 'threads'}`);
  });

  it('the URL seed and the tiny preset reach the run', () => {
    expect(inPage.settings).toEqual(settingsFor('tiny', { seed: SEED }));
  });

  it('finds the same evaluation series, reward model figures and final win rates as Node', () => {
    expect(inPage.eval_history).toHaveLength(inNode.eval_history.length);
    expect(inNode.eval_history.length).toBeGreaterThan(0);
    // The preset trains PPO-ptx beside PPO: the page did too, and its figures are compared below.
    expect(inPage.ppo_ptx?.iterations).toBe(inNode.ppo.iterations);
    const page = numbers(inPage);
    const node = numbers(inNode);
    expect([...page.keys()].sort()).toEqual([...node.keys()].sort());
    for (const [path, expected] of node) {
      const actual = page.get(path);
      if (typeof expected === 'number' && Number.isFinite(expected)) expect(actual, path).toBeCloseTo(expected, -Math.log10(TOLERANCE));
      else expect(actual, path).toEqual(expected);
    }
  });

  it('next round goes on with the same program: one more round, the address says so', async () => {
    await page.getByRole('button', { name: 'Next round' }).click();
    await page.waitForFunction(() => /finished \(2 rounds in all\)/.test(document.querySelector('[data-testid="run-position"]')?.textContent ?? ''), null, { timeout: RUN_MS });
    expect(new URL(page.url()).searchParams.get('rounds')).toBe('2');
    expect(await page.getByTestId('summary').innerText()).toMatch(/Held-out evaluation, 4 PPO iterations/);
  });

  it('logged no console errors', () => {
    expect(problems).toEqual([]);
  });
});
