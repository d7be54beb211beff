// Reward model (InstructGPT step 2). A GPT initialised from the SFT weights (the caller clones it)
// whose scalar head, read at the last real token of prompt + response (EOS when the response has
// one), is the reward. Each ranking of K responses contributes all its C(K,2) pairs as one batch
// element: the loss is the mean over rankings of the mean over their pairs of
// -log sigmoid(r_w - r_l), so no ranking's pairs are split across batches (InstructGPT §3.5).
//
// A ranking's pairs are io/rankings.ts's rankingPairs over its tiers, with the responses compared
// as the rows the model reads (prompt + response, cut to maxLength): tied responses, and
// responses that are identical once cut (or identical to begin with), give no pair. Rankings
// left with no pair are dropped before training; if none remains, step() refuses with a
// TrainingError.

import * as tf from '@tensorflow/tfjs';
import { PAD } from '../tokenizer';
import { createRng } from '../random';
import { EpochSampler } from './epochs';
import { batchLength, createAdam, guardedStep } from './common';
import type { Adam } from './adam';
import { orderProblem, rankingPairs, type PreferencePair } from '../io/rankings';
import { TrainingError } from './errors';
import { buildPairTable, rankingLoss, type PairTable } from './rl-math';
import type { Metrics, TrainableModel } from './types';

/**
 * One ranking in token ids: K responses to one prompt and their order, best first, with ties.
 * (The text-level, persisted form with tiers is io/rankings.ts's Ranking; rankingFromTiers
 * converts, tokenRankingTiers converts back, and tokenRankingPairs lists what the loss sees.)
 */
export interface TokenRanking {
  /** Prompt token ids (BOS + template + prompt, as encodePrompt gives). */
  prompt: number[];
  /** Response token ids (EOS included when the response has one). */
  responses: number[][];
  /** Indices into `responses`, best first. */
  order: number[];
  /** Optional: ties[j] true means order[j] and order[j+1] are equally good (length K-1). */
  ties?: boolean[];
}

/** Builds a TokenRanking from tiers (best tier first, e.g. [[2], [0, 3], [1]]: 0 and 3 tied). */
export function rankingFromTiers(prompt: number[], responses: number[][], tiers: readonly (readonly number[])[]): TokenRanking {
  const order = tiers.flat();
  const ties: boolean[] = [];
  for (const tier of tiers) for (let j = 0; j < tier.length; j++) ties.push(j + 1 < tier.length);
  ties.pop(); // the last entry would link the final response to nothing
  return { prompt, responses, order, ties };
}

/** The tiers of a token ranking, best first: order split where ties[j] is false. */
export function tokenRankingTiers(r: Pick<TokenRanking, 'order' | 'ties'>): number[][] {
  const tiers: number[][] = [];
  r.order.forEach((index, j) => {
    if (j > 0 && r.ties?.[j - 1]) tiers[tiers.length - 1].push(index);
    else tiers.push([index]);
  });
  return tiers;
}

/**
 * The pairs a token ranking gives the reward model: rankingPairs over its tiers, the responses
 * compared as the rows the model reads (prompt + response cut to `maxLength` tokens). Two
 * responses that are the same row, from the start or once cut, get the same reward whatever the
 * weights are: they are tied, and give no pair.
 */
export function tokenRankingPairs(r: TokenRanking, maxLength = Infinity): PreferencePair[] {
  const rows = r.responses.map((resp) => [...r.prompt, ...resp].slice(0, maxLength));
  return rankingPairs({ order: tokenRankingTiers(r), responses: rows });
}

/** A training ranking with its pairs, worked out once. */
interface PreparedRanking {
  ranking: TokenRanking;
  pairs: PreferencePair[];
}

