// Each fused WebGPU kernel (src/lib/model/kernels, src/lib/train/adam.ts) against the composite
// ops on the cpu backend, in the same process: values and every input's gradient within 1e-4, and
// the number of GPU dispatches each op costs (machine-independent; it is why the kernels exist).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attention, defaultAttentionImpl, gelu, layerNorm, linear } from '../../src/lib/model/ops';
import { GPT, generate, type GPTConfig } from '../../src/lib/model';
import { VOCAB_SIZE } from '../../src/lib/tokenizer';
import { Adam, globalNorm, clipScale } from '../../src/lib/train';
import { createRng } from '../../src/lib/random';
import { initNodeBackend } from '../../src/lib/backend-node';
import { countDispatches } from '../../scripts/lib/gpu-dispatches';

const TOLERANCE = 1e-4;

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

/** Value and gradients (w.r.t. every input, for upstream gradient dy) of op on the active backend. */
async function valueAndGrads(op: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Plain[], dy: Plain): Promise<Float32Array[]> {
  const xs = inputs.map((p) => tf.tensor(p.data, p.shape));
  const dyT = tf.tensor(dy.data, dy.shape);
  const value = tf.tidy(() => op(...xs));
  const grads = tf.grads((...args: tf.Tensor[]) => op(...args))(xs, dyT);
  const out = [await value.data(), ...(await Promise.all(grads.map((g) => g.data())))] as Float32Array[];
  tf.dispose([...xs, dyT, value, ...grads]);
  return out;
}

async function onCpu<T>(fn: () => Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return await fn();
  } finally {
    await tf.setBackend('webgpu');
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Compares op on webgpu and cpu; returns the forward and backward dispatch counts on webgpu. */
async function compare(op: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Plain[], dy: Plain): Promise<{ forward: number; backward: number }> {
  expect(tf.getBackend()).toBe('webgpu');
  const gpu = await valueAndGrads(op, inputs, dy);
  const cpu = await onCpu(() => valueAndGrads(op, inputs, dy));
  expect(gpu.length).toBe(inputs.length + 1);
  gpu.forEach((g, i) => {
    expect(maxAbsDiff(g, cpu[i]), i === 0 ? 'value' : `gradient of input ${i - 1}`).toBeLessThan(TOLERANCE);
    // A gradient that is all zeros on both backends would prove nothing.
    expect(Math.max(...cpu[i].map(Math.abs)), `input ${i - 1} has a gradient`).toBeGreaterThan(1e-3);
  });
  const xs = inputs.map((p) => tf.tensor(p.data, p.shape));
  const dyT = tf.tensor(dy.data, dy.shape);
  const forward = await countDispatches(() => tf.tidy(() => op(...xs)).dispose());
  const total = await countDispatches(() => tf.dispose(tf.grads((...a: tf.Tensor[]) => op(...a))(xs, dyT)));
  tf.dispose([...xs, dyT]);
  return { forward: forward.dispatches, backward: total.dispatches - forward.dispatches };
}

describe('fused WebGPU kernels match the cpu composite ops', () => {
  it('linear with bias: one matMul forward, two matMuls and a column sum backward', async () => {
    const counts = await compare((x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), [random([12, 24]), random([24, 20], 0.3), random([20])], random([12, 20]));
    expect(counts).toEqual({ forward: 1, backward: 3 });
  });

  it('linear without bias', async () => {
    const counts = await compare((x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D), [random([12, 24]), random([24, 20], 0.3)], random([12, 20]));
    expect(counts).toEqual({ forward: 1, backward: 2 });
  });

  it('layerNorm: one kernel forward, four backward', async () => {
    const x = random([10, 32], 2);
    for (let i = 0; i < 32; i++) x.data[i] += 5; // a row far from zero mean
    const counts = await compare((a, g, b) => layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), [x, random([32]), random([32])], random([10, 32]));
    expect(counts).toEqual({ forward: 1, backward: 4 });
  });

  it('gelu: one kernel each way, also far out on both tails', async () => {
    const x = random([8, 16], 3);
    x.data[0] = -30;
    x.data[1] = 30;
    const counts = await compare((a) => gelu(a as tf.Tensor2D), [x], random([8, 16]));
    expect(counts).toEqual({ forward: 1, backward: 1 });
  });

  const causalBias = (B: number, T: number, hidden: (b: number, j: number) => boolean): Plain => {
    const data = new Float32Array(B * T * T);
    for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) data[(b * T + i) * T + j] = j > i || hidden(b, j) ? -1e9 : 0;
    return { data, shape: [B, 1, T, T] };
  };

  it('attention over all heads with a padding mask: two kernels forward, two backward', async () => {
    const B = 2, T = 6, H = 3, hd = 4;
    // Row 1 has two left-padding keys that no query may see.
    const bias = causalBias(B, T, (b, j) => b === 1 && j < 2);
    // The bias is made on whichever backend runs the op (a constant, not differentiated).
    const op = (qkv: tf.Tensor) => attention(qkv as tf.Tensor2D, tf.tensor4d(bias.data, bias.shape as [number, number, number, number]), B, H, defaultAttentionImpl());
    const counts = await compare(op, [random([B * T, 3 * H * hd])], random([B * T, H * hd]));
    // (The bias upload is not a dispatch.)
    expect(counts).toEqual({ forward: 2, backward: 2 });
  });

  it('attention with one causal bias broadcast over the batch', async () => {
    const B = 3, T = 5, H = 2, hd = 8;
    const bias = causalBias(1, T, () => false);
    const op = (qkv: tf.Tensor) => attention(qkv as tf.Tensor2D, tf.tensor4d(bias.data, bias.shape as [number, number, number, number]), B, H, defaultAttentionImpl());
    await compare(op, [random([B * T, 3 * H * hd])], random([B * T, H * hd]));
  });
});

