// PPO against a reward model with a KL penalty to the frozen SFT model (InstructGPT step 3,
// Ziegler et al. 2019), laid out like TRL's PPOTrainer. One step() = one PPO iteration:
//
//   1. rollout: B prompts from the pool, sample responses with the KV cache (generate), score
//      them with the reward function, penalise responses that never produced EOS;
//   2. one no-grad pass of policy, ref and value model over the fixed [B, P+R] batch, read back
//      once: per-token logprobs, ref logprobs, values, entropies;
//   3. per-token reward = -beta * KL_t, plus the score at the last response token (EOS, or the
//      last token when the response was cut at responseLength);
//   4. GAE (gamma 1, lambda 0.95) on the CPU, advantages whitened over the response mask;
//   5. ppoEpochs x miniBatches Adam steps on policy + value: clipped surrogate + vfCoef * clipped
//      value loss (+ ptxCoef * pretraining loss: PPO-ptx);
//   6. the KL controller updates beta.
//
// Conventions (as TRL): the value of response token t is the value head at the position before
// it (the state from which token t is sampled), V(s_t) = head(hidden[P-1+t]); the token after
// the last real response token is terminal, so GAE bootstraps from 0 there, also for a cut-off
// response. Every log-prob (the rollout's, the ref's, the one in the ratio) and the entropy are
// of softmax(logits / temperature), the distribution the tokens were sampled from, as in TRL;
// scored at temperature 1 instead, the ratio's denominator would not be the sampling
// probability and the KL penalty would measure a distribution nobody samples. topK is refused
// for the same reason (the scores would have to be of the truncated distribution).

import * as tf from '@tensorflow/tfjs';
import { PAD } from '../tokenizer';
import { createRng, type Rng } from '../random';
import { generate as defaultGenerate, type SampleOptions, type SampleResult } from '../model/sample';
import type { GPT } from '../model/gpt';
import { assertFinite } from './errors';
import { batchLength, buildLmBatch, createAdam, guardedStep, tokenLoss } from './common';
import type { Adam } from './adam';
import {
  AdaptiveKlController,
  computeGae,
  FixedKlController,
  klValue,
  maskedWhitenArray,
  ppoPolicyLoss,
  ppoValueLoss,
  maskedMean,
  temperedLogProbs,
  type KlController,
  type TemperedLogProbs,
  type KlEstimator,
} from './rl-math';
import type { Metrics, TrainableModel } from './types';

/** Scores of full responses: (prompt ids, response ids incl. EOS) -> one number each. */
export type RewardFn = (prompts: number[][], responses: number[][]) => Promise<number[]>;

/** Sampling with the KV cache; src/lib/model/sample.ts's generate by default. */
export type GenerateFn = (model: GPT, prompts: number[][], options: SampleOptions) => Promise<SampleResult>;

