import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT } from '../../src/lib/model/gpt';
import { createRng } from '../../src/lib/random';
import { EOS, VOCAB_SIZE, encode } from '../../src/lib/tokenizer';
import { encodePrompt } from '../../src/lib/world/format';
import { RewardTrainer, packScoredRows, rankingFromTiers, scoreWithModel, type TokenRanking } from '../../src/lib/train/reward';
import { rankingPairs } from '../../src/lib/train/rl-math';

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
    // 2 beats 0, 3, 1; 0 and 3 beat 1; 0 vs 3 is a tie: 5 pairs of C(4,2) = 6.
    expect(rankingPairs(r.order, r.ties)).toEqual([
      [2, 0],
      [2, 3],
      [2, 1],
      [0, 1],
      [3, 1],
    ]);
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

  it('rejects malformed rankings', () => {
    const model = GPT.create(tiny, 1);
    const r = makeRankings(1, 3, 1)[0];
    expect(() => new RewardTrainer(model, [{ ...r, order: [0, 0, 1] }], { maxResponses: 3 })).toThrow(/permutation/);
    expect(() => new RewardTrainer(model, [r], { maxResponses: 2 })).toThrow(/maxResponses/);
    model.dispose();
  });
});
