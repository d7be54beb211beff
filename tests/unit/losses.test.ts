import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPairTable, ppoPolicyLoss, ppoValueLoss, rankingLoss, rankingPairs } from '../../src/lib/train/rl-math';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const softplus = (x: number): number => Math.log1p(Math.exp(x));

describe('clipped PPO policy loss', () => {
  // old logp 0, so ratio = exp(logp). eps = 0.2, i.e. ratio in [0.8, 1.2] is unclipped.
  const logp = [0.5, -0.5, -0.5, 0.5, 0.1, 0.3];
  const adv = [1, 1, -1, -1, 2, 5];
  const mask = [1, 1, 1, 1, 1, 0];
  const eps = 0.2;

  it('matches max(-A r, -A clip(r)) averaged over the mask, with clipfrac and approxkl', async () => {
    const res = tf.tidy(() => {
      const out = ppoPolicyLoss(tf.tensor1d(logp), tf.zeros([6]), tf.tensor1d(adv), tf.tensor1d(mask), eps);
      return tf.stack([out.loss, out.clipfrac, out.approxkl]);
    });
    const [loss, clipfrac, approxkl] = await res.data();
    res.dispose();
    let sum = 0;
    let clipped = 0;
    let sq = 0;
    for (let i = 0; i < 5; i++) {
      const r = Math.exp(logp[i]);
      const a = -adv[i] * r;
      const b = -adv[i] * Math.min(Math.max(r, 1 - eps), 1 + eps);
      sum += Math.max(a, b);
      if (b > a) clipped++;
      sq += logp[i] ** 2;
    }
    expect(loss).toBeCloseTo(sum / 5, 5);
    // entries 0 (A>0, r=1.65) and 2 (A<0, r=0.61) are clipped
    expect(clipped).toBe(2);
    expect(clipfrac).toBeCloseTo(2 / 5, 6);
    expect(approxkl).toBeCloseTo((0.5 * sq) / 5, 6);
  });

  it('has zero gradient w.r.t. logp where the ratio left the clip range on the clipped side', async () => {
    const g = tf.tidy(() =>
      tf.grad((lp: tf.Tensor) => ppoPolicyLoss(lp, tf.zeros([6]), tf.tensor1d(adv), tf.tensor1d(mask), eps).loss)(
        tf.tensor1d(logp),
      ),
    );
    const grad = await g.data();
    g.dispose();
    // d/dlogp of -A * exp(logp) / n = -A * r / n where the unclipped term is active.
    expect(grad[0]).toBe(0); // A > 0, r = 1.65 > 1.2: clipped
    expect(grad[1]).toBeCloseTo((-1 * Math.exp(-0.5)) / 5, 6); // A > 0, r = 0.61: still pushes up
    expect(grad[2]).toBe(0); // A < 0, r = 0.61 < 0.8: clipped
    expect(grad[3]).toBeCloseTo((1 * Math.exp(0.5)) / 5, 6); // A < 0, r = 1.65: still pushes down
    expect(grad[4]).toBeCloseTo((-2 * Math.exp(0.1)) / 5, 6); // inside the range
    expect(grad[5]).toBe(0); // masked out
  });
});

describe('clipped value loss', () => {
  it('matches 0.5 * mean(max((v-R)^2, (clip(v)-R)^2)) by hand', async () => {
    // v_old = [0, 0, 1], v = [0.5, -0.1, 1.0], R = [1, 0, 0], eps 0.2, mask [1, 1, 1]
    // row 0: unclipped (0.5-1)^2 = 0.25, clipped v = 0.2 -> (0.2-1)^2 = 0.64 -> 0.64 (clipped wins)
    // row 1: (-0.1)^2 = 0.01, inside the range -> 0.01
    // row 2: (1-0)^2 = 1, same -> 1
    // loss = 0.5 * (0.64 + 0.01 + 1) / 3 = 0.275
    const out = tf.tidy(() => {
      const r = ppoValueLoss(tf.tensor1d([0.5, -0.1, 1]), tf.tensor1d([0, 0, 1]), tf.tensor1d([1, 0, 0]), tf.ones([3]), 0.2);
      return tf.stack([r.loss, r.clipfrac]);
    });
    const [loss, clipfrac] = await out.data();
    out.dispose();
    expect(loss).toBeCloseTo(0.275, 6);
    expect(clipfrac).toBeCloseTo(1 / 3, 6);
  });
});

