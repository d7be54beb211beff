// How often the simulated labeler agrees with the gold judge, measured on SFT-like candidate pairs,
// and the inverse (the temperature that gives a wanted agreement) for an "agreement" slider.

import { createRng, type Rng } from '../random';
import { candidateResponses } from './candidates';
import { judge } from './judge';
import { rankResponses } from './labeler';
import { samplePrompt } from './prompts';
import { FAMILIES } from './types';

export interface AgreementReport {
  /** Fraction of pairs the labeler ordered as gold did. */
  agreement: number;
  /** Pairs counted (only pairs with distinct gold scores). */
  pairs: number;
  /** |gold score difference| of each counted pair. */
  diffs: number[];
}

/** Gold scores of `pairs` candidate pairs with distinct scores: [better, worse] each. */
export function sampleScoredPairs(rng: Rng, pairs: number): [number, number][] {
  const out: [number, number][] = [];
  while (out.length < pairs) {
    const item = samplePrompt(rng, rng.pick(FAMILIES));
    const [a, b] = candidateResponses(item, rng, 2).map((r) => judge(item, r).score);
    if (Math.abs(a - b) > 1e-9) out.push(a > b ? [a, b] : [b, a]);
  }
  return out;
}

/** Rank `pairs` SFT-like candidate pairs with the labeler at `temperature` and compare with gold. */
export function measureAgreement(temperature: number, rng: Rng, pairs: number): AgreementReport {
  const scored = sampleScoredPairs(rng, pairs);
  let agree = 0;
  for (const pair of scored) if (rankResponses(pair, rng, { temperature })[0] === 0) agree++;
  return { agreement: agree / scored.length, pairs: scored.length, diffs: scored.map(([a, b]) => a - b) };
}

/** What Bradley-Terry predicts: the mean of sigmoid(diff / temperature) over the pairs. */
export function expectedAgreement(temperature: number, diffs: readonly number[]): number {
  if (!(temperature > 0)) return 1;
  return diffs.reduce((s, d) => s + 1 / (1 + Math.exp(-Math.abs(d) / temperature)), 0) / diffs.length;
}

let referenceDiffs: number[] | undefined;

/** Temperature whose expected agreement on a fixed reference sample of SFT-like pairs is `target`. */
export function labelerTemperatureFor(target: number): number {
  if (target >= 1) return 0;
  referenceDiffs ??= sampleScoredPairs(createRng(0xa9ee), 4000).map(([a, b]) => a - b);
  const diffs = referenceDiffs;
  // Agreement falls monotonically with temperature: bisect on a log scale.
  let lo = 1e-4;
  let hi = 100;
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(lo * hi);
    if (expectedAgreement(mid, diffs) > target) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(lo * hi);
}

/**
 * How often two rankings of the same answers agree, pair by pair, as InstructGPT measured its
 * labelers (72.6 +- 1.5%): over the pairs either ranking orders, 1 when both order them the same
 * way, 1/2 when one calls them equal, 0 when they disagree. Rankings are tiers of indices, best
 * first. NaN when neither orders any pair.
 */
export function rankingAgreement(first: readonly (readonly number[])[], second: readonly (readonly number[])[]): { agreement: number; pairs: number } {
  const position = (tiers: readonly (readonly number[])[]): Map<number, number> =>
    new Map(tiers.flatMap((tier, rank) => tier.map((i) => [i, rank] as [number, number])));
  const a = position(first);
  const b = position(second);
  if (a.size !== b.size || [...a.keys()].some((i) => !b.has(i))) throw new Error('rankingAgreement: the two rankings rank different answers');
  const indices = [...a.keys()].sort((x, y) => x - y);
  let credit = 0;
  let pairs = 0;
  for (let x = 0; x < indices.length; x++) {
    for (let y = x + 1; y < indices.length; y++) {
      const i = indices[x];
      const j = indices[y];
      const da = Math.sign(a.get(j)! - a.get(i)!);
      const db = Math.sign(b.get(j)! - b.get(i)!);
      if (da === 0 && db === 0) continue;
      pairs++;
      credit += da === db ? 1 : da === 0 || db === 0 ? 0.5 : 0;
    }
  }
  return { agreement: pairs > 0 ? credit / pairs : Number.NaN, pairs };
}
