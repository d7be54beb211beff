// The simulated labeler: ranks K responses by gold score with noise. Plackett-Luce sampling with
// P(next = i) proportional to exp(score_i / temperature) among those not yet placed; for two items
// this is Bradley-Terry, P(a before b) = sigmoid((s_a - s_b) / temperature). The noise is a fixed
// temperature on gold-score differences (not re-tuned per data mix), so easy pairs stay easy.
//
// Identical answers are ties, always: simulateRanking ranks the distinct texts, so two samples
// with the same text always share a tier, in every ordering it returns.

import { groupIdentical } from '../io/rankings';
import type { Rng } from '../random';
import { DEFAULT_WEIGHTS, judge, type JudgeWeights } from './judge';
import type { PromptItem } from './types';

/**
 * Calibrated so that two simulated labelers agree with each other as often as InstructGPT's did
 * (72.6 +- 1.5%): at 0.06 two labelers agreed on 0.69-0.75 of the pairs of SFT samples they ranked
 * (default preset, seeds 1-5, docs/RESULTS.md), each with gold on 0.76-0.81; on the world's
 * candidate answers, whose gold gaps are larger, 0.90 with gold (measureAgreement). It was 0.24,
 * set for 75% agreement with gold on candidates: that read the paper's labeler-labeler figure as
 * agreement with the truth, and two labelers then agreed on only 0.53-0.60 of SFT pairs, noisier
 * than any human panel. Fixed, not re-tuned when the judge changes; checked in
 * tests/unit/world-labeler.test.ts.
 */
export const DEFAULT_LABELER_TEMPERATURE = 0.06;

export interface LabelerOptions {
  /** Noise on gold-score differences; 0 ranks exactly by gold score. */
  temperature?: number;
  /**
   * rankWithTies only: answers whose gold scores are within this of the best answer of a tier
   * join that tier (a person cannot tell them apart). Default 0: only equal scores tie.
   */
  tieGap?: number;
}

/** Indices of `scores`, best first, sampled Plackett-Luce. Ties at temperature 0 keep index order. */
export function rankResponses(scores: readonly number[], rng: Rng, options: LabelerOptions = {}): number[] {
  const temperature = options.temperature ?? DEFAULT_LABELER_TEMPERATURE;
  const remaining = scores.map((_, i) => i);
  if (!(temperature > 0)) return remaining.sort((a, b) => scores[b] - scores[a] || a - b);
  const order: number[] = [];
  while (remaining.length > 0) {
    // Subtract the max before exp so large scores or tiny temperatures cannot overflow.
    const max = Math.max(...remaining.map((i) => scores[i]));
    const weights = remaining.map((i) => Math.exp((scores[i] - max) / temperature));
    const total = weights.reduce((s, w) => s + w, 0);
    let r = rng.next() * total;
    let pick = remaining.length - 1;
    for (let j = 0; j < weights.length; j++) {
      if ((r -= weights[j]) < 0) {
        pick = j;
        break;
      }
    }
    order.push(remaining[pick]);
    remaining.splice(pick, 1);
  }
  return order;
}

export interface SimulatedRanking {
  /** Indices into the responses, best first: a strict noisy order of the distinct texts, identical ones adjacent. */
  order: number[];
  /**
   * The same judgement with equal-score answers tied (rankWithTies, over the distinct texts),
   * drawn independently. Identical answers are always in one tier.
   */
  tiers: number[][];
  /** `order` as tiers: one tier per distinct text (identical answers tied, nothing else). */
  strictTiers: number[][];
  /**
   * What the labeler hands in (Ranking.order): `tiers`, unless every answer is equally good;
   * then the labeler must still choose between different answers, as InstructGPT's labelers had
   * to, and hands in `strictTiers`. When every answer is the same text that is one tier, which
   * gives the reward model no pair: nothing wrong is learnt from K copies of one answer.
   */
  ranking: number[][];
  /** Gold scores of the responses, in their original order. */
  scores: number[];
}

/**
 * Like rankResponses, but answers of equal gold score (within `tieGap`) form one tier (a tie), as
 * a person marks two equally good (or identical) answers as tied. Plackett-Luce noise applies
 * between the quality levels only (each level scored by its best answer). Tiers are best first:
 * [[2], [0, 3], [1]]; answers within a tier keep index order.
 */
export function rankWithTies(scores: readonly number[], rng: Rng, options: LabelerOptions = {}): number[][] {
  const gap = Math.max(options.tieGap ?? 0, TIE_TOLERANCE);
  const byScore = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const levels: { top: number; members: number[] }[] = [];
  for (const index of byScore) {
    const current = levels.at(-1);
    if (current && current.top - scores[index] <= gap) current.members.push(index);
    else levels.push({ top: scores[index], members: [index] });
  }
  // Levels in order of their first answer, so the noise draws follow the answers' order.
  for (const level of levels) level.members.sort((a, b) => a - b);
  levels.sort((a, b) => a.members[0] - b.members[0]);
  return rankResponses(levels.map((l) => l.top), rng, options).map((i) => levels[i].members);
}

/** Gold scores closer than this are the same quality level (they differ only by rounding). */
const TIE_TOLERANCE = 1e-9;

/**
 * Judge each response with the gold judge, then rank them as a noisy labeler would. The labeler
 * ranks the distinct texts (each scored once), so identical responses are never ranked apart;
 * with all responses distinct this draws exactly what ranking the raw scores would.
 */
export function simulateRanking(
  item: PromptItem,
  responses: readonly string[],
  rng: Rng,
  options: LabelerOptions & { weights?: JudgeWeights } = {},
): SimulatedRanking {
  const scores = responses.map((r) => judge(item, r, options.weights ?? DEFAULT_WEIGHTS).score);
  const groups = groupIdentical(responses);
  const groupScores = groups.map((g) => scores[g[0]]);
  const strict = rankResponses(groupScores, rng, options);
  const tiers = rankWithTies(groupScores, rng, options).map((tier) => tier.flatMap((g) => groups[g]).sort((a, b) => a - b));
  const strictTiers = strict.map((g) => [...groups[g]]);
  return {
    order: strictTiers.flat(),
    tiers,
    strictTiers,
    ranking: tiers.length > 1 ? tiers : strictTiers,
    scores,
  };
}