export interface PpoConfig {
  /** Adam step size for policy and value model. Default 3e-5. */
  learningRate: number;
  /** Rollouts (prompts) per iteration. Default 32. */
  batchSize: number;
  /** Minibatches per epoch; batchSize must divide by it. Default 2. */
  miniBatches: number;
  /** Passes over each rollout batch (TRL's num_ppo_epochs). Default 4. */
  ppoEpochs: number;
  /** Prompts are left-padded (or cut from the left) to this many tokens. Default 48. */
  promptLength: number;
  /** Most tokens sampled per response (TRL's response_length). Default 40. */
  responseLength: number;
  /** Sampling temperature, > 0; log-probs, KL and entropy are scored at it too. Default 1.0. */
  temperature: number;
  /**
   * Must be null (sample the full distribution): top-k sampling is refused, since the log-probs
   * are of the full softmax at `temperature`, not of the truncated one. Default null.
   */
  topK: number | null;
  /** Policy ratio clip epsilon (TRL's cliprange). Default 0.2. */
  cliprange: number;
  /** Value clip around the rollout's values (TRL's cliprange_value). Default 0.2. */
  cliprangeValue: number;
  /** Weight of the value loss (TRL's vf_coef). Default 0.1. */
  vfCoef: number;
  /** Discount. Default 1. */
  gamma: number;
  /** GAE lambda (TRL's lam). Default 0.95. */
  lam: number;
  /** KL penalty coefficient beta (initial value when adaptive). Default 0.05. */
  klCoef: number;
  /** 'k1' = logp - logp_ref (default, as TRL), 'k3' = (r - 1) - log r. */
  klEstimator: KlEstimator;
  /**
   * Adaptive beta (Ziegler et al.): target KL per response (summed over tokens, nats) and
   * horizon (in samples). null keeps beta fixed. Default null.
   */
  adaptiveKl: { target: number; horizon: number } | null;
  /** Whiten the per-token rewards before GAE (TRL's whiten_rewards). Default false. */
  whitenRewards: boolean;
  /**
   * Added to the score of a response that did not end with EOS (negative = a penalty; note
   * TRL's missing_eos_penalty is the positive amount subtracted). null disables. Default -1.
   */
  missingEosPenalty: number | null;
  /** When true the penalty replaces the score instead of being added. Default false. */
  missingEosReplace: boolean;
  /** PPO-ptx: weight of the next-token loss on a pretraining batch; 0 disables. Default 0. */
  ptxCoef: number;
  /** Rows of the pretraining batch. Default 16. */
  ptxBatchSize: number;
  /** Fixed length of the pretraining rows. Default 64. */
  ptxLength: number;
  /** Clip gradients (policy and value together) to this global norm; null disables. Default 1.0. */
  maxGradNorm: number | null;
  adamBeta1: number;
  adamBeta2: number;
  /** Default 1e-5 (the PPO baselines' value; more stable than 1e-8 at small gradients). */
  adamEpsilon: number;
  /** Seeds prompt sampling, generation and minibatch shuffling. Default 0. */
  seed: number;
}

export const DEFAULT_PPO_CONFIG: PpoConfig = {
  learningRate: 3e-5,
  batchSize: 32,
  miniBatches: 2,
  ppoEpochs: 4,
  promptLength: 48,
  responseLength: 40,
  temperature: 1.0,
  topK: null,
  cliprange: 0.2,
  cliprangeValue: 0.2,
  vfCoef: 0.1,
  gamma: 1,
  lam: 0.95,
  klCoef: 0.05,
  klEstimator: 'k1',
  adaptiveKl: null,
  whitenRewards: false,
  missingEosPenalty: -1,
  missingEosReplace: false,
  ptxCoef: 0,
  ptxBatchSize: 16,
  ptxLength: 64,
  maxGradNorm: 1.0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-5,
  seed: 0,
};

export interface PpoModels {
  /** The model being trained (starts as the SFT model). */
  policy: GPT;
  /** Frozen SFT model for the KL penalty (a clone; never updated here). */
  ref: TrainableModel;
  /** Value model: initialise from the reward model (pass a clone); trained here. */
  value: TrainableModel;
}

export interface PpoOptions {
  /** Score function, e.g. the reward model's score at EOS. */
  rewardFn: RewardFn;
  /** Prompt pool: token ids (BOS + template + prompt). */
  prompts: readonly number[][];
  /** PPO-ptx: returns token windows (<= ptxLength) of pretraining text for one minibatch. */
  ptxBatch?: () => number[][];
  /** Overrides the sampler (tests). */
  generate?: GenerateFn;
}

/** One iteration's samples, for the UI's sample table. */
export interface PpoSamples {
  prompts: number[][];
  /** Response ids as used (cut to responseLength; EOS included when produced). */
  responses: number[][];
  /** Scores after the missing-EOS penalty (what PPO optimised). */
  scores: number[];
  /** Scores as the reward function gave them. */
  rawScores: number[];
  endedWithEos: boolean[];
  /** KL to the reference, summed over each response's tokens. */
  kl: number[];
}

