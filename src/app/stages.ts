// The pipeline the page walks through, in InstructGPT's order. Text only; each stage's state
// comes from the pipeline controller (pipeline.svelte.ts).
import type { StageName } from '../worker/protocol';

export interface StageInfo {
  name: StageName;
  title: string;
  /** Two sentences: what the stage does and why it matters. */
  summary: string;
}

export const STAGE_INFO: readonly StageInfo[] = [
  {
    name: 'base',
    title: 'Base model',
    summary:
      'A small GPT pretrained on "internet text" from the toy world learns to continue text, not to follow instructions. Ask it a question and it may answer with more questions, like GPT-3 did.',
  },
  {
    name: 'sft',
    title: 'Supervised fine-tuning',
    summary:
      'The base model is trained on a few demonstrations of good answers, with the loss on the response tokens only. It learns the answer format, but not every preference.',
  },
  {
    name: 'reward',
    title: 'Reward model',
    summary:
      'You rank several answers to the same prompt, and a copy of the SFT model with a scalar head learns to score answers the way you ranked them. Every ranking of K answers gives all K(K-1)/2 pairs.',
  },
  {
    name: 'ppo',
    title: 'PPO with a KL penalty',
    summary:
      'The policy samples answers, the reward model scores them, and PPO pushes the policy toward higher scores. A KL penalty keeps it close to the SFT model so it cannot simply exploit the reward model.',
  },
];