describe('fused Adam on WebGPU', () => {
  it('matches tf.train.adam on the cpu backend over three clipped steps: one moments kernel per six weights, one update each', async () => {
    // Eight weights: two moment groups, the second of two.
    const shapes = [[7, 5], [5], [3, 4, 2], [1], [9], [2, 2], [6, 3], [4]];
    const start = shapes.map((s) => random(s));
    const gradSteps = [0, 1, 2].map(() => shapes.map((s) => random(s, 2)));
    const config = { learningRate: 0.01, adamBeta1: 0.9, adamBeta2: 0.99, adamEpsilon: 1e-6 };
    const maxNorm = 1.5;
    const run = async (useOurs: boolean, tag: string) => {
      const vars = start.map((p, i) => tf.variable(tf.tensor(p.data, p.shape), true, `adam-${tag}-${i}`));
      const ours = new Adam(config);
      const reference = tf.train.adam(config.learningRate, config.adamBeta1, config.adamBeta2, config.adamEpsilon);
      let dispatches = 0;
      for (const step of gradSteps) {
        const grads = Object.fromEntries(step.map((p, i) => [vars[i].name, tf.tensor(p.data, p.shape)]));
        const norm = globalNorm(Object.values(grads));
        const scale = clipScale(norm, maxNorm);
        if (useOurs) {
          const counted = await countDispatches(() => ours.applyGradients(grads, scale));
          dispatches = counted.dispatches;
        } else {
          // The independent reference: clip by hand, then TF.js's own Adam.
          const clipped = tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.mul(g, scale)])));
          reference.applyGradients(clipped as unknown as Record<string, tf.Variable>);
          tf.dispose(Object.values(clipped));
        }
        tf.dispose([norm, scale, ...Object.values(grads)]);
      }
      const out = await Promise.all(vars.map((v) => v.data()));
      ours.dispose();
      reference.dispose();
      tf.dispose(vars);
      return { out, dispatches };
    };
    const gpu = await run(true, 'gpu');
    const cpu = await onCpu(() => run(false, 'cpu'));
    gpu.out.forEach((w, i) => {
      expect(maxAbsDiff(w, cpu.out[i]), `weight ${i}`).toBeLessThan(1e-5);
      expect(maxAbsDiff(w, start[i].data), `weight ${i} moved`).toBeGreaterThan(1e-3);
    });
    expect(gpu.dispatches).toBe(Math.ceil(shapes.length / 6) + shapes.length);
  });

  it('globalNorm of many gradients in one dispatch per six, against the formula', async () => {
    const values = Array.from({ length: 20 }, (_, i) => random([i + 1, 3]));
    const expected = Math.sqrt(values.reduce((s, p) => s + p.data.reduce((a, x) => a + x * x, 0), 0));
    const grads = values.map((p) => tf.tensor(p.data, p.shape));
    const { result: norm, dispatches } = await countDispatches(() => globalNorm(grads));
    expect((await norm.data())[0]).toBeCloseTo(expected, 3);
    // ceil(20 / 6) sum-of-squares kernels and one sqrt (the zero it starts from is uploaded).
    expect(dispatches).toBe(Math.ceil(20 / 6) + 1);
    tf.dispose([norm, ...grads]);
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
