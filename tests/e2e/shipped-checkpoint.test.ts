// Start-up with a shipped base checkpoint (public/models/base/base.ckpt): a valid one is loaded
// and the model says "trained"; a corrupt one is refused with a notice and the page falls back to
// an untrained model. The checkpoints are made here in Node (tf cpu) with the app's own lib, and
// served in place of the file, so this runs whether or not a real one ships.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeCheckpoint } from '../../src/lib/io/checkpoint';
import { DEFAULT_CONFIG, GPT } from '../../src/lib/model';
import { collectProblems, launchChromium, openAdvanced, type LaunchedBrowser } from './browser';
import { serveStatic, type StaticServer } from './static-server';

const dist = join(import.meta.dirname, '..', '..', 'dist');
const READY_MS = 240_000;
const CKPT_PATH = '/models/base/base.ckpt';

let chromium: LaunchedBrowser;
let valid: Uint8Array;
let small: Uint8Array;
const servers: StaticServer[] = [];

async function openWith(checkpoint: Uint8Array): Promise<{ page: Page; problems: ReturnType<typeof collectProblems> }> {
  const server = await serveStatic(dist, new Map([[CKPT_PATH, checkpoint]]));
  servers.push(server);
  const page = await chromium.context.newPage();
  const problems = collectProblems(page);
  await page.goto(server.url);
  await openAdvanced(page);
  await page.getByTestId('trained-tag').waitFor({ timeout: READY_MS });
  return { page, problems };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = GPT.create(DEFAULT_CONFIG, 99);
  valid = await serializeCheckpoint(model, { stage: 'pretrain', step: 1 });
  model.dispose();
  const smallModel = GPT.create({ ...DEFAULT_CONFIG, nLayer: 1, nHead: 2, dModel: 32, contextLength: 64 }, 5);
  small = await serializeCheckpoint(smallModel, { stage: 'sft' });
  smallModel.dispose();
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  for (const s of servers) await s.close();
});

describe('shipped base checkpoint', () => {
  it('is loaded at start-up and the model is marked trained', async () => {
    const { page, problems } = await openWith(valid);
    expect(await page.getByTestId('trained-tag').innerText()).toBe('trained');
    expect(await page.getByText(/Loaded the shipped base checkpoint \(stage: pretrain\)/).count()).toBe(1);
    expect(((await page.getByRole('alert').textContent()) ?? '').trim()).toBe('');
    // The automatic order passes over WebGPU and WebGL on SwiftShader (software) and says why.
    const badge = page.getByTestId('backend-badge');
    expect(await badge.getAttribute('data-backend')).toBe('wasm');
    expect(await badge.innerText()).toMatch(/WebGPU unavailable: it runs on a software renderer/);

    // Uploading a checkpoint of another shape swaps in a model of that shape.
    await page.getByTestId('checkpoint-upload').setInputFiles({ name: 'small.ckpt', mimeType: 'application/octet-stream', buffer: Buffer.from(small) });
    await page.getByTestId('notice').getByText(/Loaded small\.ckpt \(saved from the sft stage\) as the base model: the run starts again from it\./).waitFor({ timeout: 60_000 });
    const config = await page.getByTestId('model-config').innerText();
    expect(config).toMatch(/64 tokens/);
    expect(config).toMatch(/Width\s+32/);
    // A reload keeps it (a saved run goes on from the base it was trained on), and Reset on the
    // base card is there to bring the shipped one back.
    await page.reload();
    await openAdvanced(page);
    await page.getByTestId('model-origin').getByText(/kept in this browser/).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('model-config').innerText()).toMatch(/Width\s+32/);
    expect(await page.getByRole('button', { name: /^Reset Base/ }).isEnabled()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('when corrupt, is refused with a notice and the model starts untrained', async () => {
    const corrupt = valid.slice(0, valid.length - 100); // truncated
    const { page, problems } = await openWith(corrupt);
    expect(await page.getByTestId('trained-tag').innerText()).toBe('untrained model');
    const notice = (await page.getByTestId('notice').textContent()) ?? '';
    expect(notice).toMatch(/shipped base checkpoint could not be loaded/);
    expect(notice).toMatch(/truncated/);
    expect(problems).toEqual([]);
    await page.close();
  });
});
