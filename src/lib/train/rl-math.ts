// The pure maths of RLHF, separate from any model so each piece can be checked against hand
// arithmetic: GAE, masked whitening, per-token KL estimators, PPO's clipped policy and value
// losses, log-probs at a sampling temperature, the InstructGPT ranking loss, and the
// KL-coefficient controllers.
//
// Tensor functions take float32 tensors and must be called inside tf.tidy (or a gradient
// function); they return scalars/tensors and never read back. Plain-array functions work on
// row-major Float32Arrays of shape [rows, cols]: PPO reads a rollout back once per iteration and
// does the sequential GAE scan on the CPU, where a 40-step loop costs nothing.

import * as tf from '@tensorflow/tfjs';

// ---------------------------------------------------------------------------------------------
// Masked reductions (tensors)

/** Mean of `x` over the entries where `mask` is 1 (0 when the mask is empty). */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/**
 * Variance of `x` over masked entries. `unbiased` applies Bessel's correction n/(n-1), as TRL's
 * masked_var does, so whitened values have unit sample variance.
 */
export function maskedVar(x: tf.Tensor, mask: tf.Tensor, unbiased = true): tf.Scalar {
  const mean = maskedMean(x, mask);
  const centred = tf.sub(x, mean);
  const n = tf.sum(mask);
  const sq = tf.sum(tf.mul(tf.square(centred), mask));
  const denom = unbiased ? tf.maximum(tf.sub(n, 1), 1) : tf.maximum(n, 1);
  return tf.div(sq, denom) as tf.Scalar;
}

/**
 * (x - mean) / sqrt(var + 1e-8) with mean and variance over masked entries only; masked-out
 * entries of the result are 0. With `shiftMean` false the mean is added back (TRL's option for
 * whitening rewards without moving their level).
 */
export function maskedWhiten<T extends tf.Tensor>(x: T, mask: tf.Tensor, shiftMean = true): T {
  const mean = maskedMean(x, mask);
  const variance = maskedVar(x, mask, true);
  let out = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-8)));
  if (!shiftMean) out = tf.add(out, mean);
  return tf.mul(out, mask) as T;
}

// ---------------------------------------------------------------------------------------------
// Plain-array versions (for the rollout, which is on the CPU anyway)

/** Masked mean over a flat array. */
export function maskedMeanArray(x: ArrayLike<number>, mask: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (mask[i] > 0) {
      s += x[i];
      n++;
    }
  }
  return n > 0 ? s / n : 0;
}

/** Array twin of maskedWhiten (unbiased variance, masked-out entries set to 0). */
export function maskedWhitenArray(x: ArrayLike<number>, mask: ArrayLike<number>, shiftMean = true): Float32Array {
  const mean = maskedMeanArray(x, mask);
  let sq = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (mask[i] > 0) {
      sq += (x[i] - mean) ** 2;
      n++;
    }
  }
  const variance = sq / Math.max(n - 1, 1);
  const inv = 1 / Math.sqrt(variance + 1e-8);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (mask[i] > 0) out[i] = (x[i] - mean) * inv + (shiftMean ? 0 : mean);
  }
  return out;
}

export interface GaeResult {
  /** A_t, [rows * cols], 0 where the mask is 0. */
  advantages: Float32Array;
  /** A_t + V_t: the value targets, [rows * cols], 0 where the mask is 0. */
  returns: Float32Array;
}

/**
 * Generalised advantage estimation (Schulman et al. 2016) over each row of a [rows, cols] batch.
 *   delta_t = r_t + gamma * V_{t+1} - V_t,   A_t = delta_t + gamma * lambda * A_{t+1}
 * A masked-out position ends the episode: the step before it bootstraps from V = 0 (responses are
 * right-padded, so the last real token, EOS or the truncation point, is terminal, as in TRL).
 * Returns are A_t + V_t, the targets of the value loss.
 */
export function computeGae(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  rows: number,
  cols: number,
  gamma = 1,
  lam = 0.95,
): GaeResult {
  if (rewards.length !== rows * cols || values.length !== rows * cols || mask.length !== rows * cols) {
    throw new Error(`computeGae: expected ${rows}x${cols} arrays`);
  }
  const advantages = new Float32Array(rows * cols);
  const returns = new Float32Array(rows * cols);
  for (let b = 0; b < rows; b++) {
    let nextValue = 0;
    let lastGae = 0;
    for (let t = cols - 1; t >= 0; t--) {
      const i = b * cols + t;
      if (!(mask[i] > 0)) {
        nextValue = 0;
        lastGae = 0;
        continue;
      }
      const delta = rewards[i] + gamma * nextValue - values[i];
      lastGae = delta + gamma * lam * lastGae;
      advantages[i] = lastGae;
      returns[i] = lastGae + values[i];
      nextValue = values[i];
    }
  }
  return { advantages, returns };
}

// ---------------------------------------------------------------------------------------------
// Log-probs at the sampling temperature

