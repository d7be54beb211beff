import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPairTable, ppoPolicyLoss, ppoValueLoss, rankingLoss, temperedLogProbs } from '../../src/lib/train/rl-math';
import { rankingPairs } from '../../src/lib/io/rankings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const softplus = (x: number): number => Math.log1p(Math.exp(x));

describe('log-probs at a sampling temperature', () => {
  it('are those of softmax(logits / T), with the entropy of that distribution', async () => {
    // T = 0.5. Position 0: logits [1, 0, -1e9] (a 2-token distribution), z = [2, 0, -2e9]:
    // log p = [-0.126928, -2.126928, -inf], entropy 0.365334; target 1.
    // Position 1: logits [0.3, -0.6, 0.9], z = [0.6, -1.2, 1.8]: log p = [-1.500831, -3.300831,
    // -0.300831], entropy 0.678922; target 2.
    const out = tf.tidy(() => {
      const logits = tf.tensor3d([[[1, 0, -1e9], [0.3, -0.6, 0.9]]]);
      const r = temperedLogProbs(logits, tf.tensor2d([[1, 2]], [1, 2], 'int32'), 0.5);
      return tf.concat([tf.reshape(r.logProbs, [2]), tf.reshape(r.entropy, [2])]);
    });
    const [lp0, lp1, h0, h1] = await out.data();
    out.dispose();
    expect(lp0).toBeCloseTo(-2.126928, 5);
    expect(lp1).toBeCloseTo(-0.300831, 5);
    expect(h0).toBeCloseTo(0.365334, 5);
    expect(h1).toBeCloseTo(0.678922, 5);
  });
});

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

describe('clipped value loss: the clip fraction', () => {
  const eps = 0.2;
  async function clipfracOf(v: number[], old: number[], ret: number[], mask = v.map(() => 1)): Promise<number> {
    const t = tf.tidy(() => ppoValueLoss(tf.tensor1d(v), tf.tensor1d(old), tf.tensor1d(ret), tf.tensor1d(mask), eps).clipfrac);
    const [c] = await t.data();
    t.dispose();
    return c;
  }

  it('is exactly 0 when every value stays inside [old - eps, old + eps]', async () => {
    // Values near 0 (old and new of different sizes or signs, where v - old is not exact in
    // float32, so old + clip(v - old) is often not v), moved by less than eps either way, with
    // returns on both sides: no token may look clipped.
    const old: number[] = [];
    const v: number[] = [];
    const ret: number[] = [];
    for (let i = 0; i < 200; i++) {
      const o = Math.sin(i * 1.7) * 0.15;
      old.push(o);
      v.push(o + 0.199 * Math.sin(i * 0.37 + 0.1));
      ret.push(o + 2 * Math.cos(i * 0.91));
    }
    expect(await clipfracOf(v, old, ret)).toBe(0);
  });

  it('counts the tokens whose value left the band with the clipped error the larger, over the mask', async () => {
    // old 1.3 everywhere, band [1.1, 1.5]. By hand, (v, R):
    //   (1.8, 2.5): outside above, return further up: clipped error 1.0^2 > 0.7^2  -> counted
    //   (0.6, 0.0): outside below, return further down: 1.1^2 > 0.6^2              -> counted
    //   (1.8, 1.0): outside above, return below: clipped 0.5^2 < 0.8^2, the unclipped error
    //               drives the gradient (TRL counts vf_losses2 > vf_losses1 only) -> not counted
    //   (1.45, 3.0), (1.15, -2.0), (1.3, 1.3): inside                              -> not counted
    //   (2.0, 9.0): would count, masked out
    // clipfrac = 2 / 6
    const v = [1.8, 0.6, 1.8, 1.45, 1.15, 1.3, 2.0];
    const ret = [2.5, 0.0, 1.0, 3.0, -2.0, 1.3, 9.0];
    const mask = [1, 1, 1, 1, 1, 1, 0];
    expect(await clipfracOf(v, v.map(() => 1.3), ret, mask)).toBeCloseTo(2 / 6, 6);
  });

  it('gives the value zero gradient where the clip binds and the plain (v - R) gradient elsewhere', async () => {
    const v = [1.8, 1.8, 1.45];
    const ret = [2.5, 1.0, 3.0];
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => ppoValueLoss(x, tf.fill([3], 1.3), tf.tensor1d(ret), tf.ones([3]), eps).loss)(tf.tensor1d(v)));
    const grad = await g.data();
    g.dispose();
    // d/dv 0.5 * mean((v - R)^2) = (v - R) / 3 where the unclipped error is the max.
    expect(Math.abs(grad[0])).toBe(0); // -0 from the clamp's gradient
    expect(grad[1]).toBeCloseTo((1.8 - 1.0) / 3, 6);
    expect(grad[2]).toBeCloseTo((1.45 - 3.0) / 3, 6);
  });
});

describe('reward-model ranking loss', () => {
  it('one K=3 ranking: the mean of its three pairwise -log sigmoid terms', async () => {
    // scores r = [2.0, 0.5, 1.0], order best first [0, 2, 1]:
    // pairs (0>2): 2-1 = 1, (0>1): 2-0.5 = 1.5, (2>1): 1-0.5 = 0.5
    // -log sigmoid(x) = log(1 + e^-x): 0.313262, 0.201413, 0.474077, mean 0.329584
    const pairs = rankingPairs({ order: [[0], [2], [1]] });
    expect(pairs).toEqual([
      { chosen: 0, rejected: 2 },
      { chosen: 0, rejected: 1 },
      { chosen: 2, rejected: 1 },
    ]);
    const table = buildPairTable([{ offset: 0, pairs }], 3);
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
        { offset: 0, pairs: rankingPairs({ order: [[1], [0]] }) },
        { offset: 2, pairs: rankingPairs({ order: [[0, 1], [2]] }) },
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
