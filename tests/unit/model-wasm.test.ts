// The wasm backend (the fast path in Node and browsers without WebGPU) against cpu: its own Slice
// kernel (installWasmFastSlice), the per-head attention, forward logits, one Adam step, and
// sampling with the KV cache written in place in the heap.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GPTConfig, GPT, crossEntropyLoss, generate, generateRecompute, installWasmFastSlice } from '../../src/lib/model';
import { hostPick } from '../../src/lib/model/sample';
import { createRng } from '../../src/lib/random';
import { VOCAB_SIZE } from '../../src/lib/tokenizer';
import { initNodeBackend } from '../../src/lib/backend-node';

const CONFIG: GPTConfig = { vocabSize: VOCAB_SIZE, contextLength: 16, nLayer: 2, nHead: 2, dModel: 16 };

beforeAll(async () => {
  await initNodeBackend('wasm');
  installWasmFastSlice();
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** One forward and one Adam step on the active backend, from plain-array weights. */
function runOn(weights: Map<string, { data: Float32Array; shape: number[] }>, ids: number[][], mask: number[][]) {
  const tensors = new Map([...weights].map(([n, w]) => [n, tf.tensor(w.data, w.shape)]));
  const model = GPT.fromWeights(CONFIG, tensors);
  tf.dispose([...tensors.values()]);
  const B = ids.length;
  const T = ids[0].length;
  const idsT = tf.tensor2d(ids, [B, T], 'int32');
  const maskT = tf.tensor2d(mask, [B, T]);
  const logits = tf.tidy(() => model.forward(idsT, maskT).logits.dataSync().slice());
  const targets = tf.tensor2d(ids.map((r) => [...r.slice(1), r[0]]), [B, T], 'int32');
  // epsilon 1e-3: the k-bias gradient is exactly 0 in theory (softmax ignores a shift), so its
  // float noise would make Adam's first step (~lr * sign(g)) differ arbitrarily between backends.
  const opt = tf.train.adam(1e-2, 0.9, 0.999, 1e-3);
  opt.minimize(() => crossEntropyLoss(model.forward(idsT, maskT).logits, targets, maskT), false, model.trainableVariables());
  const after = new Map([...model.weights].map(([n, v]) => [n, v.dataSync().slice()]));
  opt.dispose();
  tf.dispose([idsT, maskT, targets]);
  model.dispose();
  return { logits, after };
}

describe('wasm backend', () => {
  it('slices like plain indexing, for contiguous and strided cases', () => {
    expect(tf.getBackend()).toBe('wasm');
    const shape = [3, 5, 7, 4];
    const data = Float32Array.from({ length: 3 * 5 * 7 * 4 }, (_, i) => i);
    const x = tf.tensor(data, shape);
    const cases: Array<[number[], number[]]> = [
      [[1, 0, 0, 0], [1, 5, 7, 4]],
      [[0, 2, 0, 0], [3, 2, 7, 4]],
      [[2, 1, 3, 1], [1, 3, 4, 2]],
      [[0, 0, 0, 3], [3, 5, 7, 1]],
    ];
    for (const [begin, size] of cases) {
      const expected: number[] = [];
      for (let a = 0; a < size[0]; a++)
        for (let b = 0; b < size[1]; b++)
          for (let c = 0; c < size[2]; c++)
            for (let d = 0; d < size[3]; d++)
              expected.push(data[(((begin[0] + a) * 5 + begin[1] + b) * 7 + begin[2] + c) * 4 + begin[3] + d]);
      const got = tf.slice(x, begin, size);
      expect(got.shape).toEqual(size);
      expect(Array.from(got.dataSync())).toEqual(expected);
      got.dispose();
    }
    const ints = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    expect(Array.from(tf.slice(ints, [0, 1], [2, 2]).dataSync())).toEqual([2, 3, 5, 6]);
    x.dispose();
  });

  it('forward and an Adam step match the cpu backend within 1e-4', async () => {
    const rng = createRng(3);
    const weights = new Map<string, { data: Float32Array; shape: number[] }>();
    const seedModel = GPT.create(CONFIG, 9);
    for (const [n, v] of seedModel.weights) {
      // Larger than init so the comparison is not trivially near zero.
      const data = n.endsWith('.g') ? (v.dataSync() as Float32Array).slice() : Float32Array.from({ length: v.size }, () => 0.2 * rng.normal());
      weights.set(n, { data, shape: v.shape });
    }
    seedModel.dispose();
    const ids = [[1, 7, 8, 9, 10, 11, 12, 13], [0, 0, 1, 20, 21, 22, 23, 24]];
    const mask = [[1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1]];
    const onWasm = runOn(weights, ids, mask);
    await tf.setBackend('cpu');
    const onCpu = runOn(weights, ids, mask);
    await tf.setBackend('wasm');
    expect(maxAbsDiff(onWasm.logits, onCpu.logits)).toBeLessThan(1e-4);
    for (const [n, w] of onCpu.after) {
      // The step moved the weights (lr 1e-2), and both backends moved them the same way.
      if (!n.startsWith('scalar.')) expect(maxAbsDiff(w, weights.get(n)?.data ?? []), n).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(onWasm.after.get(n) ?? [], w), n).toBeLessThan(1e-4);
    }
  });

  it('decodes greedily with the KV cache written in place in the wasm heap: the same tokens as recomputing, and as cpu', async () => {
    // Weights far from init, so the logits (not only the sampling noise) decide the tokens.
    const model = GPT.create(CONFIG, 21);
    const rng = createRng(22);
    for (const [name, v] of model.weights) if (!name.endsWith('.g')) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => 0.3 * rng.normal()), v.shape));
    const prompts = [[1, 7, 8, 9], [1, 30, 31]];
    // Greedy: at temperature 1 this model's tokens are decided by the sampling noise.
    const options = { maxNewTokens: 8, temperature: 0, seed: 5, stopAtEos: false };
    const cached = await generate(model, prompts, options);
    const recomputed = await generateRecompute(model, prompts, options);
    const weights = new Map([...model.weights].map(([n, v]) => [n, tf.tensor(v.dataSync(), v.shape)]));
    await tf.setBackend('cpu');
    const cpuModel = GPT.fromWeights(CONFIG, weights);
    const onCpu = await generate(cpuModel, prompts, options);
    cpuModel.dispose();
    tf.dispose([...weights.values()]);
    await tf.setBackend('wasm');
    expect(cached.responses).toEqual(recomputed.responses);
    expect(cached.responses).toEqual(onCpu.responses);
    model.dispose();
  });

  it('samples on the host the very tokens the tensor path samples (the float32 arithmetic of wasm\'s kernels)', async () => {
    const model = GPT.create(CONFIG, 23);
    const rng = createRng(24);
    for (const [name, v] of model.weights) if (!name.endsWith('.g')) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => 0.2 * rng.normal()), v.shape));
    const prompts = [[1, 7, 8, 9], [1, 30, 31], [1, 5], [1, 44, 45, 46]];
    for (const [seed, temperature] of [[1, 0.7], [2, 1], [3, 0.3]] as const) {
      const options = { maxNewTokens: 10, temperature, seed, stopAtEos: false };
      hostPick.enabled = false;
      const onDevice = await generate(model, prompts, options);
      hostPick.enabled = true;
      expect(await generate(model, prompts, options)).toEqual(onDevice);
    }
    model.dispose();
  });
});