/**
 * One iteration's per-token quantities, [rows, R] row-major: what the losses were given, kept
 * for diagnostics and for tests that check the trainer's plumbing against hand formulas.
 */
export interface PpoRolloutStats {
  rows: number;
  responseLength: number;
  /** 1 for real response tokens (through EOS). */
  mask: Float32Array;
  /** Policy log-probs of the sampled tokens at the sampling temperature (the ratio's denominator). */
  logprobs: Float32Array;
  /** Reference log-probs, same temperature. */
  refLogprobs: Float32Array;
  /** -beta * KL_t plus the score at the last token, before any reward whitening. */
  rewards: Float32Array;
  /** Value head at the rollout (the value clip's centre). */
  values: Float32Array;
  /** GAE advantages after whitening: what the policy loss used. */
  advantages: Float32Array;
  /** Value targets (advantages before whitening + values). */
  returns: Float32Array;
}

export interface PpoState {
  /** PPO iterations done. */
  step: number;
  /** Responses sampled so far (TRL's episode). */
  episode: number;
  /** Current KL coefficient. */
  beta: number;
}

/** A packed rollout: prompts left-padded to P, responses right-padded to R, row-major. */
export interface PackedRollout {
  rows: number;
  promptLength: number;
  responseLength: number;
  /** [rows, P+R] */
  ids: Int32Array;
  /** [rows, P+R], 1 for real tokens. */
  mask: Float32Array;
  /** [rows, R], 1 for real response tokens (through EOS). */
  responseMask: Float32Array;
  /** Index in [0, R) of each row's last response token (-1 for an empty response). */
  lastIndex: Int32Array;
}

/**
 * Packs prompts and responses into the fixed [rows, P+R] layout. A prompt longer than P keeps
 * its last P tokens (the part next to the answer); a response longer than R is cut.
 */
export function packRollout(prompts: readonly number[][], responses: readonly number[][], promptLength: number, responseLength: number): PackedRollout {
  const rows = prompts.length;
  const L = promptLength + responseLength;
  const ids = new Int32Array(rows * L).fill(PAD);
  const mask = new Float32Array(rows * L);
  const responseMask = new Float32Array(rows * responseLength);
  const lastIndex = new Int32Array(rows).fill(-1);
  for (let b = 0; b < rows; b++) {
    const p = prompts[b].slice(-promptLength);
    const start = promptLength - p.length;
    for (let t = 0; t < p.length; t++) {
      ids[b * L + start + t] = p[t];
      mask[b * L + start + t] = 1;
    }
    const r = responses[b].slice(0, responseLength);
    for (let t = 0; t < r.length; t++) {
      ids[b * L + promptLength + t] = r[t];
      mask[b * L + promptLength + t] = 1;
      responseMask[b * responseLength + t] = 1;
    }
    lastIndex[b] = r.length - 1;
  }
  return { rows, promptLength, responseLength, ids, mask, responseMask, lastIndex };
}