export interface RewardConfig {
  /** Adam step size. Default 1e-4. */
  learningRate: number;
  /** Rankings per step (each with all its pairs). Default 8. */
  batchSize: number;
  /** Most responses a ranking may have (K); fixes the batch at batchSize * maxResponses rows. Default 4. */
  maxResponses: number;
  /** Longest prompt + response; longer sequences are cut (batches pad to their own longest). Default 128. */
  maxLength: number;
  /** Clip gradients to this global norm; null disables. Default 1.0. */
  maxGradNorm: number | null;
  /**
   * TRL's center_rewards_coefficient: adds coef * mean(r^2) to keep rewards centred. Default
   * null (off): calibrate() centres on demonstrations instead, as InstructGPT did.
   */
  centerRewardsCoefficient: number | null;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  /** Seeds the shuffling. Default 0. */
  seed: number;
}

export const DEFAULT_REWARD_CONFIG: RewardConfig = {
  learningRate: 1e-4,
  batchSize: 8,
  maxResponses: 4,
  maxLength: 128,
  maxGradNorm: 1.0,
  centerRewardsCoefficient: null,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  seed: 0,
};

/** A model with a scalar head whose bias ('scalar.b', shape [1], as GPT names it) calibrate() can move. */
export interface RewardModel extends TrainableModel {
  readonly weights: ReadonlyMap<string, tf.Variable>;
}

export interface RewardTrainerState {
  step: number;
  /** Fractional passes over the rankings. */
  epoch: number;
}

/** Rows of prompt + response, right-padded, with the position of each row's last token. */
export interface ScoredRows {
  rows: number;
  length: number;
  ids: Int32Array;
  mask: Float32Array;
  /** Index of the last real token of each row (where the reward is read). */
  positions: Int32Array;
}

/**
 * Packs (prompt, response) pairs into [rows, T], T = batchLength(longest pair, maxLength); longer
 * pairs are cut to maxLength. Rows past `pairs.length` are one-token filler.
 */
export function packScoredRows(pairs: ReadonlyArray<readonly [readonly number[], readonly number[]]>, rows: number, maxLength: number): ScoredRows {
  if (pairs.length > rows) throw new Error(`packScoredRows: ${pairs.length} sequences for ${rows} rows`);
  const length = batchLength(Math.max(1, ...pairs.map(([p, r]) => p.length + r.length)), maxLength);
  const ids = new Int32Array(rows * length).fill(PAD);
  const mask = new Float32Array(rows * length);
  const positions = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const pair = pairs[r];
    const seq = pair ? [...pair[0], ...pair[1]].slice(0, length) : [PAD];
    for (let t = 0; t < seq.length; t++) {
      ids[r * length + t] = seq[t];
      mask[r * length + t] = 1;
    }
    positions[r] = seq.length - 1;
  }
  return { rows, length, ids, mask, positions };
}

export class RewardTrainer {
  readonly config: RewardConfig;
  readonly state: RewardTrainerState = { step: 0, epoch: 0 };
  private readonly model: RewardModel;
  private readonly rankings: EpochSampler<PreparedRanking>;
  private readonly optimizer: Adam;
  private given = 0;

  constructor(model: RewardModel, rankings: readonly TokenRanking[], config: Partial<RewardConfig> = {}) {
    this.config = { ...DEFAULT_REWARD_CONFIG, ...config };
    this.model = model;
    this.rankings = new EpochSampler<PreparedRanking>([], createRng(this.config.seed));
    this.setRankings(rankings);
    this.optimizer = createAdam(this.config);
  }

  private get rows(): number {
    return this.config.batchSize * this.config.maxResponses;
  }

  /**
   * Replaces the training rankings (rounds: the RM retrains on all rankings so far). Rankings
   * that give no pair (all tied, or responses identical once cut to maxLength) are dropped:
   * they would only dilute the batch. If none remains, step() refuses with a TrainingError.
   */
  setRankings(rankings: readonly TokenRanking[]): void {
    for (const r of rankings) validateRanking(r, this.config.maxResponses);
    if (rankings.length === 0) throw new Error('RewardTrainer: no rankings');
    this.given = rankings.length;
    this.rankings.reset(this.prepare(rankings));
  }

