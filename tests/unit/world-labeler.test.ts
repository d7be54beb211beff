import { describe, expect, it } from 'vitest';
import {
  rankingAgreement,
  DEFAULT_LABELER_TEMPERATURE,
  expectedAgreement,
  judge,
  labelerTemperatureFor,
  measureAgreement,
  parsePrompt,
  rankResponses,
  rankWithTies,
  simulateRanking,
} from '../../src/lib/world';
import { createRng } from '../../src/lib/random';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe('rankResponses (Plackett-Luce)', () => {
  it('returns a permutation, deterministic by rng seed', () => {
    const order = rankResponses([0.1, 0.9, 0.5, 0.3], createRng(1));
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
    expect(rankResponses([0.1, 0.9, 0.5, 0.3], createRng(1))).toEqual(order);
  });
  it('at temperature 0 sorts by score, ties in index order', () => {
    expect(rankResponses([0.2, 0.9, 0.2, 0.5], createRng(1), { temperature: 0 })).toEqual([1, 3, 0, 2]);
  });
  it('matches the closed-form probabilities of all 6 orders of 3 items', () => {
    const scores = [0.9, 0.6, 0.2];
    const t = 0.3;
    const w = scores.map((s) => Math.exp(s / t));
    // P(i, j, k) = w_i / (w_i + w_j + w_k) * w_j / (w_j + w_k), written out by hand.
    const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    const exact = perms.map(([i, j, k]) => (w[i] / (w[i] + w[j] + w[k])) * (w[j] / (w[j] + w[k])));
    expect(exact.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const rng = createRng(7);
    const n = 40_000;
    const counts = new Map<string, number>();
    for (let s = 0; s < n; s++) {
      const key = rankResponses(scores, rng, { temperature: t }).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    perms.forEach((p, idx) => {
      const freq = (counts.get(p.join('')) ?? 0) / n;
      // 4 standard errors of a binomial proportion.
      expect(Math.abs(freq - exact[idx])).toBeLessThan(4 * Math.sqrt((exact[idx] * (1 - exact[idx])) / n) + 1e-3);
    });
  });
  it('survives huge score gaps and tiny temperatures without NaN', () => {
    expect(rankResponses([1000, -1000, 0], createRng(2), { temperature: 1e-6 })).toEqual([0, 2, 1]);
  });
});

describe('simulateRanking', () => {
  it('scores with the gold judge and mostly ranks the right answer first', () => {
    const item = parsePrompt('what is 3 plus 4?');
    if (!item) throw new Error('parse');
    const responses = ['what is 2 plus 2?', '7.', '9.'];
    const { scores } = simulateRanking(item, responses, createRng(1));
    expect(scores).toEqual(responses.map((r) => judge(item, r).score));
    const rng = createRng(3);
    let first = 0;
    for (let i = 0; i < 500; i++) if (simulateRanking(item, responses, rng, { temperature: 0.1 }).order[0] === 1) first++;
    expect(first / 500).toBeGreaterThan(0.9);
  });
});

describe('labeler agreement with gold', () => {
  it('tracks its temperature: lower temperature agrees more, each near the Bradley-Terry prediction', () => {
    const results = [0.08, 0.5].map((t) => {
      const report = measureAgreement(t, createRng(21), 3000);
      // Independent prediction: mean of sigmoid(diff / T) over the very pairs measured.
      const predicted = report.diffs.reduce((s, d) => s + sigmoid(d / t), 0) / report.diffs.length;
      expect(report.pairs).toBe(3000);
      expect(report.diffs.every((d) => d > 0)).toBe(true);
      expect(Math.abs(report.agreement - predicted)).toBeLessThan(0.025);
      return report.agreement;
    });
    expect(results[0]).toBeGreaterThan(results[1] + 0.1);
    expect(results[0]).toBeGreaterThan(0.85);
    expect(results[1]).toBeLessThan(0.7);
  });
  it('at the default temperature agrees with gold on about 90% of candidate pairs, and two labelers with each other on about 87%', () => {
    // On SFT samples, whose gold gaps are smaller, the pipeline measures 0.69-0.75 between two
    // labelers (InstructGPT's: 72.6%); here the gaps are the candidates' (measured: 0.898, 0.872).
    const report = measureAgreement(DEFAULT_LABELER_TEMPERATURE, createRng(2024), 4000);
    expect(report.pairs).toBeGreaterThanOrEqual(2000);
    expect(Math.abs(report.agreement - 0.9)).toBeLessThanOrEqual(0.03);
    const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
    const between = report.diffs.reduce((sum, d) => {
      const p = sigmoid(Math.abs(d) / DEFAULT_LABELER_TEMPERATURE);
      return sum + p * p + (1 - p) * (1 - p);
    }, 0) / report.diffs.length;
    expect(Math.abs(between - 0.87)).toBeLessThanOrEqual(0.03);
  });
  it('labelerTemperatureFor inverts the expected agreement', () => {
    // The temperature is fixed (DESIGN: re-tuning it per data mix makes easy pairs noisy), so
    // what it inverts is its own expected agreement, whatever the judge's gaps are today.
    const atDefault = expectedAgreement(DEFAULT_LABELER_TEMPERATURE, measureAgreement(DEFAULT_LABELER_TEMPERATURE, createRng(6), 4000).diffs);
    // Another sample of pairs than the function's own: at low temperatures agreement changes
    // slowly with temperature, so that sample's noise moves the inverse by about 5% (0.053 at 0.06).
    expect(Math.abs(labelerTemperatureFor(atDefault) - DEFAULT_LABELER_TEMPERATURE) / DEFAULT_LABELER_TEMPERATURE).toBeLessThan(0.1);
    const t73 = labelerTemperatureFor(0.73);
    const t90 = labelerTemperatureFor(0.9);
    expect(t90).toBeLessThan(t73);
    expect(labelerTemperatureFor(1)).toBe(0);
    const report = measureAgreement(t90, createRng(5), 3000);
    expect(Math.abs(report.agreement - 0.9)).toBeLessThan(0.03);
    expect(expectedAgreement(t90, report.diffs)).toBeCloseTo(report.diffs.reduce((s, d) => s + sigmoid(d / t90), 0) / report.diffs.length, 12);
  });
});

describe('rankWithTies', () => {
  it('ties exactly equal scores, never distinct ones, and lists every index once', () => {
    const rng = createRng(9);
    const scores = [0.5, 0.9, 0.5, 0.2, 0.9];
    for (let trial = 0; trial < 50; trial++) {
      const tiers = rankWithTies(scores, rng);
      expect(tiers.flat().sort()).toEqual([0, 1, 2, 3, 4]);
      for (const tier of tiers) expect(new Set(tier.map((i) => scores[i])).size).toBe(1);
      expect(tiers.length).toBe(3);
    }
  });

  it('orders the distinct levels exactly at temperature 0', () => {
    expect(rankWithTies([0.5, 0.9, 0.5, 0.2], createRng(1), { temperature: 0 })).toEqual([[1], [0, 2], [3]]);
  });

  it('with a tie gap, answers within the gap of a tier\'s best answer join it (no chaining past it)', () => {
    // 0.90 and 0.86 are within 0.05; 0.83 is 0.07 below the tier's best, so it starts a new tier
    // with 0.80; 0.40 stands alone.
    expect(rankWithTies([0.8, 0.9, 0.4, 0.86, 0.83], createRng(1), { temperature: 0, tieGap: 0.05 })).toEqual([[1, 3], [0, 4], [2]]);
  });

  it('a tie gap of 0 draws exactly what the exact-tie labeler draws (same seed, same tiers)', () => {
    const scores = [0.5, 0.9, 0.5, 0.2, 0.7];
    const a = createRng(4);
    const b = createRng(4);
    for (let trial = 0; trial < 20; trial++) expect(rankWithTies(scores, a, { tieGap: 0 })).toEqual(rankWithTies(scores, b));
  });
});

describe('identical answers are ties, always (simulateRanking)', () => {
  const item = parsePrompt('what is 3 plus 4?');
  if (!item) throw new Error('parse');
  // '7.', '7' and 'seven.' are distinct texts of equal gold score (all right); '9.' and '9' too.
  const sets: string[][] = [
    ['7.', '7.', '9.', '9.'],
    ['7.', '9.', '7.', 'what is 2 plus 2?'],
    ['7.', '7.', '7.', '7.'],
    ['9.', '9.'],
    ['7.', '7', '7.', 'seven.'],
    ['9.', '9', '9.', '9', '9.'],
    ['i do not know.', '7.', 'i do not know.', '7.', '9.', 'i do not know.'],
  ];
  const splits = (tiers: number[][], responses: string[]): boolean =>
    responses.some((a, i) => responses.some((b, j) => i < j && a === b && !tiers.some((t) => t.includes(i) && t.includes(j))));

  it('never ranks two identical texts apart, in any ordering it returns, over many seeds and tie gaps', () => {
    for (const responses of sets) {
      for (let seed = 1; seed <= 150; seed++) {
        const rng = createRng(seed);
        const sim = simulateRanking(item, responses, rng, { tieGap: seed % 3 === 0 ? 0.05 : 0 });
        for (const tiers of [sim.tiers, sim.strictTiers, sim.ranking]) {
          expect(tiers.flat().sort((a, b) => a - b)).toEqual(responses.map((_, i) => i));
          expect(splits(tiers, responses)).toBe(false);
        }
        // order is strictTiers flattened: identical texts adjacent.
        expect(sim.order).toEqual(sim.strictTiers.flat());
      }
    }
  });

  it('K copies of one answer are one tier: no pair at all', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const sim = simulateRanking(item, ['7.', '7.', '7.', '7.'], createRng(seed));
      expect(sim.ranking).toEqual([[0, 1, 2, 3]]);
    }
  });

  it('equally good but different answers: the labeler still has to choose between them (tieGap 0)', () => {
    const responses = ['7.', '7', '7.', 'seven.'];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 100; seed++) {
      const sim = simulateRanking(item, responses, createRng(seed));
      expect(sim.tiers).toEqual([[0, 1, 2, 3]]); // all gold-equal: one quality level
      expect(sim.ranking).toEqual(sim.strictTiers);
      expect(sim.ranking).toHaveLength(3); // '7.' (0 and 2), '7', 'seven.'
      seen.add(JSON.stringify(sim.ranking));
    }
    expect(seen.size).toBe(6); // every order of the 3 distinct texts turns up
  });

  it('with all texts distinct it draws exactly what ranking the raw scores draws', () => {
    const responses = ['7.', '9.', 'what is 2 plus 2?', 'i do not know.'];
    const scores = responses.map((r) => judge(item, r).score);
    for (let seed = 1; seed <= 20; seed++) {
      const sim = simulateRanking(item, responses, createRng(seed));
      const rng = createRng(seed);
      expect(sim.order).toEqual(rankResponses(scores, rng));
      expect(sim.tiers).toEqual(rankWithTies(scores, rng));
    }
  });
});

