// The fused WebGPU kernels against the cpu backend's composite ops, as plain measurements: run in
// Node on Dawn (kernels.test.ts) and in headless Chromium (tests/e2e/kernels.test.ts, through
// kernels-page.ts), each asserting the same bounds. Nothing here imports vitest.
import * as tf from '@tensorflow/tfjs';
import { attention, defaultAttentionImpl, gelu, layerNorm, linear } from '../../src/lib/model/ops';
import { Adam, clipScale, globalNorm } from '../../src/lib/train/adam';
import { createRng } from '../../src/lib/random';
import { countDispatches } from '../../scripts/lib/gpu-dispatches';

/** WebGPU reduces in another order than cpu; float32 throughout. */
export const TOLERANCE = 1e-4;

type Plain = { data: Float32Array; shape: number[] };

export interface OpCase {
  name: string;
  /** Most |webgpu - cpu| over the value and each input's gradient, in that order. */
  diffs: number[];
  /** Most |cpu| of the same: a case whose gradients are all zero would prove nothing. */
  magnitudes: number[];
  dispatches: { forward: number; backward: number };
  /** What the fused path should cost; null where the case checks values only. */
  expected: { forward: number; backward: number } | null;
}

export interface AdamCase {
  /** Most |webgpu - tf.train.adam on cpu| over all weights after three clipped steps. */
  diff: number;
  /** Least distance a weight moved (the steps did something). */
  moved: number;
  dispatches: number;
  expectedDispatches: number;
}

export interface NormCase {
  norm: number;
  expected: number;
  dispatches: number;
  expectedDispatches: number;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Runs fn on the cpu backend, then returns to webgpu. */
export async function onCpu<T>(fn: () => Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return await fn();
  } finally {
    await tf.setBackend('webgpu');
  }
}

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

async function measure(name: string, op: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Plain[], dy: Plain, expected: OpCase['expected']): Promise<OpCase> {
  if (tf.getBackend() !== 'webgpu') throw new Error(`kernel cases need the webgpu backend, not ${tf.getBackend()}`);
  const gpu = await valueAndGrads(op, inputs, dy);
  const cpu = await onCpu(() => valueAndGrads(op, inputs, dy));
  const xs = inputs.map((p) => tf.tensor(p.data, p.shape));
  const dyT = tf.tensor(dy.data, dy.shape);
  const forward = await countDispatches(() => tf.tidy(() => op(...xs)).dispose());
  const total = await countDispatches(() => tf.dispose(tf.grads((...a: tf.Tensor[]) => op(...a))(xs, dyT)));
  tf.dispose([...xs, dyT]);
  return {
    name,
    diffs: gpu.map((g, i) => maxAbsDiff(g, cpu[i])),
    magnitudes: cpu.map((c) => c.reduce((m, x) => Math.max(m, Math.abs(x)), 0)),
    dispatches: { forward: forward.dispatches, backward: total.dispatches - forward.dispatches },
    expected,
  };
}

function causalBias(B: number, T: number, hidden: (b: number, j: number) => boolean): Plain {
  const data = new Float32Array(B * T * T);
  for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) data[(b * T + i) * T + j] = j > i || hidden(b, j) ? -1e9 : 0;
  return { data, shape: [B, 1, T, T] };
}

/** Every op of ops.ts that has a fused WebGPU path, on small random inputs (seeded). */
export async function runOpCases(): Promise<OpCase[]> {
  const rng = createRng(11);
  const random = (shape: number[], scale = 1): Plain => ({ data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()), shape });
  const out: OpCase[] = [];
  out.push(await measure('linear with bias', (x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), [random([12, 24]), random([24, 20], 0.3), random([20])], random([12, 20]), { forward: 1, backward: 3 }));
  out.push(await measure('linear without bias', (x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D), [random([12, 24]), random([24, 20], 0.3)], random([12, 20]), { forward: 1, backward: 2 }));
  const x = random([10, 32], 2);
  for (let i = 0; i < 32; i++) x.data[i] += 5; // a row far from zero mean
  out.push(await measure('layerNorm', (a, g, b) => layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), [x, random([32]), random([32])], random([10, 32]), { forward: 1, backward: 4 }));
  const tails = random([8, 16], 3);
  tails.data[0] = -30;
  tails.data[1] = 30;
  out.push(await measure('gelu, with both tails far out', (a) => gelu(a as tf.Tensor2D), [tails], random([8, 16]), { forward: 1, backward: 1 }));
  // Attention: the bias is made on whichever backend runs the op (a constant, not differentiated);
  // its upload is not a dispatch.
  const attentionCase = async (name: string, B: number, T: number, H: number, hd: number, bias: Plain, expected: OpCase['expected']) => {
    const op = (qkv: tf.Tensor) => attention(qkv as tf.Tensor2D, tf.tensor4d(bias.data, bias.shape as [number, number, number, number]), B, H, defaultAttentionImpl());
    out.push(await measure(name, op, [random([B * T, 3 * H * hd])], random([B * T, H * hd]), expected));
  };
  // Row 1 has two left-padding keys that no query may see.
  await attentionCase('attention over all heads with a padding mask', 2, 6, 3, 4, causalBias(2, 6, (b, j) => b === 1 && j < 2), { forward: 2, backward: 2 });
  await attentionCase('attention with one causal bias broadcast over the batch', 3, 5, 2, 8, causalBias(1, 5, () => false), null);
  return out;
}

/** Adam with clipping on WebGPU against TF.js's own Adam on cpu over hand-clipped gradients. */
export async function runAdamCase(): Promise<AdamCase> {
  const rng = createRng(12);
  const random = (shape: number[], scale = 1): Plain => ({ data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()), shape });
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
      if (useOurs) dispatches = (await countDispatches(() => ours.applyGradients(grads, scale))).dispatches;
      else {
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
  const gpu = await run(true, `gpu-${Date.now()}`);
  const cpu = await onCpu(() => run(false, `cpu-${Date.now()}`));
  return {
    diff: Math.max(...gpu.out.map((w, i) => maxAbsDiff(w, cpu.out[i]))),
    moved: Math.min(...gpu.out.map((w, i) => maxAbsDiff(w, start[i].data))),
    dispatches: gpu.dispatches,
    expectedDispatches: Math.ceil(shapes.length / 6) + shapes.length,
  };
}

/** The global norm of 20 gradients (more than a shader has storage buffers) against the formula. */
export async function runNormCase(): Promise<NormCase> {
  const rng = createRng(13);
  const values = Array.from({ length: 20 }, (_, i) => Float32Array.from({ length: 3 * (i + 1) }, () => rng.normal()));
  const expected = Math.sqrt(values.reduce((s, v) => s + v.reduce((a, x) => a + x * x, 0), 0));
  const grads = values.map((v, i) => tf.tensor2d(v, [i + 1, 3]));
  const { result: norm, dispatches } = await countDispatches(() => globalNorm(grads));
  const got = (await norm.data())[0];
  tf.dispose([norm, ...grads]);
  // ceil(20 / 6) sum-of-squares kernels and one sqrt (the zero it starts from is uploaded).
  return { norm: got, expected, dispatches, expectedDispatches: Math.ceil(20 / 6) + 1 };
}
