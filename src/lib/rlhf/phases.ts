// The program's phases and the shares it holds out, free of tf so the page can plan a run with them
// (estimate.ts) without loading the trainers.

/** The program's phases, in order; rankings, reward and ppo repeat once per round. */
export const PHASES = ['base', 'sft', 'rankings', 'reward', 'ppo', 'summary', 'done'] as const;
export type Phase = (typeof PHASES)[number];

/** Rankings held out (by prompt) to measure the reward model's accuracy. */
export const RM_HELDOUT_FRACTION = 0.1;
/** Demonstrations held out (by prompt) for SFT's early stopping. */
export const SFT_HELDOUT_FRACTION = 0.1;
