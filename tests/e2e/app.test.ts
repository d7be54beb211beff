// The built app in a real headless Chromium on WebGPU (SwiftShader): it starts its worker on
// webgpu, samples text from the model, and refuses a corrupt checkpoint with a clear message.
// `npm run test:e2e` builds first; this file serves dist/ itself on a free port.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertText, openAdvanced, openBuiltApp, type ConsoleProblem, type LaunchedBrowser } from './browser';
import type { StaticServer } from './static-server';

const dist = join(import.meta.dirname, '..', '..', 'dist');
const SHIPPED_CHECKPOINT = join(dist, 'models', 'base', 'base.ckpt');
// SwiftShader emulates the GPU on the CPU: starting tf and compiling shaders takes a while.
const READY_MS = 240_000;
const GENERATE_MS = 240_000;

let server: StaticServer;
let chromium: LaunchedBrowser;
let page: Page;
let problems: ConsoleProblem[];

/** The one console error the app cannot avoid: the browser logs the 404 of an absent shipped checkpoint. */
function unexpected(list: ConsoleProblem[]): ConsoleProblem[] {
  const shipped = existsSync(SHIPPED_CHECKPOINT);
  return list.filter(
    (p) => !(p.kind === 'console' && !shipped && /404/.test(p.text) && (p.url ?? '').endsWith('/models/base/base.ckpt')),
  );
}

beforeAll(async () => {
  ({ server, browser: chromium, page, problems } = await openBuiltApp(dist));
  // A fixed seed makes the sample repeatable; few tokens keep SwiftShader fast.
  await page.goto(`${server.url}?seed=1&backend=webgpu`);
  await openAdvanced(page);
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

describe('RLHF Playground in Chromium', () => {
  it('starts the worker on WebGPU and shows the model', async () => {
    await expect(page.title()).resolves.toBe('RLHF Playground');
    const badge = page.getByTestId('backend-badge');
    await page.waitForFunction(() => document.querySelector('[data-testid="backend-badge"]')?.getAttribute('data-backend') !== '', null, {
      timeout: READY_MS,
    });
    const backend = await badge.getAttribute('data-backend');
    const badgeText = await badge.innerText();
    const shownAlert = await alertText(page);
    expect({ backend, badgeText, alertText: shownAlert }).toMatchObject({ backend: 'webgpu', alertText: '' });
    expect(badgeText).not.toMatch(/unavailable/);
    await expect(page.getByTestId('param-count').innerText()).resolves.toMatch(/^\d/);
    const tag = await page.getByTestId('trained-tag').innerText();
    expect(tag).toBe(existsSync(SHIPPED_CHECKPOINT) ? 'trained' : 'untrained model');
    // The page asked for the shipped checkpoint (present or not).
    expect(server.requests).toContain('/models/base/base.ckpt');
  });

  it('generates text from a typed prompt', async () => {
    await page.getByLabel('Max new tokens').fill('6');
    const prompt = page.getByLabel('Prompt', { exact: true });
    await prompt.fill('what is 2 + 2?');
    await prompt.press('Enter');
    const output = page.getByTestId('generated-text');
    await output.waitFor({ timeout: GENERATE_MS });
    const text = await output.innerText();
    expect(text.length).toBeGreaterThan(0);
    // At most 6 tokens: every word, number or punctuation mark is at least one.
    expect(text.match(/[a-z0-9']+|[^a-z0-9'\s]/g)?.length ?? 0).toBeLessThanOrEqual(6);
    await expect(page.getByRole('button', { name: 'Generate' }).isEnabled()).resolves.toBe(true);
    expect(await alertText(page)).toBe('');
  });

  it('refuses a corrupt checkpoint with a clear message and keeps the model', async () => {
    const params = await page.getByTestId('param-count').innerText();
    await page.getByTestId('checkpoint-upload').setInputFiles({
      name: 'corrupt.ckpt',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('this is not a checkpoint at all, just text'),
    });
    const alert = page.getByRole('alert');
    await alert.getByText(/corrupt\.ckpt/).waitFor({ timeout: 60_000 });
    const message = await alert.innerText();
    expect(message).toMatch(/not an RLHF Playground checkpoint/);
    expect(message).toMatch(/not changed/);
    expect(await page.getByTestId('param-count').innerText()).toBe(params);
  });

  it('downloads a checkpoint that loads back, and refuses it once a byte is flipped', async () => {
    const downloadPromise = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByRole('button', { name: 'Download checkpoint' }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toMatch(/^rlhf-playground-.*\.ckpt$/);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('RLHFPGCK');

    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5] ^= 0xff; // inside the weight data: the checksum must catch it
    await page.getByTestId('checkpoint-upload').setInputFiles({ name: 'flipped.ckpt', mimeType: 'application/octet-stream', buffer: flipped });
    await page.getByRole('alert').getByText(/flipped\.ckpt/).waitFor({ timeout: 60_000 });
    expect(await alertText(page)).toMatch(/corrupt/);

    await page.getByTestId('checkpoint-upload').setInputFiles({ name: 'good.ckpt', mimeType: 'application/octet-stream', buffer: bytes });
    await page.getByTestId('notice').getByText(/Loaded good\.ckpt/).waitFor({ timeout: 120_000 });
    expect(await alertText(page)).toBe('');
  });

  it('logged no console errors and threw no page errors', () => {
    expect(unexpected(problems)).toEqual([]);
  });
});
