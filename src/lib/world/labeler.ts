// The simulated labeler: ranks K responses by gold score with noise. Plackett-Luce sampling with
// P(next = i) proportional to exp(score_i / temperature) among those not yet placed; for two items
// this is Bradley-Terry, P(a before b) = sigmoid((s_a - s_b) / temperature). The noise is a fixed
// temperature on gold-score differences (not re-tuned per data mix), so easy pairs stay easy.

import type { Rng } from '../random';
import { DEFAULT_WEIGHTS, judge, type JudgeWeights } from './judge';
import type { PromptItem } from './types';

/**
 * Gives about 73% pairwise agreement with gold on SFT-like candidates (InstructGPT's inter-labeler
 * agreement); measured by measureAgreement (about 0.73 over 20,000 pairs), checked in tests/unit/world-labeler.test.ts.
 */
export const DEFAULT_LABELER_TEMPERATURE = 0.24;

export interface LabelerOptions {
  /** Noise on gold-score differences; 0 ranks exactly by gold score. */
  temperature?: number;
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
  /** Indices into the responses, best first. */
  order: number[];
  /** The same judgement with equal-score answers tied (rankWithTies), drawn independently. */
  tiers: number[][];
  /** Gold scores of the responses, in their original order. */
  scores: number[];
}

/** Judge each response with the gold judge, then rank them as a noisy labeler would. */
/**
 * Like rankResponses, but answers of exactly equal gold score form one tier (a tie), as a person
 * marks two equally good (or identical) answers as tied. Plackett-Luce noise applies between the
 * distinct quality levels only. Tiers are best first: [[2], [0, 3], [1]].
 */
export function rankWithTies(scores: readonly number[], rng: Rng, options: LabelerOptions = {}): number[][] {
  const levels: number[] = [];
  const members: number[][] = [];
  scores.forEach((score, index) => {
    const level = levels.findIndex((l) => Math.abs(l - score) <= TIE_TOLERANCE);
    if (level >= 0) members[level].push(index);
    else {
      levels.push(score);
      members.push([index]);
    }
  });
  return rankResponses(levels, rng, options).map((level) => members[level]);
}

/** Gold scores closer than this are the same quality level (they differ only by rounding). */
const TIE_TOLERANCE = 1e-9;

export function simulateRanking(
  item: PromptItem,
  responses: readonly string[],
  rng: Rng,
  options: LabelerOptions & { weights?: JudgeWeights } = {},
): SimulatedRanking {
  const scores = responses.map((r) => judge(item, r, options.weights ?? DEFAULT_WEIGHTS).score);
  return { order: rankResponses(scores, rng, options), tiers: rankWithTies(scores, rng, options), scores };
}
