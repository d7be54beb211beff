// Each fused WebGPU kernel (src/lib/model/kernels, src/lib/train/adam.ts) against the composite
// ops on the cpu backend, in the same process (Dawn + SwiftShader): values and every input's
// gradient within 1e-4, and the GPU dispatches each op costs (machine-independent; it is why the
// kernels exist). The same cases run in Chromium (tests/e2e/kernels.test.ts). Also decoding.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT, generate, type GPTConfig } from '../../src/lib/model';
import { VOCAB_SIZE } from '../../src/lib/tokenizer';
import { TOLERANCE, onCpu, runAdamCase, runNormCase, runOpCases, type OpCase } from './kernel-cases';
import { createRng } from '../../src/lib/random';
import { initNodeBackend } from '../../src/lib/backend-node';
import { countDispatches } from '../../scripts/lib/gpu-dispatches';


beforeAll(async () => {
  await initNodeBackend('webgpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
  tf.removeBackend('webgpu');
});

type Plain = { data: Float32Array; shape: number[] };
const rng = createRng(11);
const random = (shape: number[], scale = 1): Plain => ({ data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()), shape });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('fused WebGPU kernels match the cpu composite ops', () => {
  let cases: OpCase[] = [];
  beforeAll(async () => {
    cases = await runOpCases();
  });

  it('every op: value and each input\'s gradient within 1e-4 of cpu, at the dispatch count it was fused to', () => {
    expect(cases.map((c) => c.name)).toHaveLength(6);
    for (const c of cases) {
      c.diffs.forEach((d, i) => expect(d, `${c.name}: ${i === 0 ? 'value' : `gradient of input ${i - 1}`}`).toBeLessThan(TOLERANCE));
      c.magnitudes.forEach((m, i) => expect(m, `${c.name}: output ${i} is not all zero`).toBeGreaterThan(1e-3));
      if (c.expected) expect(c.dispatches, c.name).toEqual(c.expected);
    }
  });
});

describe('fused Adam on WebGPU', () => {
  it('matches tf.train.adam on the cpu backend over three clipped steps: one moments kernel per six weights, one update each', async () => {
    const adam = await runAdamCase();
    expect(adam.diff).toBeLessThan(1e-5);
    expect(adam.moved).toBeGreaterThan(1e-3);
    expect(adam.dispatches).toBe(adam.expectedDispatches);
  });

  it('globalNorm of many gradients in one dispatch per six, against the formula', async () => {
    const norm = await runNormCase();
    expect(norm.norm).toBeCloseTo(norm.expected, 3);
    expect(norm.dispatches).toBe(norm.expectedDispatches);
  });
});

describe('decoding on WebGPU', () => {
  const config: GPTConfig = { vocabSize: VOCAB_SIZE, contextLength: 16, nLayer: 2, nHead: 2, dModel: 16 };
  const spicy = (): GPT => {
    const model = GPT.create(config, 31);
    for (const [name, v] of model.weights) if (!name.endsWith('.g')) v.assign(tf.tensor(random(v.shape, 0.3).data, v.shape));
    return model;
  };

  it('each step\'s logits from the in-place KV cache equal the full forward, in <= 12 dispatches per layer + 6', async () => {
    const model = spicy();
    const P = 4, steps = 5, L = P + steps;
    const rows = [[1, 7, 8, 9, 40, 41, 42, 43, 44], [0, 1, 30, 31, 50, 51, 52, 53, 54]];
    const maskRows = [new Array(L).fill(1), [0, ...new Array(L - 1).fill(1)]];
    const full = await tf.tidy(() => model.forward(tf.tensor2d(rows, [2, L], 'int32'), tf.tensor2d(maskRows, [2, L])).logits).array();
    const pre = model.forwardWith(tf.tensor2d(rows.map((r) => r.slice(0, P)), [2, P], 'int32'), tf.tensor2d(maskRows.map((r) => r.slice(0, P)), [2, P]), { collectKV: true });
    const cache = pre.kv.map(({ kT, v }) => ({
      kT: tf.concat([kT, tf.zeros([2, 2, 8, steps])], 3) as tf.Tensor4D,
      v: tf.concat([v, tf.zeros([2, 2, steps, 8])], 2) as tf.Tensor4D,
    }));
    const first = { ...cache[0] };
    const keyMask = tf.tensor2d(maskRows);
    let dispatches = 0;
    for (let s = 0; s < steps; s++) {
      const tokens = tf.tensor1d(rows.map((r) => r[P + s]), 'int32');
      const positions = tf.tensor1d([P + s, P + s - 1], 'int32');
      const counted = await countDispatches(() => model.decodeStep(tokens, positions, P + s, cache, keyMask));
      dispatches = counted.dispatches;
      const got = (await counted.result.array()) as number[][];
      for (let b = 0; b < 2; b++) expect(maxAbsDiff(got[b], full[b][P + s]), `step ${s} row ${b}`).toBeLessThan(TOLERANCE);
      tf.dispose([tokens, positions, counted.result]);
    }
    expect(cache[0].kT).toBe(first.kT);
    expect(cache[0].v).toBe(first.v);
    expect(dispatches).toBeLessThanOrEqual(12 * config.nLayer + 6);
    tf.dispose([...cache.flatMap((c) => [c.kT, c.v]), keyMask, pre.logits, pre.hidden]);
    model.dispose();
  });

  it('sampling with temperature picks the tokens cpu picks from the same noise, and PAD after EOS', async () => {
    const model = spicy();
    const weights = new Map([...model.weights].map(([n, v]) => [n, { data: v.dataSync() as Float32Array, shape: v.shape }]));
    const prompts = [[1, 7, 8, 9], [1, 30, 31], [1, 60]];
    // Temperature 0.3: the logits, not only the noise, decide; stopAtEos exercises the done flags.
    const options = { maxNewTokens: 10, temperature: 0.3, seed: 9, stopAtEos: true };
    const gpu = await generate(model, prompts, options);
    const cpu = await onCpu(async () => {
      const m = GPT.fromWeights(config, new Map([...weights].map(([n, w]) => [n, tf.tensor(w.data, w.shape)])));
      const out = await generate(m, prompts, options);
      m.dispose();
      return out;
    });
    expect(gpu).toEqual(cpu);
    model.dispose();
  });
});
