// Supervised fine-tuning (InstructGPT step 1): next-token loss on the demonstration's response
// tokens only; the prompt is context, never a target (TRL's completion_only_loss). The same
// machinery with every token weighted is the pretraining trainer (pretrain.ts).

import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { EpochSampler } from './epochs';
import { buildLmBatch, createAdam, guardedStep, tokenLoss, type LmBatch } from './common';
import type { Adam } from './adam';
import type { Metrics, TrainableModel } from './types';

/** One demonstration: BOS + prompt template + response + EOS, and where the response starts. */
export interface SftExample {
  ids: number[];
  responseStart: number;
}

export interface SftConfig {
  /** Adam step size. Default 3e-4 (a ~1M-parameter char model; TRL's 2e-5 is for billions). */
  learningRate: number;
  /** Sequences per step. Default 16. */
  batchSize: number;
  /** Longest sequence; longer examples are cut (batches pad to their own longest). Default 128. */
  maxLength: number;
  /** Clip gradients to this global norm; null disables. Default 1.0 (TRL's max_grad_norm). */
  maxGradNorm: number | null;
  /** Loss on response tokens only (true) or on every token (false). Default true. */
  completionOnlyLoss: boolean;
  /** Adam beta1. Default 0.9. */
  adamBeta1: number;
  /** Adam beta2. Default 0.999. */
  adamBeta2: number;
  /** Adam epsilon. Default 1e-8. */
  adamEpsilon: number;
  /** Seeds the shuffling. Default 0. */
  seed: number;
}

export const DEFAULT_SFT_CONFIG: SftConfig = {
  learningRate: 3e-4,
  batchSize: 16,
  maxLength: 128,
  maxGradNorm: 1.0,
  completionOnlyLoss: true,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  seed: 0,
};

export interface LmTrainerState {
  /** Optimisation steps taken. */
  step: number;
  /** Fractional passes over the training examples. */
  epoch: number;
  /** Loss-bearing tokens seen (TRL's num_tokens counts all tokens; this counts the trained ones). */
  numTokens: number;
}

/** Builds the batch of `examples` (SFT weighting or all tokens), padded to its longest example. */
export function buildSftBatch(examples: readonly SftExample[], rows: number, maxLength: number, completionOnly = true): LmBatch {
  return buildLmBatch(
    examples.map((e) => e.ids),
    examples.map((e) => (completionOnly ? e.responseStart : 1)),
    rows,
    maxLength,
  );
}

function batchTensors(b: LmBatch): { ids: tf.Tensor2D; mask: tf.Tensor2D; targets: tf.Tensor2D; weights: tf.Tensor2D } {
  return {
    ids: tf.tensor2d(b.ids, [b.rows, b.length], 'int32'),
    mask: tf.tensor2d(b.mask, [b.rows, b.length]),
    targets: tf.tensor2d(b.targets, [b.rows, b.length], 'int32'),
    weights: tf.tensor2d(b.weights, [b.rows, b.length]),
  };
}

/**
 * Next-token trainer over a fixed list of examples: seeded shuffling, one epoch after another.
 * `step()` takes one Adam step; `evaluate()` gives the exact token-mean loss on held-out data.
 */
export class SftTrainer {
  readonly config: SftConfig;
  readonly state: LmTrainerState = { step: 0, epoch: 0, numTokens: 0 };
  protected readonly stage: string = 'sft';
  private readonly model: TrainableModel;
  private readonly examples: EpochSampler<SftExample>;
  private readonly optimizer: Adam;

  constructor(model: TrainableModel, examples: readonly SftExample[], config: Partial<SftConfig> = {}) {
    this.config = { ...DEFAULT_SFT_CONFIG, ...config };
    if (examples.length === 0) throw new Error('SftTrainer: no training examples');
    this.model = model;
    this.examples = new EpochSampler(examples, createRng(this.config.seed));
    this.optimizer = createAdam(this.config);
  }

  /** Replaces the training set (e.g. new demonstrations); the optimiser state is kept. */
  setExamples(examples: readonly SftExample[]): void {
    if (examples.length === 0) throw new Error('SftTrainer: no training examples');
    this.examples.reset(examples);
  }

  /** One optimisation step. Metrics: loss, grad_norm, mean_token_accuracy, learning_rate, epoch, num_tokens. */
  async step(): Promise<Metrics> {
    const batch = buildSftBatch(this.examples.next(this.config.batchSize), this.config.batchSize, this.config.maxLength, this.config.completionOnlyLoss);
    const t = batchTensors(batch);
    try {
      const m = await guardedStep({
        optimizer: this.optimizer,
        variables: this.model.trainableVariables(),
        lossFn: () => {
          const { logits } = this.model.forward(t.ids, t.mask);
          const l = tokenLoss(logits, t.targets, t.weights);
          return { loss: l.loss, metrics: [l.accuracy] };
        },
        metricNames: ['mean_token_accuracy'],
        maxGradNorm: this.config.maxGradNorm,
        stage: this.stage,
        step: this.state.step + 1,
      });
      this.state.step++;
      this.state.numTokens += batch.weights.reduce((a, b) => a + b, 0);
      this.state.epoch = (this.state.step * this.config.batchSize) / this.examples.size;
      return { ...m, learning_rate: this.config.learningRate, epoch: this.state.epoch, num_tokens: this.state.numTokens };
    } finally {
      tf.dispose([t.ids, t.mask, t.targets, t.weights]);
    }
  }

  /**
   * Token-mean loss and accuracy over `examples` (no update), in batches of batchSize:
   * { 'eval/loss', 'eval/mean_token_accuracy' }. Reads back once per batch.
   */
  async evaluate(examples: readonly SftExample[]): Promise<Metrics> {
    let sum = 0;
    let hits = 0;
    let count = 0;
    const B = this.config.batchSize;
    for (let i = 0; i < examples.length; i += B) {
      const batch = buildSftBatch(examples.slice(i, i + B), B, this.config.maxLength, this.config.completionOnlyLoss);
      const w = batch.weights.reduce((a, b) => a + b, 0);
      const out = tf.tidy(() => {
        const t = batchTensors(batch);
        const { logits } = this.model.forward(t.ids, t.mask);
        const l = tokenLoss(logits, t.targets, t.weights);
        return tf.stack([l.sum, tf.mul(l.accuracy, w)]);
      });
      const [s, h] = await out.data();
      out.dispose();
      sum += s;
      hits += h;
      count += w;
    }
    return { 'eval/loss': count > 0 ? sum / count : NaN, 'eval/mean_token_accuracy': count > 0 ? hits / count : NaN };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/**
 * Early stopping on a held-out loss: call `update(loss)` after each evaluation; `shouldStop`
 * turns true after `patience` evaluations in a row without an improvement of more than minDelta.
 * Keep the weights of `bestStep` (the caller snapshots them when update() returns true).
 */
export class EarlyStopping {
  best = Infinity;
  bestStep = -1;
  private sinceBest = 0;
  private evaluations = 0;

  constructor(
    readonly patience: number,
    readonly minDelta = 0,
  ) {
    if (!(patience >= 1)) throw new Error('EarlyStopping: patience must be >= 1');
  }

  /** Records an evaluation (at training `step`, default: the evaluation's index); true when it is a new best. */
  update(loss: number, step: number = this.evaluations): boolean {
    this.evaluations++;
    if (Number.isFinite(loss) && loss < this.best - this.minDelta) {
      this.best = loss;
      this.bestStep = step;
      this.sinceBest = 0;
      return true;
    }
    this.sinceBest++;
    return false;
  }

  get shouldStop(): boolean {
    return this.sinceBest >= this.patience;
  }
}