/** Per-row, per-response-token quantities of a rollout, [rows * R] row-major. */
interface RolloutArrays {
  logprobs: Float32Array;
  values: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

/** Columns [from, from + count) of the given rows of a row-major [*, width] array. */
function sliceWindow<A extends Int32Array | Float32Array>(src: A, rows: readonly number[], width: number, from: number, count: number): A {
  const out = (src instanceof Int32Array ? new Int32Array(rows.length * count) : new Float32Array(rows.length * count)) as A;
  rows.forEach((r, i) => out.set(src.subarray(r * width + from, r * width + from + count), i * count));
  return out;
}

/** Rows of a packed rollout and how many prompt and response columns of them to keep. */
export interface RolloutWindow {
  rows: number[];
  prompt: number;
  response: number;
}

/**
 * The part of a packed rollout that some of `rows` use: the last `prompt` prompt columns and the
 * first `response` response columns, each its rows' longest rounded up to LENGTH_STEP. Columns
 * left of it are padding in every row (positions count real tokens only) and columns right of
 * it come after every row's last token (attention is causal), so dropping them changes no
 * number. One long prompt or answer sets the width of its whole minibatch.
 */
export function rolloutWindow(packed: PackedRollout, rows: readonly number[]): RolloutWindow {
  const { promptLength: P, responseLength: R } = packed;
  const L = P + R;
  let prompt = 1;
  let response = 1;
  for (const r of rows) {
    let firstReal = 0;
    while (firstReal < P && packed.mask[r * L + firstReal] === 0) firstReal++;
    prompt = Math.max(prompt, P - firstReal);
    response = Math.max(response, packed.lastIndex[r] + 1);
  }
  return { rows: [...rows], prompt: batchLength(prompt, P), response: batchLength(response, R) };
}

/** ids and mask [rows, prompt + response] of a rollout window (as tensors). */
function windowInputs(packed: PackedRollout, w: RolloutWindow): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const L = packed.promptLength + packed.responseLength;
  const from = packed.promptLength - w.prompt;
  const width = w.prompt + w.response;
  return {
    ids: tf.tensor2d(sliceWindow(packed.ids, w.rows, L, from, width), [w.rows.length, width], 'int32'),
    mask: tf.tensor2d(sliceWindow(packed.mask, w.rows, L, from, width), [w.rows.length, width]),
  };
}

/** A [rows, R] per-response-token array cut to a window, as a tensor [rows, response]. */
function windowTokens(src: Float32Array, packed: PackedRollout, w: RolloutWindow): tf.Tensor2D {
  return tf.tensor2d(sliceWindow(src, w.rows, packed.responseLength, 0, w.response), [w.rows.length, w.response]);
}

/**
 * Log-probs and entropies [rows, response] of a window's response tokens at the sampling
 * temperature. The value at window column prompt - 1 + t predicts response token t.
 */
function responseLogProbs(model: TrainableModel, ids: tf.Tensor2D, mask: tf.Tensor2D, w: RolloutWindow, temperature: number): TemperedLogProbs {
  const { logits } = model.forward(ids, mask);
  const n = w.rows.length;
  const predicting = tf.slice(logits, [0, w.prompt - 1, 0], [n, w.response, logits.shape[2]]);
  const targets = tf.slice(ids, [0, w.prompt], [n, w.response]);
  return temperedLogProbs(predicting, targets, temperature);
}

export class PpoTrainer {
  readonly config: PpoConfig;
  readonly state: PpoState;
  /** The last iteration's samples (null before the first step). */
  lastSamples: PpoSamples | null = null;
  /** The last iteration's per-token rollout (null before the first step). */
  lastRollout: PpoRolloutStats | null = null;
  private readonly models: PpoModels;
  private readonly options: PpoOptions;
  private readonly generateFn: GenerateFn;
  private readonly optimizer: Adam;
  private readonly kl: KlController;
  private readonly rng: Rng;
  private promptOrder: number[] = [];
  private promptCursor = 0;

  constructor(models: PpoModels, options: PpoOptions, config: Partial<PpoConfig> = {}) {
    this.config = { ...DEFAULT_PPO_CONFIG, ...config };
    const c = this.config;
    if (c.batchSize % c.miniBatches !== 0) throw new Error(`batchSize ${c.batchSize} must divide by miniBatches ${c.miniBatches}`);
    if (!(c.temperature > 0) || !Number.isFinite(c.temperature)) {
      throw new Error(`PpoTrainer: temperature must be a positive number (got ${c.temperature}); greedy decoding has no log-probs to form the PPO ratio`);
    }
    if (c.topK != null) {
      throw new Error(`PpoTrainer: topK must be null (got ${c.topK}): PPO scores tokens under the full softmax at the sampling temperature, which top-k sampling does not draw from`);
    }
    if (options.prompts.length === 0) throw new Error('PpoTrainer: empty prompt pool');
    if (models.policy === models.ref || models.value === models.ref) throw new Error('PpoTrainer: ref must be a separate (frozen) copy');
    this.models = models;
    this.options = options;
    this.generateFn = options.generate ?? defaultGenerate;
    this.optimizer = createAdam(c);
    this.kl = c.adaptiveKl ? new AdaptiveKlController(c.klCoef, c.adaptiveKl.target, c.adaptiveKl.horizon) : new FixedKlController(c.klCoef);
    this.rng = createRng(c.seed);
    this.state = { step: 0, episode: 0, beta: this.kl.value };
  }

