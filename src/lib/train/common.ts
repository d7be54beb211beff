// Shared optimisation machinery: Adam (adam.ts), global-norm clipping, and one guarded update that reads
// the loss and metrics back once, refuses a non-finite step (TrainingError) and otherwise applies it.

import * as tf from '@tensorflow/tfjs';
import { assertFinite } from './errors';
import { PAD } from '../tokenizer';
import { Adam, clipScale, globalNorm, scaleGradients, type AdamConfig } from './adam';

export type { AdamConfig };

export function createAdam(c: AdamConfig): Adam {
  return new Adam(c);
}

/** Scales every gradient by min(1, maxNorm / ||g||) with ||g|| the norm over all of them. */
export function clipByGlobalNorm(
  grads: tf.NamedTensorMap,
  maxNorm: number | null,
): { grads: tf.NamedTensorMap; norm: tf.Scalar } {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = globalNorm(names.map((n) => grads[n]));
    const scale = maxNorm == null || !(maxNorm > 0) ? tf.scalar(1) : clipScale(norm, maxNorm);
    return { grads: scaleGradients(grads, scale), norm };
  });
}

export interface LossOutput {
  loss: tf.Scalar;
  /** Extra scalars to read back with the loss, in the order of `metricNames`. */
  metrics: tf.Scalar[];
}

/** One loss's value, its gradients and its metrics stacked, from its own backward pass. */
function differentiate(lossFn: () => LossOutput, variables: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap; extra: tf.Tensor } {
  const held: { extra?: tf.Tensor } = {};
  const { value, grads } = tf.variableGrads(() => {
    const out = lossFn();
    // Kept so it survives the gradient function's tidy; the caller disposes it.
    held.extra = tf.keep(out.metrics.length > 0 ? tf.stack(out.metrics) : tf.zeros([0]));
    return out.loss;
  }, variables);
  return { value, grads, extra: held.extra ?? tf.zeros([0]) };
}

/** The sum of two differentiated losses (the parts are disposed). */
function addDifferentiated(
  a: ReturnType<typeof differentiate>,
  b: ReturnType<typeof differentiate>,
): ReturnType<typeof differentiate> {
  const grads: tf.NamedTensorMap = { ...a.grads };
  for (const [name, g] of Object.entries(b.grads)) {
    if (!grads[name]) grads[name] = g;
    else {
      const sum = tf.add(grads[name], g);
      tf.dispose([grads[name], g]);
      grads[name] = sum;
    }
  }
  const value = tf.add(a.value, b.value) as tf.Scalar;
  const extra = tf.concat([a.extra, b.extra]);
  tf.dispose([a.value, b.value, a.extra, b.extra]);
  return { value, grads, extra };
}

/**
 * One guarded optimisation step. Returns { loss, grad_norm, ...metricNames } read back in a
 * single data() call. A NaN/Inf loss or gradient norm throws TrainingError before
 * optimizer.applyGradients, so the weights and Adam's moments stay as they were.
 */
export async function guardedStep(options: {
  /** This project's Adam; any tf.Optimizer (e.g. SGD in tests) gets the gradients pre-scaled. */
  optimizer: Adam | tf.Optimizer;
  variables: tf.Variable[];
  lossFn: () => LossOutput;
  /**
   * A second loss added to lossFn's, differentiated in a backward pass of its own: the step's
   * gradient is the same sum, but the two passes never hold their activations at once (PPO-ptx's
   * pretraining batch beside PPO's minibatch). Its metrics follow lossFn's in metricNames.
   */
  addedLossFn?: () => LossOutput;
  metricNames: readonly string[];
  maxGradNorm: number | null;
  stage: string;
  step: number;
}): Promise<Record<string, number>> {
  const { optimizer, variables, lossFn, addedLossFn, metricNames, maxGradNorm, stage, step } = options;
  const first = differentiate(lossFn, variables);
  const { value, grads, extra } = addedLossFn ? addDifferentiated(first, differentiate(addedLossFn, variables)) : first;
  if (extra.size !== metricNames.length) {
    tf.dispose([value, extra, ...Object.values(grads)]);
    throw new Error('guardedStep: metric names and values differ');
  }
  const names = Object.keys(grads);
  const norm = globalNorm(names.map((n) => grads[n]));
  const scale = maxGradNorm == null || !(maxGradNorm > 0) ? undefined : clipScale(norm, maxGradNorm);
  const packed = tf.tidy(() => tf.concat([tf.reshape(value, [1]), tf.reshape(norm, [1]), extra]));
  const data = await packed.data();
  tf.dispose([packed, value, norm, extra]);
  const metrics: Record<string, number> = { loss: data[0], grad_norm: data[1] };
  metricNames.forEach((n, i) => (metrics[n] = data[2 + i]));
  try {
    assertFinite(stage, step, { loss: metrics.loss, grad_norm: metrics.grad_norm });
  } catch (e) {
    tf.dispose([...Object.values(grads), ...(scale ? [scale] : [])]);
    throw e;
  }
  if (optimizer instanceof Adam) {
    // Clipping is folded into the update (one fused kernel per weight on WebGPU).
    optimizer.applyGradients(grads, scale);
  } else {
    const scaled = scale ? scaleGradients(grads, scale) : grads;
    optimizer.applyGradients(scaled);
    if (scaled !== grads) tf.dispose(Object.values(scaled));
  }
  tf.dispose([...Object.values(grads), ...(scale ? [scale] : [])]);
  return metrics;
}

