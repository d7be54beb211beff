import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeGae, maskedWhiten, maskedWhitenArray } from '../../src/lib/train/rl-math';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Independent reference: A_t = sum_{l>=0} (gamma*lambda)^l * delta_{t+l}, on an unpadded episode.
function gaeByDefinition(r: number[], v: number[], gamma: number, lam: number): number[] {
  const n = r.length;
  const delta = r.map((rt, t) => rt + gamma * (t + 1 < n ? v[t + 1] : 0) - v[t]);
  return delta.map((_, t) => {
    let a = 0;
    for (let l = 0; t + l < n; l++) a += (gamma * lam) ** l * delta[t + l];
    return a;
  });
}

describe('computeGae', () => {
  it('matches the hand-computed example (gamma 1, lambda 0.95)', () => {
    // rewards [0, 0, 1], values [0.5, 0.4, 0.8], the last step is terminal (V after it = 0):
    // delta2 = 1 + 0 - 0.8 = 0.2                  A2 = 0.2
    // delta1 = 0 + 0.8 - 0.4 = 0.4                A1 = 0.4 + 0.95 * 0.2 = 0.59
    // delta0 = 0 + 0.4 - 0.5 = -0.1               A0 = -0.1 + 0.95 * 0.59 = 0.4605
    // returns = A + V = [0.9605, 0.99, 1.0]
    const { advantages, returns } = computeGae([0, 0, 1], [0.5, 0.4, 0.8], [1, 1, 1], 1, 3, 1, 0.95);
    expect([...advantages].map((x) => +x.toFixed(5))).toEqual([0.4605, 0.59, 0.2]);
    expect([...returns].map((x) => +x.toFixed(5))).toEqual([0.9605, 0.99, 1]);
  });

  it('treats the last unmasked token as terminal and ignores padding', () => {
    // Row 0 as above plus a padded 4th column; row 1 has 2 real steps:
    // rewards [0, 1], values [0.2, 0.3]: delta1 = 1 - 0.3 = 0.7, A1 = 0.7;
    // delta0 = 0 + 0.3 - 0.2 = 0.1, A0 = 0.1 + 0.95 * 0.7 = 0.765. Padding values (9, 7) must not leak.
    const rewards = [0, 0, 1, 0, 0, 1, 5, 5];
    const values = [0.5, 0.4, 0.8, 9, 0.2, 0.3, 9, 7];
    const mask = [1, 1, 1, 0, 1, 1, 0, 0];
    const { advantages, returns } = computeGae(rewards, values, mask, 2, 4);
    expect([...advantages].map((x) => +x.toFixed(5))).toEqual([0.4605, 0.59, 0.2, 0, 0.765, 0.7, 0, 0]);
    expect([...returns].map((x) => +x.toFixed(5))).toEqual([0.9605, 0.99, 1, 0, 0.965, 1, 0, 0]);
  });

  it('agrees with the sum-of-discounted-deltas definition for gamma < 1', () => {
    // gamma 0.9, lambda 0.5 by hand: delta2 = 0.2, A2 = 0.2; delta1 = 0.9*0.8 - 0.4 = 0.32,
    // A1 = 0.32 + 0.45*0.2 = 0.41; delta0 = 0.9*0.4 - 0.5 = -0.14, A0 = -0.14 + 0.45*0.41 = 0.0445
    const small = computeGae([0, 0, 1], [0.5, 0.4, 0.8], [1, 1, 1], 1, 3, 0.9, 0.5);
    expect(small.advantages[0]).toBeCloseTo(0.0445, 5);
    expect(small.advantages[1]).toBeCloseTo(0.41, 5);
    const r = [0.3, -0.1, 0.05, 0.7, -0.2];
    const v = [0.1, 0.4, -0.3, 0.2, 0.9];
    const ref = gaeByDefinition(r, v, 0.97, 0.8);
    const got = computeGae(r, v, [1, 1, 1, 1, 1], 1, 5, 0.97, 0.8);
    ref.forEach((a, i) => expect(got.advantages[i]).toBeCloseTo(a, 5));
  });
});

describe('masked whitening', () => {
  const x = [1, 2, 3, 100, 4];
  const mask = [1, 1, 1, 0, 1];

  function stats(values: ArrayLike<number>, m: number[]): { mean: number; variance: number } {
    const kept = m.flatMap((k, i) => (k ? [values[i]] : []));
    const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
    const variance = kept.reduce((a, b) => a + (b - mean) ** 2, 0) / (kept.length - 1);
    return { mean, variance };
  }

  it('gives mean 0 and (sample) variance 1 over the masked entries', async () => {
    const out = await tf.tidy(() => maskedWhiten(tf.tensor1d(x), tf.tensor1d(mask))).data();
    const s = stats(out, mask);
    expect(s.mean).toBeCloseTo(0, 5);
    expect(s.variance).toBeCloseTo(1, 4);
    // By hand: mean 2.5, sample variance (2.25+0.25+0.25+2.25)/3 = 5/3, so (1-2.5)/sqrt(5/3)
    expect(out[0]).toBeCloseTo(-1.5 / Math.sqrt(5 / 3), 4);
    expect(out[3]).toBe(0);
  });

  it('ignores the masked-out entries', async () => {
    const a = await tf.tidy(() => maskedWhiten(tf.tensor1d(x), tf.tensor1d(mask))).data();
    const b = await tf.tidy(() => maskedWhiten(tf.tensor1d([1, 2, 3, -7e4, 4]), tf.tensor1d(mask))).data();
    [...a].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
  });

  it('keeps the mean when shiftMean is false, and the array twin agrees', async () => {
    const kept = await tf.tidy(() => maskedWhiten(tf.tensor1d(x), tf.tensor1d(mask), false)).data();
    expect(stats(kept, mask).mean).toBeCloseTo(2.5, 5);
    const arr = maskedWhitenArray(x, mask);
    const t = await tf.tidy(() => maskedWhiten(tf.tensor1d(x), tf.tensor1d(mask))).data();
    [...t].forEach((v, i) => expect(arr[i]).toBeCloseTo(v, 5));
  });
});
