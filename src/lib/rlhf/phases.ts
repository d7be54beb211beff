// The program's phases and the shares it holds out, free of tf so the page can plan a run with them
// (estimate.ts) without loading the trainers.

/**
 * The program's phases, in order; rankings, reward, ppo and ptx repeat once per round. 'ptx' trains
 * the PPO-ptx policy beside the PPO one (same reward model, prompts and budget, plus the
 * pretraining loss); a run without a PPO-ptx coefficient skips it.
 */
export const PHASES = ['base', 'sft', 'rankings', 'reward', 'ppo', 'ptx', 'summary', 'done'] as const;
export type Phase = (typeof PHASES)[number];

/** Rankings held out (by prompt) to measure the reward model's accuracy. */
export const RM_HELDOUT_FRACTION = 0.1;
/** Demonstrations held out (by prompt) for SFT's early stopping. */
export const SFT_HELDOUT_FRACTION = 0.1;
