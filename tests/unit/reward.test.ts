import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT } from '../../src/lib/model/gpt';
import { createRng } from '../../src/lib/random';
import { EOS, VOCAB_SIZE, encode } from '../../src/lib/tokenizer';
import { encodePrompt } from '../../src/lib/world/format';
import {
  RewardTrainer,
  packScoredRows,
  rankingFromTiers,
  scoreWithModel,
  tokenRankingPairs,
  tokenRankingTiers,
  type TokenRanking,
} from '../../src/lib/train/reward';
import { TrainingError } from '../../src/lib/train/errors';
import { tokenRankingFrom } from '../../src/lib/rlhf/data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { vocabSize: VOCAB_SIZE, contextLength: 32, nLayer: 1, nHead: 2, dModel: 32 };
const prompt = encodePrompt('say a');

/** K responses of 6 chars over {a, b} with distinct counts of 'a'; more 'a' is better. */
function makeRankings(n: number, k: number, seed: number): TokenRanking[] {
  const rng = createRng(seed);
  const out: TokenRanking[] = [];
  for (let i = 0; i < n; i++) {
    const counts = rng.shuffle([0, 1, 2, 3, 4, 5, 6]).slice(0, k);
    const responses = counts.map((c) => [...encode(rng.shuffle([...'a'.repeat(c), ...'b'.repeat(6 - c)]).join('')), EOS]);
    const order = counts.map((_, j) => j).sort((x, y) => counts[y] - counts[x]);
    out.push({ prompt, responses, order });
  }
  return out;
}

describe('packScoredRows', () => {
  it('right-pads prompt + response and points at the last real token', () => {
    const p = packScoredRows([[[1, 5, 6], [7, 2]]], 2, 8);
    expect(Array.from(p.ids.subarray(0, 8))).toEqual([1, 5, 6, 7, 2, 0, 0, 0]);
    expect(Array.from(p.mask.subarray(0, 8))).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(p.positions[0]).toBe(4);
    expect(p.positions[1]).toBe(0); // filler row
  });
});

describe('scoreWithModel', () => {
  it('pads each batch only to its longest row, and the padding does not change a score', async () => {
    const model = GPT.create(tiny, 3);
    const short = [encode('ab'), [...encode('ab'), EOS]] as const;
    const long = [encode('ab'), [...encode('abababababababab'), EOS]] as const;
    expect(packScoredRows([short], 2, 32).length).toBe(8); // 5 tokens -> 8, not maxLength 32
    expect(packScoredRows([short, long], 2, 32).length).toBe(24); // 19 tokens -> 24
    expect(packScoredRows([long], 1, 16).length).toBe(16); // cut at maxLength
    const alone = await scoreWithModel(model, [[...short[0]]], [[...short[1]]], 2, 32);
    const withLong = await scoreWithModel(model, [[...short[0]], [...long[0]]], [[...short[1]], [...long[1]]], 2, 32);
    expect(withLong[0]).toBeCloseTo(alone[0], 5);
    expect(withLong[1]).not.toBeCloseTo(withLong[0], 3);
  });
});

describe('rankingFromTiers', () => {
  it('flattens tiers best first and marks ties inside a tier', () => {
    const r = rankingFromTiers([1], [[4], [5], [6], [7]], [[2], [0, 3], [1]]);
    expect(r.order).toEqual([2, 0, 3, 1]);
    expect(r.ties).toEqual([false, true, false]);
    expect(tokenRankingTiers(r)).toEqual([[2], [0, 3], [1]]);
    // 2 beats 0, 3, 1; 0 and 3 beat 1; 0 vs 3 is a tie: 5 pairs of C(4,2) = 6.
    expect(tokenRankingPairs(r).map((p) => [p.chosen, p.rejected])).toEqual([
      [2, 0],
      [2, 3],
      [2, 1],
      [0, 1],
      [3, 1],
    ]);
  });

  it('responses that are the same row once cut to maxLength are tied: no pair', () => {
    // Prompt [1, 2] + responses of 4 tokens; the last token differs. Cut to 5 tokens they are alike.
    const r: TokenRanking = { prompt: [1, 2], responses: [[5, 6, 7, 8], [5, 6, 7, 9], [6, 6, 7, 8]], order: [0, 1, 2] };
    expect(tokenRankingPairs(r).length).toBe(3);
    expect(tokenRankingPairs(r, 6).length).toBe(3);
    expect(tokenRankingPairs(r, 5)).toEqual([
      { chosen: 0, rejected: 2 },
      { chosen: 1, rejected: 2 },
    ]);
    expect(tokenRankingPairs(r, 2)).toEqual([]); // only the prompt is left: every row alike
  });
});