export interface TemperedLogProbs {
  /** [B, T]: log p_temp(targets[b, t]). */
  logProbs: tf.Tensor2D;
  /** [B, T]: entropy of p_temp at each position. */
  entropy: tf.Tensor2D;
}

/**
 * Log-probs of `targets` [B, T] int32 and entropies under p_temp = softmax(logits / temperature),
 * from the logits [B, T, V] of the positions that predict them. PPO samples at a temperature and
 * scores at the same one (as TRL does): the ratio's old log-prob, the KL to the reference and the
 * entropy then all refer to the distribution the tokens were drawn from.
 */
export function temperedLogProbs(logits: tf.Tensor3D, targets: tf.Tensor2D, temperature: number): TemperedLogProbs {
  const V = logits.shape[2];
  const logp = tf.logSoftmax(tf.div(logits, temperature));
  // A one-hot product rather than tf.gather, whose gradient is missing on wasm.
  const logProbs = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(targets, 'int32'), V)), -1) as tf.Tensor2D;
  const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D;
  return { logProbs, entropy };
}

// ---------------------------------------------------------------------------------------------
// KL estimators (Schulman, "Approximating KL divergence"), per token, sampled from the policy

export type KlEstimator = 'k1' | 'k3';

/**
 * Per-token estimate of KL(policy || ref) at tokens sampled from the policy.
 *   k1 = logp - logp_ref                      (unbiased, can be negative per token)
 *   k3 = (r - 1) - log r,  r = p_ref / p      (unbiased, always >= 0, lower variance)
 */
export function klPerToken<T extends tf.Tensor>(logp: T, refLogp: T, estimator: KlEstimator = 'k1'): T {
  if (estimator === 'k1') return tf.sub(logp, refLogp) as T;
  const logr = tf.sub(refLogp, logp);
  return tf.sub(tf.sub(tf.exp(logr), 1), logr) as T;
}

/** Number version of klPerToken, for rollouts read back to the CPU. */
export function klValue(logp: number, refLogp: number, estimator: KlEstimator = 'k1'): number {
  if (estimator === 'k1') return logp - refLogp;
  const logr = refLogp - logp;
  return Math.expm1(logr) - logr;
}

// ---------------------------------------------------------------------------------------------
// PPO losses

export interface PolicyLossResult {
  /** masked mean of max(-A * ratio, -A * clip(ratio, 1 - eps, 1 + eps)). */
  loss: tf.Scalar;
  /** Fraction of masked tokens where the clipped term was the larger (TRL's pg_clipfrac). */
  clipfrac: tf.Scalar;
  /** 0.5 * masked mean of (logp - oldLogp)^2 (TRL's approxkl). */
  approxkl: tf.Scalar;
  /** Masked mean of the ratio (TRL's val/ratio), a health check: near 1. */
  ratioMean: tf.Scalar;
}

/**
 * PPO's clipped surrogate (Schulman et al. 2017), as a loss to minimise. The clip on the ratio
 * makes the gradient w.r.t. logp exactly zero where the ratio has left [1-eps, 1+eps] in the
 * direction the advantage pushes it.
 */
export function ppoPolicyLoss(
  logp: tf.Tensor,
  oldLogp: tf.Tensor,
  advantages: tf.Tensor,
  mask: tf.Tensor,
  clipRange: number,
): PolicyLossResult {
  const logRatio = tf.sub(logp, oldLogp);
  const ratio = tf.exp(logRatio);
  const unclipped = tf.mul(tf.neg(advantages), ratio);
  const clipped = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - clipRange, 1 + clipRange));
  const loss = maskedMean(tf.maximum(unclipped, clipped), mask);
  const clipfrac = maskedMean(tf.cast(tf.greater(clipped, unclipped), 'float32'), mask);
  const approxkl = tf.mul(0.5, maskedMean(tf.square(logRatio), mask)) as tf.Scalar;
  const ratioMean = maskedMean(ratio, mask);
  return { loss, clipfrac, approxkl, ratioMean };
}

export interface ValueLossResult {
  /** 0.5 * masked mean of max((v - R)^2, (clip(v, v_old +- eps) - R)^2). */
  loss: tf.Scalar;
  /** Fraction of masked tokens where the clipped error was the larger (TRL's vf_clipfrac). */
  clipfrac: tf.Scalar;
}

/**
 * PPO's clipped value loss: the new value may not move more than `clipRange` from the rollout's.
 * The value is clamped into [old - eps, old + eps] directly rather than as old + clip(v - old):
 * in float32 the latter is not exactly v inside the band, and the rounding made clipfrac count
 * unclipped tokens (2.5% of in-band values near 0 in tests/unit/losses.test.ts).
 */
export function ppoValueLoss(
  values: tf.Tensor,
  oldValues: tf.Tensor,
  returns: tf.Tensor,
  mask: tf.Tensor,
  clipRange: number,
): ValueLossResult {
  const clippedValues = tf.minimum(tf.maximum(values, tf.sub(oldValues, clipRange)), tf.add(oldValues, clipRange));
  const err = tf.square(tf.sub(values, returns));
  const errClipped = tf.square(tf.sub(clippedValues, returns));
  const loss = tf.mul(0.5, maskedMean(tf.maximum(err, errClipped), mask)) as tf.Scalar;
  const clipfrac = maskedMean(tf.cast(tf.greater(errClipped, err), 'float32'), mask);
  return { loss, clipfrac };
}

