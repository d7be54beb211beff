import { describe, expect, it } from 'vitest';
import { bestOfNKlBound, bestOfNWeights, expectedBestOfN, winAgainst } from '../../src/lib/eval/best-of-n';

/** Every n-subset of 0..m-1. */
function subsets(m: number, n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (let first = 0; first <= m - n; first++) {
    for (const rest of subsets(m - first - 1, n - 1)) out.push([first, ...rest.map((r) => r + first + 1)]);
  }
  return out;
}

/** Best-of-n by enumeration: each subset equally likely, ties on score broken uniformly. */
function bruteForce(scores: number[], values: number[], n: number): number {
  const all = subsets(scores.length, n);
  let total = 0;
  for (const s of all) {
    const best = Math.max(...s.map((i) => scores[i]));
    const tied = s.filter((i) => scores[i] === best);
    total += tied.reduce((a, i) => a + values[i], 0) / tied.length;
  }
  return total / all.length;
}

describe('best-of-n', () => {
  it('weights the j-th lowest of M by C(j, n-1) / C(M, n)', () => {
    // M = 3, n = 2: the subsets {0,1}, {0,2}, {1,2} have their best at 1, 2, 2.
    expect(bestOfNWeights(3, 2)).toEqual([0, 1 / 3, 2 / 3].map((w) => expect.closeTo(w, 12)));
    // n = 1 is one uniform draw; n = M always keeps the best.
    expect(bestOfNWeights(4, 1)).toEqual([0.25, 0.25, 0.25, 0.25].map((w) => expect.closeTo(w, 12)));
    expect(bestOfNWeights(4, 4)).toEqual([0, 0, 0, 1].map((w) => expect.closeTo(w, 12)));
    const w = bestOfNWeights(16, 5);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(() => bestOfNWeights(3, 4)).toThrow(/1 <= n <= M/);
  });

  it('matches enumerating every subset, the value following the score, not the order given', () => {
    // Values are not monotone in scores (a reward model that is sometimes wrong).
    const scores = [0.3, -1.2, 0.9, 0.1, 2.0, -0.4, 0.5];
    const values = [1, 0, 0.5, 1, 0, 0.5, 1];
    for (let n = 1; n <= scores.length; n++) {
      expect(expectedBestOfN(scores, values, n)).toBeCloseTo(bruteForce(scores, values, n), 12);
    }
    // Hand-computed: n = 2 of [scores 1, 2, 3] with values [1, 2, 3] is 8/3.
    expect(expectedBestOfN([2, 1, 3], [2, 1, 3], 2)).toBeCloseTo(8 / 3, 12);
  });

  it('breaks ties on score at random, as a sampler of duplicates would', () => {
    const scores = [1, 1, 1, 0, 0];
    const values = [0, 1, 1, 0, 1];
    for (let n = 1; n <= 5; n++) expect(expectedBestOfN(scores, values, n)).toBeCloseTo(bruteForce(scores, values, n), 12);
    // n = 5 keeps one of the three tied best at random: 2/3.
    expect(expectedBestOfN(scores, values, 5)).toBeCloseTo(2 / 3, 12);
  });

  it('has the KL bound of a best-of-n over a continuous distribution, log n - (n-1)/n', () => {
    // Over u ~ U(0, 1) best-of-n has density n u^(n-1), so KL = integral of n u^(n-1) log(n u^(n-1)):
    // integrated here by the midpoint rule, independent of the closed form.
    for (const n of [1, 2, 4, 16]) {
      const steps = 200000;
      let kl = 0;
      for (let i = 0; i < steps; i++) {
        const u = (i + 0.5) / steps;
        const p = n * u ** (n - 1);
        kl += (p * Math.log(p)) / steps;
      }
      expect(bestOfNKlBound(n)).toBeCloseTo(kl, 4);
    }
    expect(bestOfNKlBound(2)).toBeCloseTo(Math.log(2) - 0.5, 12);
  });

  it('scores a win against each baseline answer, ties a half', () => {
    expect(winAgainst(0.6, [0.5, 0.6, 0.7, 0.2])).toBeCloseTo((1 + 0.5 + 0 + 1) / 4, 12);
    expect(() => winAgainst(0.6, [])).toThrow(/at least one/);
  });
});