  /** How many rankings training draws from (those with at least one pair). */
  get rankingCount(): number {
    return this.rankings.size;
  }

  /** How many of the rankings last given were dropped for giving no pair. */
  get droppedRankings(): number {
    return this.given - this.rankings.size;
  }

  private prepare(rankings: readonly TokenRanking[]): PreparedRanking[] {
    return rankings
      .map((ranking) => ({ ranking, pairs: tokenRankingPairs(ranking, this.config.maxLength) }))
      .filter((p) => p.pairs.length > 0);
  }

  /** Lays rankings out as rows (each ranking's responses contiguous) plus their pair table. */
  private layout(batch: readonly PreparedRanking[]): { packed: ScoredRows; table: PairTable } {
    const rows: Array<[number[], number[]]> = [];
    const groups = batch.map(({ ranking, pairs }) => {
      const offset = rows.length;
      for (const resp of ranking.responses) rows.push([ranking.prompt, resp]);
      return { offset, pairs };
    });
    return { packed: packScoredRows(rows, this.rows, this.config.maxLength), table: buildPairTable(groups, this.rows) };
  }

  /** Rewards [rows] of packed rows (call inside tidy or a gradient function). */
  private rewards(p: ScoredRows): tf.Tensor1D {
    const ids = tf.tensor2d(p.ids, [p.rows, p.length], 'int32');
    const mask = tf.tensor2d(p.mask, [p.rows, p.length]);
    const { hidden } = this.model.forward(ids, mask);
    return this.model.scalarAt(hidden, tf.tensor1d(p.positions, 'int32'));
  }

  /** One step on a batch of rankings. Metrics: loss, accuracy, margin, mean_reward, grad_norm, learning_rate, epoch. */
  async step(): Promise<Metrics> {
    if (this.rankings.size === 0) {
      throw new TrainingError(
        'reward',
        this.state.step + 1,
        `none of the ${this.given} rankings has an ordered pair to learn from (every one is a single tie: all its responses tied, ` +
          `or identical once cut to ${this.config.maxLength} tokens); rank some responses above others`,
      );
    }
    const batch = this.rankings.next(this.config.batchSize);
    const { packed, table } = this.layout(batch);
    const used = batch.reduce((n, p) => n + p.ranking.responses.length, 0);
    const rowMask = Float32Array.from({ length: this.rows }, (_, i) => (i < used ? 1 : 0));
    const coef = this.config.centerRewardsCoefficient;
    const m = await guardedStep({
      optimizer: this.optimizer,
      variables: this.model.trainableVariables(),
      lossFn: () => {
        const r = this.rewards(packed);
        const out = rankingLoss(r, table);
        const rm = tf.tensor1d(rowMask);
        const meanReward = tf.div(tf.sum(tf.mul(r, rm)), used) as tf.Scalar;
        let loss = out.loss;
        if (coef != null && coef > 0) loss = tf.add(loss, tf.mul(coef, tf.div(tf.sum(tf.mul(tf.square(r), rm)), used))) as tf.Scalar;
        return { loss, metrics: [out.accuracy, tf.mean(out.margins) as tf.Scalar, meanReward] };
      },
      metricNames: ['accuracy', 'margin', 'mean_reward'],
      maxGradNorm: this.config.maxGradNorm,
      stage: 'reward',
      step: this.state.step + 1,
    });
    this.state.step++;
    this.state.epoch = (this.state.step * this.config.batchSize) / this.rankings.size;
    return { ...m, learning_rate: this.config.learningRate, epoch: this.state.epoch };
  }

