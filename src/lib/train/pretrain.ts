// Pretraining: the SFT machinery with every token a target, over windows of packed corpus text.

import { DEFAULT_SFT_CONFIG, SftTrainer, type SftConfig, type SftExample } from './sft';
import type { Metrics, TrainableModel } from './types';

export type PretrainConfig = Omit<SftConfig, 'completionOnlyLoss'>;

export const DEFAULT_PRETRAIN_CONFIG: PretrainConfig = {
  ...DEFAULT_SFT_CONFIG,
  /** A fresh model tolerates (and needs) a larger step than fine-tuning. */
  learningRate: 1e-3,
  batchSize: 16,
  maxLength: 64,
};

/** Cuts a token stream into windows of `length` tokens (the last partial window is kept if >= 2). */
export function packWindows(tokens: readonly number[], length: number, stride = length): number[][] {
  const out: number[][] = [];
  for (let i = 0; i + 1 < tokens.length; i += stride) {
    const w = tokens.slice(i, i + length);
    if (w.length >= 2) out.push(w);
  }
  return out;
}

/** Next-token trainer on every token of each window (`windows`: token ids, <= maxLength each). */
export class PretrainTrainer extends SftTrainer {
  protected override readonly stage: string = 'pretrain';

  constructor(model: TrainableModel, windows: readonly number[][], config: Partial<PretrainConfig> = {}) {
    const examples: SftExample[] = windows.map((ids) => ({ ids, responseStart: 1 }));
    super(model, examples, { ...DEFAULT_PRETRAIN_CONFIG, ...config, completionOnlyLoss: false });
  }

  /** Token-mean held-out loss over windows: { 'eval/loss', 'eval/mean_token_accuracy' }. */
  evaluateWindows(windows: readonly number[][]): Promise<Metrics> {
    return this.evaluate(windows.map((ids) => ({ ids, responseStart: 1 })));
  }
}