describe('reward-model ranking loss', () => {
  it('one K=3 ranking: the mean of its three pairwise -log sigmoid terms', async () => {
    // scores r = [2.0, 0.5, 1.0], order best first [0, 2, 1]:
    // pairs (0>2): 2-1 = 1, (0>1): 2-0.5 = 1.5, (2>1): 1-0.5 = 0.5
    // -log sigmoid(x) = log(1 + e^-x): 0.313262, 0.201413, 0.474077, mean 0.329584
    expect(rankingPairs([0, 2, 1])).toEqual([
      [0, 2],
      [0, 1],
      [2, 1],
    ]);
    const table = buildPairTable([{ offset: 0, count: 3, order: [0, 2, 1] }], 3);
    const out = tf.tidy(() => {
      const r = rankingLoss(tf.tensor1d([2, 0.5, 1]), table);
      return tf.stack([r.loss, r.accuracy]);
    });
    const [loss, accuracy] = await out.data();
    out.dispose();
    const byHand = (softplus(-1) + softplus(-1.5) + softplus(-0.5)) / 3;
    expect(byHand).toBeCloseTo(0.329584, 5);
    expect(loss).toBeCloseTo(byHand, 5);
    expect(accuracy).toBe(1);
  });

  it('averages over rankings, counts accuracy per pair, skips ties, and has the right gradient', async () => {
    // ranking A (rows 0-1): order [1, 0]; ranking B (rows 2-4): order [0, 1, 2] with 0 tied to 1
    // so B keeps pairs (0>2), (1>2) only. Row 5 is padding.
    const table = buildPairTable(
      [
        { offset: 0, count: 2, order: [1, 0] },
        { offset: 2, count: 3, order: [0, 1, 2], ties: [true, false] },
      ],
      6,
    );
    expect([...table.winners]).toEqual([1, 2, 3]);
    expect([...table.losers]).toEqual([0, 4, 4]);
    const s = [0.3, -0.2, 1.0, 0.0, 0.5, 42];
    // A: margin -0.2 - 0.3 = -0.5 (wrong); B: 1 - 0.5 = 0.5, 0 - 0.5 = -0.5 (wrong)
    const expected = 0.5 * softplus(0.5) + 0.5 * ((softplus(-0.5) + softplus(0.5)) / 2);
    const out = tf.tidy(() => {
      const r = rankingLoss(tf.tensor1d(s), table);
      return tf.stack([r.loss, r.accuracy]);
    });
    const [loss, accuracy] = await out.data();
    out.dispose();
    expect(loss).toBeCloseTo(expected, 5);
    expect(accuracy).toBeCloseTo(1 / 3, 6);
    // d/dr_w softplus(-(r_w - r_l)) = -sigmoid(-(m)), weight 1/2 for A, 1/4 for B's pairs.
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => rankingLoss(x as tf.Tensor1D, table).loss)(tf.tensor1d(s)));
    const grad = await g.data();
    g.dispose();
    const sig = (x: number): number => 1 / (1 + Math.exp(-x));
    expect(grad[1]).toBeCloseTo(-0.5 * sig(0.5), 5); // winner of A, margin -0.5
    expect(grad[0]).toBeCloseTo(0.5 * sig(0.5), 5);
    expect(grad[2]).toBeCloseTo(-0.25 * sig(-0.5), 5);
    expect(grad[4]).toBeCloseTo(0.25 * sig(-0.5) + 0.25 * sig(0.5), 5);
    expect(grad[5]).toBe(0);
  });
});
