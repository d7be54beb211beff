// How well a reward model agrees with the gold judge: over every pair of answers to the same
// prompt whose gold scores differ, the fraction the reward model orders the same way.
import { judge, DEFAULT_WEIGHTS, type JudgeWeights } from '../world';
import type { PromptItem } from '../world/types';

/** Pairwise agreement of `rewards` with `gold` within each group (answers to one prompt). */
export function pairwiseAgreement(rewards: readonly (readonly number[])[], gold: readonly (readonly number[])[], tolerance = 1e-9): { accuracy: number; pairs: number } {
  let agree = 0;
  let pairs = 0;
  rewards.forEach((r, g) => {
    const s = gold[g];
    for (let i = 0; i < r.length; i++) {
      for (let j = i + 1; j < r.length; j++) {
        const goldDiff = s[i] - s[j];
        if (Math.abs(goldDiff) <= tolerance) continue;
        pairs++;
        if (Math.sign(r[i] - r[j]) === Math.sign(goldDiff)) agree++;
      }
    }
  });
  return { accuracy: pairs === 0 ? Number.NaN : agree / pairs, pairs };
}

/** Gold scores of K answers per prompt. */
export function goldScores(items: readonly PromptItem[], answers: readonly (readonly string[])[], weights: JudgeWeights = DEFAULT_WEIGHTS): number[][] {
  return items.map((item, i) => answers[i].map((a) => judge(item, a, weights).score));
}