  private nextPrompts(n: number): number[][] {
    const out: number[][] = [];
    while (out.length < n) {
      if (this.promptCursor >= this.promptOrder.length) {
        this.promptOrder = this.rng.shuffle(this.options.prompts.map((_, i) => i));
        this.promptCursor = 0;
      }
      out.push(this.options.prompts[this.promptOrder[this.promptCursor++]]);
    }
    return out;
  }

  /** Logprobs, entropies (of the policy), ref logprobs and values, [rows, R] each, in one readback. */
  private async rolloutForward(packed: PackedRollout): Promise<{ logprobs: Float32Array; ref: Float32Array; values: Float32Array; entropy: Float32Array }> {
    const { rows, responseLength: R } = packed;
    const w = rolloutWindow(packed, Array.from({ length: rows }, (_, i) => i));
    const stacked = tf.tidy(() => {
      const { ids, mask } = windowInputs(packed, w);
      const t = this.config.temperature;
      const pol = responseLogProbs(this.models.policy, ids, mask, w, t);
      const ref = responseLogProbs(this.models.ref, ids, mask, w, t);
      const { hidden } = this.models.value.forward(ids, mask);
      const values = tf.slice(this.models.value.scalar(hidden), [0, w.prompt - 1], [rows, w.response]);
      return tf.stack([pol.logProbs, ref.logProbs, values, pol.entropy]);
    });
    const data = await stacked.data();
    stacked.dispose();
    // Back to [rows, R]; columns past the window are after every response's end (zeros).
    const part = (k: number): Float32Array => {
      const out = new Float32Array(rows * R);
      for (let b = 0; b < rows; b++) {
        const at = (k * rows + b) * w.response;
        out.set(data.subarray(at, at + w.response), b * R);
      }
      return out;
    };
    return { logprobs: part(0), ref: part(1), values: part(2), entropy: part(3) };
  }

