// Best-of-n answers (rejection sampling): n answers a prompt from one model, the one the reward
// model scores highest kept. The page shows it beside PPO: the other way to spend a reward model.
import type { GPT } from '../model';
import { sampleK } from './collect';
import { scoreAnswerGroups } from './score';

export interface BestOfNOptions {
  n: number;
  temperature: number;
  maxNewTokens: number;
  seed: number;
}

export interface BestOfNAnswers {
  /** The kept answer to each prompt, and its reward. */
  texts: string[];
  rewards: number[];
  /** Every answer drawn and its reward, per prompt. */
  candidates: string[][];
  candidateRewards: number[][];
}

export async function bestOfNAnswers(model: GPT, rewardModel: GPT, prompts: readonly string[], options: BestOfNOptions): Promise<BestOfNAnswers> {
  if (!Number.isInteger(options.n) || options.n < 1) throw new Error(`best-of-n needs n >= 1, got ${options.n}`);
  const candidates = await sampleK(model, prompts, { k: options.n, temperature: options.temperature, maxNewTokens: options.maxNewTokens, seed: options.seed });
  const groups = prompts.map((prompt, i) => ({ prompt, responses: candidates[i] }));
  const candidateRewards = await scoreAnswerGroups(rewardModel, groups, Math.max(1, Math.min(32, prompts.length * options.n)), rewardModel.config.contextLength);
  const best = candidateRewards.map((r) => r.indexOf(Math.max(...r)));
  return {
    texts: best.map((b, i) => candidates[i][b]),
    rewards: best.map((b, i) => candidateRewards[i][b]),
    candidates,
    candidateRewards,
  };
}