  /**
   * Held-out pairwise accuracy and loss (no update): { 'eval/accuracy' (fraction of all pairs
   * ordered right), 'eval/loss' (mean over rankings of their mean pair loss), 'eval/pairs' }.
   */
  async evaluate(rankings: readonly TokenRanking[]): Promise<Metrics> {
    rankings.forEach((r) => validateRanking(r, this.config.maxResponses));
    const prepared = this.prepare(rankings);
    let correct = 0;
    let pairs = 0;
    let lossSum = 0;
    for (let i = 0; i < prepared.length; i += this.config.batchSize) {
      const batch = prepared.slice(i, i + this.config.batchSize);
      const { packed, table } = this.layout(batch);
      const n = table.winners.length;
      const out = tf.tidy(() => {
        const res = rankingLoss(this.rewards(packed), table);
        return tf.stack([res.loss, res.accuracy]);
      });
      const [loss, acc] = await out.data();
      out.dispose();
      correct += acc * n;
      pairs += n;
      // The batch loss is a mean over its rankings (all have pairs); re-weight to a global mean.
      lossSum += loss * batch.length;
    }
    return {
      'eval/accuracy': pairs > 0 ? correct / pairs : NaN,
      'eval/loss': prepared.length > 0 ? lossSum / prepared.length : NaN,
      'eval/pairs': pairs,
    };
  }

  /** The reward of each (prompt, response), read at the last real token. */
  async score(prompts: readonly number[][], responses: readonly number[][]): Promise<number[]> {
    return scoreWithModel(this.model, prompts, responses, this.rows, this.config.maxLength);
  }

  /**
   * Shifts the scalar head's bias so that `demonstrations` score mean 0 (InstructGPT normalises
   * the RM so labeler demonstrations average 0 before RL). Returns the mean before the shift.
   */
  async calibrate(demonstrations: ReadonlyArray<{ prompt: number[]; response: number[] }>): Promise<number> {
    if (demonstrations.length === 0) throw new Error('calibrate: no demonstrations');
    const s = await this.score(
      demonstrations.map((d) => d.prompt),
      demonstrations.map((d) => d.response),
    );
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const bias = this.model.weights.get('scalar.b');
    if (bias === undefined) throw new Error("calibrate: the model has no 'scalar.b' weight");
    tf.tidy(() => bias.assign(tf.sub(bias, mean)));
    return mean;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Scores (prompt, response) pairs with any scalar-head model in batches of `rows` (see packScoredRows). */
export async function scoreWithModel(
  model: TrainableModel,
  prompts: readonly number[][],
  responses: readonly number[][],
  rows: number,
  maxLength: number,
): Promise<number[]> {
  if (prompts.length !== responses.length) throw new Error('score: prompts and responses differ in number');
  const out: number[] = [];
  for (let i = 0; i < prompts.length; i += rows) {
    const pairs = prompts.slice(i, i + rows).map((p, j) => [p, responses[i + j]] as const);
    const packed = packScoredRows(pairs, rows, maxLength);
    const r = tf.tidy(() => {
      const ids = tf.tensor2d(packed.ids, [rows, packed.length], 'int32');
      const mask = tf.tensor2d(packed.mask, [rows, packed.length]);
      const { hidden } = model.forward(ids, mask);
      return model.scalarAt(hidden, tf.tensor1d(packed.positions, 'int32'));
    });
    const data = await r.data();
    r.dispose();
    for (let j = 0; j < pairs.length; j++) out.push(data[j]);
  }
  return out;
}

function validateRanking(r: TokenRanking, maxResponses: number): void {
  const k = r.responses.length;
  if (k < 2) throw new Error(`a ranking needs at least 2 responses, got ${k}`);
  if (k > maxResponses) throw new Error(`a ranking has ${k} responses; maxResponses is ${maxResponses}`);
  if (r.ties && r.ties.length !== k - 1) throw new Error(`ranking ties must have ${k - 1} entries`);
  // The same check of an order as the importer's (io/rankings.ts orderProblem).
  const problem = orderProblem(tokenRankingTiers(r), k);
  if (problem) throw new Error(`ranking order ${JSON.stringify(r.order)} is not a permutation of 0..${k - 1}: ${problem}`);
}