  /** One PPO iteration. Metrics use TRL's names; see the file header for what each step does. */
  async step(): Promise<Metrics> {
    const c = this.config;
    const iteration = this.state.step + 1;
    const B = c.batchSize;
    const R = c.responseLength;
    const P = c.promptLength;
    const beta = this.kl.value;

    // 1. Rollout. Prompts are cut to their last P tokens and padded to P: fixed shapes.
    const prompts = this.nextPrompts(B).map((p) => p.slice(-P));
    const gen = await this.generateFn(this.models.policy, prompts, {
      maxNewTokens: R,
      temperature: c.temperature,
      seed: this.rng.int(2 ** 31),
      promptLen: P,
    });
    const responses = gen.responses.map((r) => r.slice(0, R));
    const rawScores = await this.options.rewardFn(prompts, responses);
    if (rawScores.length !== B) throw new Error(`rewardFn returned ${rawScores.length} scores for ${B} responses`);
    const scores = rawScores.map((s, b) => {
      if (gen.endedWithEos[b] || c.missingEosPenalty == null) return s;
      return c.missingEosReplace ? c.missingEosPenalty : s + c.missingEosPenalty;
    });
    scores.forEach((s, b) => assertFinite('ppo', iteration, { [`score[${b}]`]: s }));

    // 2. No-grad pass.
    const packed = packRollout(prompts, responses, P, R);
    const fwd = await this.rolloutForward(packed);
    const mask = packed.responseMask;

    // 3. Per-token rewards.
    const kl = new Float32Array(B * R);
    const rewards = new Float32Array(B * R);
    const klSums = new Array<number>(B).fill(0);
    let entropySum = 0;
    for (let i = 0; i < B * R; i++) {
      if (!(mask[i] > 0)) continue;
      kl[i] = klValue(fwd.logprobs[i], fwd.ref[i], c.klEstimator);
      rewards[i] = -beta * kl[i];
      klSums[Math.floor(i / R)] += kl[i];
      entropySum += fwd.entropy[i];
    }
    for (let b = 0; b < B; b++) if (packed.lastIndex[b] >= 0) rewards[b * R + packed.lastIndex[b]] += scores[b];
    const values = new Float32Array(B * R);
    for (let i = 0; i < B * R; i++) values[i] = mask[i] > 0 ? fwd.values[i] : 0;

    // 4. GAE and whitening.
    const shapedRewards = c.whitenRewards ? maskedWhitenArray(rewards, mask, false) : rewards;
    const gae = computeGae(shapedRewards, values, mask, B, R, c.gamma, c.lam);
    const rollout: RolloutArrays = {
      logprobs: fwd.logprobs,
      values,
      advantages: maskedWhitenArray(gae.advantages, mask),
      returns: gae.returns,
    };
    const tokens = mask.reduce((a, b) => a + b, 0);
    const meanScore = scores.reduce((a, b) => a + b, 0) / B;
    const meanKl = klSums.reduce((a, b) => a + b, 0) / B;
    // Per-response sums averaged over the batch, as TRL reports them (objective/entropy uses the
    // exact entropy of each next-token distribution where TRL uses -logprob of the sampled token).
    const rolloutMetrics: Metrics = {
      'objective/scores': meanScore,
      'objective/kl': meanKl,
      'objective/non_score_reward': -beta * meanKl,
      'objective/rlhf_reward': meanScore - beta * meanKl,
      'objective/entropy': entropySum / B,
      'objective/beta': beta,
      'objective/response_length': tokens / B,
      'val/mean': tokens > 0 ? rollout.values.reduce((a, v, i) => a + v * mask[i], 0) / tokens : 0,
      eos_rate: gen.endedWithEos.filter(Boolean).length / B,
    };
    assertFinite('ppo', iteration, rolloutMetrics);

    // 5. Optimisation.
    const train = await this.optimise(packed, rollout, iteration);

    // 6. Bookkeeping.
    this.kl.update(meanKl, B);
    this.state.step = iteration;
    this.state.episode += B;
    this.state.beta = this.kl.value;
    this.lastSamples = { prompts, responses, scores, rawScores, endedWithEos: [...gen.endedWithEos], kl: klSums };
    this.lastRollout = { rows: B, responseLength: R, mask, refLogprobs: fwd.ref, rewards, ...rollout };
    return { ...rolloutMetrics, ...train, lr: c.learningRate, episode: this.state.episode };
  }

