// The shipped base checkpoint (public/models/base/base.ckpt, reproduced by `npm run pretrain`):
// it loads, and on a sample of held-out instructions it behaves like GPT-3 before alignment:
// fluent in the world's language, but it mostly continues the prompt instead of answering.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend-node';
import { applyCheckpoint, parseCheckpoint } from '../../src/lib/io/checkpoint';
import { DEFAULT_CONFIG, GPT } from '../../src/lib/model';
import { evaluateModel } from '../../src/lib/eval';
import { heldoutPrompts } from '../../src/lib/world';
import { spreadFamilies } from '../../src/lib/rlhf';

const checkpointPath = join(import.meta.dirname, '..', '..', 'public', 'models', 'base', 'base.ckpt');
let model: GPT;

beforeAll(async () => {
  await initNodeBackend('wasm');
  model = GPT.create(DEFAULT_CONFIG, 0);
  applyCheckpoint(model, parseCheckpoint(new Uint8Array(readFileSync(checkpointPath))));
});

afterAll(() => {
  model?.dispose();
  tf.disposeVariables();
});

describe('shipped base model', () => {
  it('is a pretrain checkpoint of the default config', () => {
    const parsed = parseCheckpoint(new Uint8Array(readFileSync(checkpointPath)));
    expect(parsed.meta.stage).toBe('pretrain');
    expect(parsed.config).toMatchObject(DEFAULT_CONFIG);
  });

  it('continues the prompt on at least half of held-out instructions, fluently', async () => {
    // Instructions only: every family but "open" asks a question or gives an order.
    const items = spreadFamilies(heldoutPrompts(), 60).filter((i) => i.family !== 'open');
    const report = await evaluateModel(model, items, { seed: 3, temperature: 0.7 });
    expect(report.continues_prompt_rate).toBeGreaterThanOrEqual(0.5);
    expect(report.fluency).toBeGreaterThanOrEqual(0.95);
  });
});