// ---------------------------------------------------------------------------------------------
// Reward-model ranking loss (InstructGPT, Ouyang et al. 2022, eq. 1)

/** One ranking laid out in a batch: its responses occupy rows from `offset`; its pairs (io/rankings' rankingPairs) index them. */
export interface RankingGroup {
  offset: number;
  pairs: readonly { chosen: number; rejected: number }[];
}

export interface PairTable {
  /** Rows in the scored batch (including padding rows no pair uses). */
  rows: number;
  /** Row index of each pair's preferred response. */
  winners: Int32Array;
  /** Row index of each pair's dispreferred response. */
  losers: Int32Array;
  /** 1 / (rankings with pairs * pairs in this pair's ranking): the loss is a weighted sum. */
  weights: Float32Array;
}

/**
 * Lays out the pairs of several rankings. Each ranking contributes the mean over its pairs and
 * the batch loss is the mean over rankings, so a K=9 ranking weighs as much as a K=2 one and its
 * 36 correlated pairs do not dominate (InstructGPT keeps them together for the same reason).
 */
export function buildPairTable(groups: readonly RankingGroup[], rows: number): PairTable {
  const winners: number[] = [];
  const losers: number[] = [];
  const weights: number[] = [];
  const used = groups.filter((g) => g.pairs.length > 0).length;
  for (const g of groups) {
    for (const { chosen, rejected } of g.pairs) {
      if (g.offset + Math.max(chosen, rejected) >= rows) throw new Error('ranking rows exceed the batch');
      winners.push(g.offset + chosen);
      losers.push(g.offset + rejected);
      weights.push(1 / (used * g.pairs.length));
    }
  }
  return {
    rows,
    winners: Int32Array.from(winners),
    losers: Int32Array.from(losers),
    weights: Float32Array.from(weights),
  };
}

export interface RankingLossResult {
  /** sum over pairs of weight * -log sigmoid(r_w - r_l). */
  loss: tf.Scalar;
  /** Fraction of pairs (unweighted) with r_w > r_l. */
  accuracy: tf.Scalar;
  /** r_w - r_l per pair. */
  margins: tf.Tensor1D;
}

/**
 * The ranking loss on a [rows] vector of scalar rewards. Pairs are picked by a one-hot difference
 * matrix and a matMul rather than tf.gather, whose gradient is missing on wasm.
 */
export function rankingLoss(scores: tf.Tensor1D, table: PairTable): RankingLossResult {
  const n = table.winners.length;
  if (n === 0) throw new Error('rankingLoss: no preference pairs (every ranking is a single tie?)');
  const w = tf.oneHot(tf.tensor1d(table.winners, 'int32'), table.rows);
  const l = tf.oneHot(tf.tensor1d(table.losers, 'int32'), table.rows);
  const select = tf.cast(tf.sub(w, l), 'float32'); // [pairs, rows]: +1 winner, -1 loser
  const margins = tf.reshape(tf.matMul(select, tf.reshape(scores, [table.rows, 1])), [n]) as tf.Tensor1D;
  // -log sigmoid(x) = softplus(-x), stable for large |x|.
  const perPair = tf.softplus(tf.neg(margins));
  const loss = tf.sum(tf.mul(perPair, tf.tensor1d(table.weights))) as tf.Scalar;
  const accuracy = tf.mean(tf.cast(tf.greater(margins, 0), 'float32')) as tf.Scalar;
  return { loss, accuracy, margins };
}

// ---------------------------------------------------------------------------------------------
// KL coefficient controllers (Ziegler et al. 2019)

export interface KlController {
  /** The current beta. */
  readonly value: number;
  /** Adjusts beta after an iteration that measured `currentKl` over `nSteps` samples. */
  update(currentKl: number, nSteps: number): void;
}

/** A constant beta. */
export class FixedKlController implements KlController {
  constructor(public value: number) {}
  update(_currentKl?: number, _nSteps?: number): void {}
}

/**
 * Proportional controller towards a target KL: beta *= 1 + clip(kl / target - 1, -0.2, 0.2) *
 * nSteps / horizon. KL above target raises beta (a tighter leash), below target loosens it.
 */
export class AdaptiveKlController implements KlController {
  value: number;
  readonly target: number;
  readonly horizon: number;

  constructor(initKlCoef: number, target: number, horizon: number) {
    if (!(target > 0) || !(horizon > 0)) throw new Error('AdaptiveKlController: target and horizon must be > 0');
    this.value = initKlCoef;
    this.target = target;
    this.horizon = horizon;
  }

  update(currentKl: number, nSteps: number): void {
    const error = Math.min(0.2, Math.max(-0.2, currentKl / this.target - 1));
    this.value *= 1 + (error * nSteps) / this.horizon;
  }
}
