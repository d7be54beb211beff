// What the trainers need from a model, stated structurally so src/lib/train depends on the
// model's contract rather than its class (the GPT in src/lib/model satisfies it; a test may pass
// anything else that does).

import type * as tf from '@tensorflow/tfjs';

/** Metrics of one step, keyed by TRL-style names ('loss', 'objective/kl', ...). */
export type Metrics = Record<string, number>;

export interface ForwardOutput {
  /** [B, T, V] next-token logits. */
  logits: tf.Tensor3D;
  /** [B, T, D] final hidden states (after the last layer norm). */
  hidden: tf.Tensor3D;
}

export interface TokenLogProbsOutput {
  /** [B, T-1]: log p(ids[:, t+1] | ids[:, :t+1]). */
  logProbs: tf.Tensor2D;
  /** [B, T-1]: entropy of the next-token distribution at t. */
  entropy: tf.Tensor2D;
  hidden: tf.Tensor3D;
}

export interface TrainableModel {
  /** ids int32 [B, T]; mask float [B, T], 1 real, 0 pad (left or right padding). */
  forward(ids: tf.Tensor2D, mask?: tf.Tensor2D): ForwardOutput;
  /** The scalar (reward/value) head at every position: [B, T]. */
  scalar(hidden: tf.Tensor3D): tf.Tensor2D;
  /** The scalar head at one position per row: [B]. */
  scalarAt(hidden: tf.Tensor3D, positions: tf.Tensor1D): tf.Tensor1D;
  tokenLogProbs(ids: tf.Tensor2D, mask?: tf.Tensor2D): TokenLogProbsOutput;
  trainableVariables(): tf.Variable[];
}