describe('rankingAgreement (labeler against labeler)', () => {
  it('counts pairs 1 when ordered alike, 1/2 when one ranking ties them, 0 when opposed; skips pairs both tie', () => {
    // (0,1): opposed 0; (0,2): the second ties them 1/2; (1,2): alike 1. By hand: 1.5 / 3.
    expect(rankingAgreement([[0], [1], [2]], [[1], [0, 2]])).toEqual({ agreement: 0.5, pairs: 3 });
    expect(rankingAgreement([[0, 1], [2]], [[0, 1], [2]])).toEqual({ agreement: 1, pairs: 2 });
    expect(rankingAgreement([[0, 1]], [[1, 0]]).agreement).toBeNaN();
    expect(() => rankingAgreement([[0], [1]], [[0], [2]])).toThrow(/different answers/);
  });

  it('two independent labelers agree at p^2 + (1-p)^2, p the chance each orders a pair as gold does', () => {
    const rng = createRng(77);
    const T = DEFAULT_LABELER_TEMPERATURE;
    let agree = 0;
    let predicted = 0;
    const n = 6000;
    for (let k = 0; k < n; k++) {
      const d = 0.02 + 0.5 * rng.next();
      const scores = [0.5 + d / 2, 0.5 - d / 2];
      const first = rankResponses(scores, rng, { temperature: T }).map((i) => [i]);
      const second = rankResponses(scores, rng, { temperature: T }).map((i) => [i]);
      agree += rankingAgreement(first, second).agreement;
      const p = 1 / (1 + Math.exp(-d / T));
      predicted += p * p + (1 - p) * (1 - p);
    }
    expect(Math.abs(agree / n - predicted / n)).toBeLessThan(0.015);
  });
});