/** Per-position next-token targets and weights for a batch of sequences, row-major [rows, T]. */
export interface LmBatch {
  rows: number;
  length: number;
  ids: Int32Array;
  /** 1 real token, 0 padding (right padding). */
  mask: Float32Array;
  /** targets[t] = ids[t + 1] (PAD where there is none). */
  targets: Int32Array;
  /** Loss weight of targets[t]: 0 for padding and (SFT) prompt tokens. */
  weights: Float32Array;
}

/** Shapes are rounded up to this many tokens, so a run sees only a handful of distinct lengths. */
export const LENGTH_STEP = 8;

/**
 * The length T of a batch whose longest sequence has `longest` tokens: rounded up to LENGTH_STEP
 * (WebGPU compiles a program per shape; a few shapes are compiled once and reused) and at most
 * `maxLength`. SFT batches of this world average 76 tokens where maxLength is 96, and right
 * padding never changes what a causal model computes for the real tokens.
 */
export function batchLength(longest: number, maxLength: number): number {
  return Math.max(1, Math.min(maxLength, Math.ceil(longest / LENGTH_STEP) * LENGTH_STEP));
}

/**
 * Right-pads sequences to [rows, T] with T = batchLength(longest sequence, maxLength).
 * Sequences longer than maxLength are cut to their first maxLength tokens. `lossFrom[b]` is the first token
 * index whose prediction counts (the response start for SFT, 1 for pretraining). Rows past
 * `sequences.length` are filler: one BOS-like PAD token, weight 0.
 */
export function buildLmBatch(sequences: readonly (readonly number[])[], lossFrom: readonly number[], rows: number, maxLength: number): LmBatch {
  if (sequences.length > rows) throw new Error(`buildLmBatch: ${sequences.length} sequences for ${rows} rows`);
  const length = batchLength(Math.max(1, ...sequences.map((s) => s.length)), maxLength);
  const ids = new Int32Array(rows * length).fill(PAD);
  const mask = new Float32Array(rows * length);
  const targets = new Int32Array(rows * length).fill(PAD);
  const weights = new Float32Array(rows * length);
  for (let b = 0; b < rows; b++) {
    const seq = sequences[b];
    if (!seq) {
      mask[b * length] = 1; // one visible token so attention is never over an empty set
      continue;
    }
    const n = Math.min(seq.length, length);
    for (let t = 0; t < n; t++) {
      ids[b * length + t] = seq[t];
      mask[b * length + t] = 1;
      if (t + 1 < n) {
        targets[b * length + t] = seq[t + 1];
        if (t + 1 >= lossFrom[b]) weights[b * length + t] = 1;
      }
    }
  }
  return { rows, length, ids, mask, targets, weights };
}

export interface TokenLoss {
  /** Weighted mean next-token cross-entropy. */
  loss: tf.Scalar;
  /** Weighted sum of the per-token cross-entropies (for exact means over many batches). */
  sum: tf.Scalar;
  /** Weighted fraction of targets that are the argmax (TRL's mean_token_accuracy). */
  accuracy: tf.Scalar;
}

/**
 * Cross-entropy of logits [B, T, V] against targets [B, T] with weights [B, T]: the SFT/pretrain
 * loss. The target's log-prob is picked with a one-hot multiply (gather has no wasm gradient).
 */
export function tokenLoss(logits: tf.Tensor3D, targets: tf.Tensor2D, weights: tf.Tensor2D): TokenLoss {
  const vocab = logits.shape[2];
  const logp = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(targets, 'int32'), vocab)), -1);
  const sum = tf.neg(tf.sum(tf.mul(picked, weights))) as tf.Scalar;
  const total = tf.maximum(tf.sum(weights), 1e-8);
  const loss = tf.div(sum, total) as tf.Scalar;
  const hit = tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(targets, 'int32')), 'float32');
  const accuracy = tf.div(tf.sum(tf.mul(hit, weights)), total) as tf.Scalar;
  return { loss, sum, accuracy };
}
