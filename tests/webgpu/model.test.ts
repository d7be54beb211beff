// The GPT on WebGPU (Dawn + SwiftShader in Node; the vitest project sets VK_ICD_FILENAMES) against
// the cpu backend in the same process: forward logits, one Adam step, and greedy KV-cache
// generation. Tiny config: SwiftShader is a correct but slow CPU emulation.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GPTConfig, GPT, crossEntropyLoss, generate } from '../../src/lib/model';
import { createRng } from '../../src/lib/random';
import { VOCAB_SIZE } from '../../src/lib/tokenizer';
import { initNodeBackend } from '../../src/lib/backend-node';
import { clipByGlobalNorm } from '../../src/lib/train';

const CONFIG: GPTConfig = { vocabSize: VOCAB_SIZE, contextLength: 16, nLayer: 2, nHead: 2, dModel: 16 };
/** WebGPU uses float32 throughout but reduces in a different order than cpu. */
const TOLERANCE = 1e-4;

type PlainWeights = Map<string, { data: Float32Array; shape: number[] }>;

beforeAll(async () => {
  await initNodeBackend('webgpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
  tf.removeBackend('webgpu'); // releases the device so the worker can exit
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function runOn(weights: PlainWeights, ids: number[][], mask: number[][]) {
  const tensors = new Map([...weights].map(([n, w]) => [n, tf.tensor(w.data, w.shape)]));
  const model = GPT.fromWeights(CONFIG, tensors);
  tf.dispose([...tensors.values()]);
  const B = ids.length;
  const T = ids[0].length;
  const idsT = tf.tensor2d(ids, [B, T], 'int32');
  const maskT = tf.tensor2d(mask, [B, T]);
  const logitsT = tf.tidy(() => model.forward(idsT, maskT).logits);
  const logits = (await logitsT.data()).slice();
  logitsT.dispose();
  const targets = tf.tensor2d(ids.map((r) => [...r.slice(1), r[0]]), [B, T], 'int32');
  // epsilon 1e-3: a gradient that is 0 in theory (the k bias) must not be blown up to +-lr by noise.
  const opt = tf.train.adam(1e-2, 0.9, 0.999, 1e-3);
  opt.minimize(() => crossEntropyLoss(model.forward(idsT, maskT).logits, targets, maskT), false, model.trainableVariables());
  const after = new Map<string, Float32Array>();
  for (const [n, v] of model.weights) after.set(n, (await v.data()).slice() as Float32Array);
  const greedy = await generate(model, [ids[0].slice(0, 4), ids[1].slice(2, 5)], { maxNewTokens: 6, temperature: 0, seed: 1, stopAtEos: false });
  opt.dispose();
  tf.dispose([idsT, maskT, targets]);
  model.dispose();
  return { logits, after, greedy };
}

describe('GPT on webgpu', () => {
  it('forward, one Adam step and greedy generation match the cpu backend', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const rng = createRng(3);
    const weights: PlainWeights = new Map();
    const seedModel = GPT.create(CONFIG, 9);
    for (const [n, v] of seedModel.weights) {
      const data = n.endsWith('.g') ? (await v.data()).slice() as Float32Array : Float32Array.from({ length: v.size }, () => 0.2 * rng.normal());
      weights.set(n, { data, shape: v.shape });
    }
    seedModel.dispose();
    const ids = [[1, 7, 8, 9, 10, 11, 12, 13], [0, 0, 1, 20, 21, 22, 23, 24]];
    const mask = [[1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1]];
    const onGpu = await runOn(weights, ids, mask);
    await tf.setBackend('cpu');
    const onCpu = await runOn(weights, ids, mask);
    await tf.setBackend('webgpu');
    expect(maxAbsDiff(onGpu.logits, onCpu.logits)).toBeLessThan(TOLERANCE);
    for (const [n, w] of onCpu.after) {
      if (!n.startsWith('scalar.')) expect(maxAbsDiff(w, weights.get(n)?.data ?? []), n).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(onGpu.after.get(n) ?? [], w), n).toBeLessThan(TOLERANCE);
    }
    expect(onGpu.greedy).toEqual(onCpu.greedy);
  });
});

describe('gradient clipping on WebGPU', () => {
  it('computes the global norm of many gradients (more than a shader has storage buffers)', async () => {
    // 20 gradients: a single 20-input kernel would exceed WebGPU's default of 8 storage buffers.
    const values = Array.from({ length: 20 }, (_, i) => [i + 1, -(i + 2)]);
    const grads = Object.fromEntries(values.map((v, i) => [`g${i}`, tf.tensor1d(v)]));
    const expected = Math.sqrt(values.flat().reduce((s, x) => s + x * x, 0));
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect((await norm.data())[0]).toBeCloseTo(expected, 2);
    const first = await clipped.g0.data();
    expect(first[0]).toBeCloseTo(1 / expected, 5);
    tf.dispose([norm, ...Object.values(clipped), ...Object.values(grads)]);
  });
});
