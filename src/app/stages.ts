// The story the page tells, in InstructGPT's order: the problem, the three steps of its Figure 2
// and the comparison. Text only; each stage's state comes from the pipeline controller
// (pipeline.svelte.ts). The paper's numbers are from Ouyang et al. 2022, "Training language
// models to follow instructions with human feedback".
import type { SessionPosition } from '../lib/rlhf';
import type { StageName } from '../worker/protocol';

export interface StageInfo {
  name: StageName;
  title: string;
  /** Two sentences: what the stage does and why it matters. */
  summary: string;
  /** What InstructGPT found at this step, with the paper's number where there is one. */
  paper: string;
  /** What to look at on the page now. */
  lookAt: string;
}

export const STAGE_INFO: readonly StageInfo[] = [
  {
    name: 'base',
    title: 'Base model',
    summary:
      'A small GPT pretrained on "internet text" from the toy world learns to continue text, not to follow instructions. Ask it a question and it may answer with more questions, like GPT-3 did.',
    paper: 'InstructGPT started from GPT-3 (175B parameters). Its labelers preferred a 1.3B InstructGPT to it, a model 100 times smaller.',
    lookAt: 'Ask the base model a question above: it often writes another question instead of an answer.',
  },
  {
    name: 'sft',
    title: 'Supervised fine-tuning',
    summary:
      'The base model is trained on a few hundred demonstrations, with the loss on the response tokens only. It learns the answer format, and it copies the habits of the people who wrote the demonstrations, good and bad: most of them close an answer with a line that adds nothing ("i hope that is ok.").',
    paper: 'InstructGPT fine-tuned on about 13,000 prompts answered by labelers. SFT alone was preferred to GPT-3 most of the time, and it is the baseline every other model is compared with.',
    lookAt: 'The loss falls, and SFT stops early at the step where the held-out loss was lowest. Then ask the SFT model the same question: it answers now, often with a closing pleasantry tacked on.',
  },
  {
    name: 'reward',
    title: 'Reward model',
    summary:
      'You rank several answers to the same prompt, and a copy of the SFT model with a scalar head learns to score answers the way you ranked them. Every ranking of K answers gives all K(K-1)/2 pairs.',
    paper: "Labelers ranked 4 to 9 answers per prompt (about 33,000 prompts), and they agreed with each other 72.6% of the time. The 6B reward model agreed with held-out rankings about as often: that is the ceiling of what it can learn.",
    lookAt: "Rank a few answers yourself below, or let the simulated labeler do it. The reward model's held-out accuracy and its agreement with the gold judge show on this card.",
  },
  {
    name: 'ppo',
    title: 'PPO with a KL penalty',
    summary:
      'The policy samples answers, the reward model scores them, and PPO pushes the policy toward higher scores. A KL penalty keeps it close to the SFT model so it cannot simply exploit the reward model. Then a second policy, PPO-ptx, trains the same way from SFT while it also keeps learning the pretraining text, as InstructGPT\'s final model did.',
    paper: "InstructGPT's 175B PPO-ptx model was preferred to its SFT model about 65% of the time. Mixing in pretraining gradients (ptx) paid back most of the \"alignment tax\", the drop on public benchmarks.",
    lookAt: 'Watch the reward model score and the gold score: if they part (the reward rises, gold falls), PPO is exploiting the reward model. KL says how far the policy moved from SFT. In the samples, the closing pleasantries SFT copied from its demonstrators drop away: the rankings said people prefer the answer without them. The dashed lines are PPO-ptx: compare its right answers with PPO\'s in the results, where the alignment tax shows.',
  },
];

/**
 * The steps of the page's story, as its pipeline figure shows them (the page's section ids);
 * `repeats`: the step runs again each round.
 */
export const STORY_STEPS = [
  { id: 'problem', label: 'The problem', repeats: false },
  { id: 'stage-sft', label: 'SFT', repeats: false },
  { id: 'stage-reward', label: 'Rankings and reward model', repeats: true },
  { id: 'stage-ppo', label: 'PPO', repeats: true },
  { id: 'results', label: 'Results', repeats: false },
] as const;

export type StoryStepId = (typeof STORY_STEPS)[number]['id'];

/** Where the run is in the story: the step the figure marks as current. */
export function storyStepOf(phase: SessionPosition['phase'] | null): StoryStepId {
  switch (phase) {
    case null:
    case 'base':
      return 'problem';
    case 'sft':
      return 'stage-sft';
    case 'rankings':
    case 'reward':
      return 'stage-reward';
    case 'ppo':
    case 'ptx':
      return 'stage-ppo';
    case 'summary':
    case 'done':
      return 'results';
  }
}
