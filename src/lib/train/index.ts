// The training stages: pretrain, SFT, reward model, PPO, and the maths they share.
export { TrainingError, assertFinite } from './errors';
export type { Metrics, TrainableModel, ForwardOutput, TokenLogProbsOutput } from './types';
export { Adam, globalNorm, clipScale } from './adam';
export { createAdam, clipByGlobalNorm, guardedStep, buildLmBatch, tokenLoss, type LmBatch, type TokenLoss, type AdamConfig, type LossOutput } from './common';
export * from './rl-math';
export { SftTrainer, EarlyStopping, buildSftBatch, DEFAULT_SFT_CONFIG, type SftConfig, type SftExample, type LmTrainerState } from './sft';
export { PretrainTrainer, packWindows, DEFAULT_PRETRAIN_CONFIG, type PretrainConfig } from './pretrain';
export {
  RewardTrainer,
  packScoredRows,
  scoreWithModel,
  DEFAULT_REWARD_CONFIG,
  type TokenRanking,
  rankingFromTiers,
  type RewardConfig,
  type RewardModel,
  type RewardTrainerState,
  type ScoredRows,
} from './reward';
export {
  PpoTrainer,
  packRollout,
  DEFAULT_PPO_CONFIG,
  type PpoConfig,
  type PpoModels,
  type PpoOptions,
  type PpoSamples,
  type PpoState,
  type PackedRollout,
  type RewardFn,
  type GenerateFn,
} from './ppo';