  private async optimise(packed: PackedRollout, rollout: RolloutArrays, iteration: number): Promise<Metrics> {
    const c = this.config;
    const { rows } = packed;
    const mb = rows / c.miniBatches;
    const usePtx = c.ptxCoef > 0 && this.options.ptxBatch !== undefined;
    const names = ['pg_loss', 'vf_loss', 'clipfrac', 'approxkl', 'vf_clipfrac', 'entropy', 'ratio', ...(usePtx ? ['ptx_loss'] : [])];
    const sums = new Map<string, number>(names.map((n) => [n, 0]));
    let gradNormSum = 0;
    let updates = 0;
    const variables = [...this.models.policy.trainableVariables(), ...this.models.value.trainableVariables()];
    for (let epoch = 0; epoch < c.ppoEpochs; epoch++) {
      const perm = this.rng.shuffle(Array.from({ length: rows }, (_, i) => i));
      for (let m = 0; m < c.miniBatches; m++) {
        const w = rolloutWindow(packed, perm.slice(m * mb, (m + 1) * mb));
        const ptx = usePtx && this.options.ptxBatch ? this.options.ptxBatch().slice(0, c.ptxBatchSize) : null;
        const ptxBatch = ptx ? buildLmBatch(ptx, ptx.map(() => 1), c.ptxBatchSize, c.ptxLength) : null;
        const metrics = await guardedStep({
          optimizer: this.optimizer,
          variables,
          metricNames: names,
          maxGradNorm: c.maxGradNorm,
          stage: 'ppo',
          step: iteration,
          lossFn: () => {
            const { ids, mask } = windowInputs(packed, w);
            const rmask = windowTokens(packed.responseMask, packed, w);
            const oldLogp = windowTokens(rollout.logprobs, packed, w);
            const oldValues = windowTokens(rollout.values, packed, w);
            const adv = windowTokens(rollout.advantages, packed, w);
            const ret = windowTokens(rollout.returns, packed, w);
            const take = (x: tf.Tensor2D): tf.Tensor2D => tf.slice(x, [0, w.prompt - 1], [mb, w.response]);
            const pol = responseLogProbs(this.models.policy, ids, mask, w, c.temperature);
            const pg = ppoPolicyLoss(pol.logProbs, oldLogp, adv, rmask, c.cliprange);
            const { hidden } = this.models.value.forward(ids, mask);
            const vpred = take(this.models.value.scalar(hidden));
            const vf = ppoValueLoss(vpred, oldValues, ret, rmask, c.cliprangeValue);
            const loss = tf.add(pg.loss, tf.mul(c.vfCoef, vf.loss)) as tf.Scalar;
            const entropy = maskedMean(pol.entropy, rmask);
            return { loss, metrics: [pg.loss, vf.loss, pg.clipfrac, pg.approxkl, vf.clipfrac, entropy, pg.ratioMean] };
          },
          // PPO-ptx: ptxCoef times the next-token loss on pretraining text, in its own backward pass.
          addedLossFn: ptxBatch
            ? () => {
                const pIds = tf.tensor2d(ptxBatch.ids, [ptxBatch.rows, ptxBatch.length], 'int32');
                const pMask = tf.tensor2d(ptxBatch.mask, [ptxBatch.rows, ptxBatch.length]);
                const { logits } = this.models.policy.forward(pIds, pMask);
                const ptxLoss = tokenLoss(
                  logits,
                  tf.tensor2d(ptxBatch.targets, [ptxBatch.rows, ptxBatch.length], 'int32'),
                  tf.tensor2d(ptxBatch.weights, [ptxBatch.rows, ptxBatch.length]),
                ).loss;
                return { loss: tf.mul(c.ptxCoef, ptxLoss) as tf.Scalar, metrics: [ptxLoss] };
              }
            : undefined,
        });
        for (const n of names) sums.set(n, (sums.get(n) ?? 0) + metrics[n]);
        gradNormSum += metrics.grad_norm;
        updates++;
      }
    }
    const avg = (n: string): number => (sums.get(n) ?? 0) / Math.max(updates, 1);
    const out: Metrics = {
      'loss/policy_avg': avg('pg_loss'),
      'loss/value_avg': avg('vf_loss'),
      'policy/clipfrac_avg': avg('clipfrac'),
      'policy/approxkl_avg': avg('approxkl'),
      'policy/entropy_avg': avg('entropy'),
      'val/clipfrac_avg': avg('vf_clipfrac'),
      'val/ratio': avg('ratio'),
      grad_norm: gradNormSum / Math.max(updates, 1),
    };
    if (usePtx) out['loss/ptx_avg'] = avg('ptx_loss');
    return out;
  }

  /** The current beta (after the last iteration's controller update). */
  get beta(): number {
    return this.kl.value;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