describe('RewardTrainer', () => {
  it('learns a separable preference (more "a" is better) to > 0.9 pairwise accuracy', async () => {
    const model = GPT.create(tiny, 5);
    const train = makeRankings(24, 3, 1);
    const heldout = makeRankings(16, 3, 2);
    const trainer = new RewardTrainer(model, train, { learningRate: 3e-3, batchSize: 8, maxResponses: 3, maxLength: 24, seed: 1 });
    const before = await trainer.evaluate(train);
    let last: Record<string, number> = {};
    for (let i = 0; i < 30; i++) last = await trainer.step();
    const after = await trainer.evaluate(train);
    expect(after['eval/pairs']).toBe(24 * 3);
    expect(after['eval/accuracy']).toBeGreaterThan(0.9);
    expect(after['eval/loss']).toBeLessThan(before['eval/loss'] - 0.3);
    expect((await trainer.evaluate(heldout))['eval/accuracy']).toBeGreaterThan(0.8);
    expect(last.accuracy).toBeGreaterThan(0.8);
    expect(last.loss).toBeLessThan(Math.log(2)); // below chance (all rewards equal gives log 2)

    // score() agrees with the preference: all 'a' above all 'b'.
    const [hi, lo] = await trainer.score([prompt, prompt], [[...encode('aaaaaa'), EOS], [...encode('bbbbbb'), EOS]]);
    expect(hi).toBeGreaterThan(lo);

    // calibrate() moves the bias so the demonstrations score mean 0, and only shifts scores.
    const demos = train.slice(0, 5).map((r) => ({ prompt: r.prompt, response: r.responses[0] }));
    const mean = await trainer.calibrate(demos);
    const s = await trainer.score(
      demos.map((d) => d.prompt),
      demos.map((d) => d.response),
    );
    expect(s.reduce((a, b) => a + b, 0) / s.length).toBeCloseTo(0, 4);
    const [hi2, lo2] = await trainer.score([prompt, prompt], [[...encode('aaaaaa'), EOS], [...encode('bbbbbb'), EOS]]);
    expect(hi2).toBeCloseTo(hi - mean, 4);
    expect(lo2).toBeCloseTo(lo - mean, 4);
    trainer.dispose();
    model.dispose();
  });

  it("a ranking's tiers reach the loss: eval/loss is the mean over its pairs, ties and identical answers left out", async () => {
    const model = GPT.create(tiny, 7);
    // b and c tied; a2 is the same text as a but ranked last (a hand-made split of identical
    // answers): the loss must see exactly the pairs across tiers, minus b-c and a-a2.
    const ranking = tokenRankingFrom({ prompt: 'say a', responses: ['aaa', 'aab', 'abb', 'bbb', 'aaa'], order: [[0], [1, 2], [3], [4]] });
    const trainer = new RewardTrainer(model, [ranking], { maxResponses: 5, maxLength: 32, batchSize: 2 });
    const [a, b, c, d, a2] = await trainer.score(Array(5).fill(ranking.prompt), ranking.responses);
    expect(a2).toBeCloseTo(a, 5);
    const softplus = (x: number) => Math.log1p(Math.exp(x));
    // a>b, a>c, a>d, b>d, c>d, b>a2, c>a2, d>a2: 8 pairs (a vs a2 and b vs c give none).
    const margins = [a - b, a - c, a - d, b - d, c - d, b - a2, c - a2, d - a2];
    const expected = margins.reduce((sum, m) => sum + softplus(-m), 0) / margins.length;
    const m = await trainer.evaluate([ranking]);
    expect(m['eval/pairs']).toBe(8);
    expect(m['eval/loss']).toBeCloseTo(expected, 4);
    trainer.dispose();
    model.dispose();
  });

  it('drops rankings that give no pair, and refuses with a TrainingError when none is left', async () => {
    const model = GPT.create(tiny, 2);
    const [strict] = makeRankings(1, 3, 4);
    const allTied: TokenRanking = { ...strict, ties: [true, true] };
    const sameRows: TokenRanking = { prompt, responses: [strict.responses[0], [...strict.responses[0]]], order: [1, 0] };

    const mixed = new RewardTrainer(model, [allTied, strict, sameRows], { maxResponses: 3, maxLength: 24, batchSize: 2, learningRate: 1e-3 });
    expect(mixed.rankingCount).toBe(1);
    expect(mixed.droppedRankings).toBe(2);
    const m = await mixed.step();
    expect(Number.isFinite(m.loss)).toBe(true);
    expect(m.epoch).toBe(2); // one step of batch 2 over the 1 ranking kept
    expect((await mixed.evaluate([allTied, strict, sameRows]))['eval/pairs']).toBe(3);
    mixed.dispose();

    const tiedOnly = new RewardTrainer(model, [allTied, sameRows], { maxResponses: 3, maxLength: 24 });
    expect(tiedOnly.rankingCount).toBe(0);
    const err = await tiedOnly.step().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as TrainingError).stage).toBe('reward');
    expect((err as TrainingError).message).toMatch(/^reward step 1: none of the 2 rankings has an ordered pair to learn from/);
    expect(tiedOnly.state.step).toBe(0);
    // Evaluating such rankings is not an error: there is just nothing to measure.
    expect(await tiedOnly.evaluate([allTied])).toEqual({ 'eval/accuracy': NaN, 'eval/loss': NaN, 'eval/pairs': 0 });
    tiedOnly.dispose();

    // Responses that differ only past maxLength: alike as the model reads them, so dropped too.
    const long: TokenRanking = { prompt, responses: [[...encode('aaaaaaaaaaaa'), EOS], [...encode('aaaaaaaaaaab'), EOS]], order: [0, 1] };
    const cut = new RewardTrainer(model, [long], { maxResponses: 2, maxLength: prompt.length + 8 });
    expect(cut.droppedRankings).toBe(1);
    await expect(cut.step()).rejects.toThrow(/identical once cut to \d+ tokens/);
    cut.dispose();
    const whole = new RewardTrainer(model, [long], { maxResponses: 2, maxLength: 64 });
    expect(whole.rankingCount).toBe(1);
    whole.dispose();
    model.dispose();
  });

  it('rejects malformed rankings', () => {
    const model = GPT.create(tiny, 1);
    const r = makeRankings(1, 3, 1)[0];
    expect(() => new RewardTrainer(model, [{ ...r, order: [0, 0, 1] }], { maxResponses: 3 })).toThrow(/permutation of 0\.\.2: 'order' lists response 0 more than once/);
    expect(() => new RewardTrainer(model, [{ ...r, order: [0, 1] }], { maxResponses: 3 })).toThrow(/missing 2/);
    expect(() => new RewardTrainer(model, [r], { maxResponses: 2 })).toThrow(/maxResponses/);
    model.dispose();
  });
});
