import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT } from '../../src/lib/model/gpt';
import { BOS, EOS } from '../../src/lib/tokenizer';
import { PpoTrainer, packRollout, rolloutWindow, type GenerateFn, type PpoConfig, type RewardFn } from '../../src/lib/train/ppo';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// PPO's mechanics on a toy 53-token vocabulary: with the word tokenizer's hundreds of tokens the
// hand-made reward below would be too rare for a random policy to find in ten iterations.
const TOY_VOCAB = 53;
const tiny = { vocabSize: TOY_VOCAB, contextLength: 32, nLayer: 1, nHead: 2, dModel: 32 };
const A = 10;
const prompts = [[BOS, 30, 31, 10], [BOS, 30, 40], [BOS, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 12]];

/** +1 per 'a' in the response: a reward a policy can raise quickly. */
const countA: RewardFn = async (_p, responses) => responses.map((r) => r.filter((t) => t === A).length);

const base: Partial<PpoConfig> = {
  learningRate: 3e-3,
  batchSize: 16,
  miniBatches: 2,
  ppoEpochs: 4,
  promptLength: 14,
  responseLength: 8,
  missingEosPenalty: null,
  seed: 11,
};

async function run(config: Partial<PpoConfig>, iterations: number, reward: RewardFn = countA): Promise<Array<Record<string, number>>> {
  const policy = GPT.create(tiny, 21);
  const ref = policy.clone();
  const value = GPT.create(tiny, 22);
  const trainer = new PpoTrainer({ policy, ref, value }, { rewardFn: reward, prompts }, { ...base, ...config });
  const history: Array<Record<string, number>> = [];
  for (let i = 0; i < iterations; i++) history.push(await trainer.step());
  expect(trainer.state.step).toBe(iterations);
  expect(trainer.lastSamples?.responses.length).toBe(config.batchSize ?? base.batchSize);
  trainer.dispose();
  [policy, ref, value].forEach((m) => m.dispose());
  return history;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('packRollout', () => {
  it('left-pads prompts to P, right-pads responses to R, and marks the last response token', () => {
    const p = packRollout([[1, 5], [1, 6, 7, 8]], [[9, EOS], [9, 9, 9, 9]], 3, 3);
    expect(Array.from(p.ids)).toEqual([0, 1, 5, 9, EOS, 0, 6, 7, 8, 9, 9, 9]);
    expect(Array.from(p.mask)).toEqual([0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(p.responseMask)).toEqual([1, 1, 0, 1, 1, 1]);
    expect(Array.from(p.lastIndex)).toEqual([1, 2]);
  });
});

describe('rolloutWindow', () => {
  it('keeps only the columns its rows use, each side rounded up to 8 tokens', () => {
    const prompt = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
    const response = (n: number): number[] => Array.from({ length: n }, () => 9);
    const p = packRollout([prompt(5), prompt(11)], [response(3), response(10)], 24, 24);
    expect(rolloutWindow(p, [0, 1])).toEqual({ rows: [0, 1], prompt: 16, response: 16 });
    expect(rolloutWindow(p, [0])).toEqual({ rows: [0], prompt: 8, response: 8 });
    expect(rolloutWindow(packRollout([prompt(23)], [response(24)], 24, 24), [0])).toEqual({ rows: [0], prompt: 24, response: 24 });
  });

  it("reads each response token's log-prob at the right place: KL per response equals an unpadded recomputation", async () => {
    const wide = { ...tiny, contextLength: 64 };
    const policy = GPT.create(wide, 21);
    const ref = GPT.create(wide, 23); // differs from the policy, so every token's KL is non-zero
    const value = GPT.create(wide, 22);
    const before = policy.clone();
    // P = 30 and R = 12 leave padding on both sides that the window drops.
    const trainer = new PpoTrainer({ policy, ref, value }, { rewardFn: countA, prompts }, { ...base, promptLength: 30, responseLength: 12, batchSize: 4 });
    await trainer.step();
    const s = trainer.lastSamples;
    if (!s) throw new Error('no samples');
    for (let b = 0; b < s.prompts.length; b++) {
      const seq = [...s.prompts[b], ...s.responses[b]];
      const expected = tf.tidy(() => {
        const ids = tf.tensor2d([seq], [1, seq.length], 'int32');
        const diff = tf.sub(before.tokenLogProbs(ids).logProbs, ref.tokenLogProbs(ids).logProbs);
        // Position t holds the log-prob of token t + 1: the response tokens are t >= P_b - 1.
        return tf.sum(tf.slice(diff, [0, s.prompts[b].length - 1], [1, s.responses[b].length])).dataSync()[0];
      });
      expect(s.kl[b]).toBeCloseTo(expected, 4);
    }
    trainer.dispose();
    [policy, ref, value, before].forEach((m) => m.dispose());
  });
});

describe('PpoTrainer scores at the sampling temperature', () => {
  const T = 0.7;
  /** Per response token of a rollout, from an unpadded forward: log softmax(logits / T) and its entropy. */
  function scoredByHand(model: GPT, prompt: number[], response: number[]): { logp: number[]; entropy: number[] } {
    return tf.tidy(() => {
      const seq = [...prompt, ...response];
      const { logits } = model.forward(tf.tensor2d([seq], [1, seq.length], 'int32'));
      const rows = tf.logSoftmax(tf.div(tf.squeeze(logits, [0]), T)).arraySync() as number[][];
      // Position t predicts token t + 1: response token j is predicted at prompt.length - 1 + j.
      const at = response.map((_, j) => rows[prompt.length - 1 + j]);
      return {
        logp: at.map((row, j) => row[response[j]]),
        entropy: at.map((row) => -row.reduce((a, l) => a + Math.exp(l) * l, 0)),
      };
    });
  }

  it('stores log-probs, ref log-probs, KL and entropy of softmax(logits / T), the distribution it sampled from', async () => {
    const policy = GPT.create(tiny, 21);
    const ref = GPT.create(tiny, 23); // differs from the policy, so the KL is not trivially 0
    const value = GPT.create(tiny, 22);
    const before = policy.clone();
    const trainer = new PpoTrainer({ policy, ref, value }, { rewardFn: countA, prompts }, { ...base, batchSize: 4, temperature: T });
    const metrics = await trainer.step();
    const s = trainer.lastSamples;
    const r = trainer.lastRollout;
    if (!s || !r) throw new Error('no rollout');
    // Worst per-token differences, so a failure reports how far off the scoring is.
    let worstLogp = 0;
    let worstRef = 0;
    let worstKl = 0;
    let entropy = 0;
    for (let b = 0; b < s.prompts.length; b++) {
      const pol = scoredByHand(before, s.prompts[b], s.responses[b]);
      const rf = scoredByHand(ref, s.prompts[b], s.responses[b]);
      pol.logp.forEach((lp, j) => {
        worstLogp = Math.max(worstLogp, Math.abs(r.logprobs[b * r.responseLength + j] - lp));
        worstRef = Math.max(worstRef, Math.abs(r.refLogprobs[b * r.responseLength + j] - rf.logp[j]));
      });
      worstKl = Math.max(worstKl, Math.abs(s.kl[b] - pol.logp.reduce((a, lp, j) => a + lp - rf.logp[j], 0)));
      entropy += pol.entropy.reduce((a, e) => a + e, 0);
    }
    expect(worstLogp).toBeLessThan(1e-4);
    expect(worstRef).toBeLessThan(1e-4);
    expect(worstKl).toBeLessThan(1e-3); // a sum over up to 8 tokens
    expect(metrics['objective/entropy']).toBeCloseTo(entropy / s.prompts.length, 3);
    trainer.dispose();
    [policy, ref, value, before].forEach((m) => m.dispose());
  });

  it('the first update sees ratio 1 and approxkl 0: old and new log-probs use the same temperature', async () => {
    const policy = GPT.create(tiny, 21);
    const ref = policy.clone();
    const value = GPT.create(tiny, 22);
    // One epoch of one minibatch: the only update is scored by the policy that sampled.
    const trainer = new PpoTrainer({ policy, ref, value }, { rewardFn: countA, prompts }, { ...base, batchSize: 4, miniBatches: 1, ppoEpochs: 1, temperature: T });
    const m = await trainer.step();
    expect(Math.abs(m['val/ratio'] - 1)).toBeLessThan(1e-6);
    expect(m['policy/approxkl_avg']).toBeLessThan(1e-10);
    expect(m['policy/clipfrac_avg']).toBe(0);
    trainer.dispose();
    [policy, ref, value].forEach((x) => x.dispose());
  });

  it('refuses topK (the scores would be of the untruncated softmax) and temperature 0', () => {
    const policy = GPT.create(tiny, 21);
    const ref = policy.clone();
    const value = GPT.create(tiny, 22);
    const make = (config: Partial<PpoConfig>): PpoTrainer => new PpoTrainer({ policy, ref, value }, { rewardFn: countA, prompts }, { ...base, ...config });
    expect(() => make({ topK: 5 })).toThrow(/topK/);
    expect(() => make({ temperature: 0 })).toThrow(/temperature/);
    make({ temperature: 0.5, topK: null }).dispose();
    [policy, ref, value].forEach((x) => x.dispose());
  });
});

describe('PpoTrainer', () => {
  // Two seeded 10-iteration runs from the same initial policy: no KL penalty, and a strong one.
  let free: Array<Record<string, number>> = [];
  let leashed: Array<Record<string, number>> = [];
  beforeAll(async () => {
    free = await run({ klCoef: 0 }, 10);
    leashed = await run({ klCoef: 1 }, 10);
  });

  it('raises objective/scores with a hand-made reward (+1 per "a")', () => {
    const early = mean(free.slice(0, 3).map((m) => m['objective/scores']));
    const late = mean(free.slice(-3).map((m) => m['objective/scores']));
    // A random 53-token policy writes about 8/53 = 0.15 'a' per 8-token response.
    expect(early).toBeLessThan(0.6);
    expect(late).toBeGreaterThan(early + 1);
  });

  it('reports every TRL metric, finite, with rlhf_reward = scores - beta * kl', () => {
    const m = leashed[leashed.length - 1];
    for (const key of [
      'objective/scores',
      'objective/kl',
      'objective/rlhf_reward',
      'objective/non_score_reward',
      'objective/entropy',
      'policy/clipfrac_avg',
      'policy/approxkl_avg',
      'loss/policy_avg',
      'loss/value_avg',
      'val/mean',
      'objective/beta',
      'eos_rate',
    ]) {
      expect(Number.isFinite(m[key]), key).toBe(true);
    }
    expect(m['objective/beta']).toBe(1);
    expect(m['objective/rlhf_reward']).toBeCloseTo(m['objective/scores'] - m['objective/kl'], 5);
    expect(m.episode).toBe(160);
  });

  it('keeps KL to the reference smaller with a large beta than with beta 0', () => {
    // The last 3 iterations of both runs: same seed, same prompts, only beta differs.
    const klFree = mean(free.slice(-3).map((m) => m['objective/kl']));
    const klLeashed = mean(leashed.slice(-3).map((m) => m['objective/kl']));
    expect(klFree).toBeGreaterThan(0.5);
    expect(klLeashed).toBeLessThan(0.5 * klFree);
  });
});

describe('PpoTrainer rollout rules', () => {
  // A fixed sampler: row 0 ends with EOS, row 1 is cut off without one.
  const fixed: GenerateFn = async (_m, p) => ({
    responses: p.map((_, i) => (i % 2 === 0 ? [A, EOS] : [A, A, A, A])),
    endedWithEos: p.map((_, i) => i % 2 === 0),
  });
  const half: RewardFn = async (_p, r) => r.map(() => 0.5);
  const small = { vocabSize: TOY_VOCAB, contextLength: 32, nLayer: 1, nHead: 2, dModel: 16 };

  async function once(config: Partial<PpoConfig>): Promise<{ trainer: PpoTrainer; metrics: Record<string, number>; dispose: () => void }> {
    const policy = GPT.create(small, 1);
    const ref = policy.clone();
    const value = policy.clone();
    const trainer = new PpoTrainer({ policy, ref, value }, { rewardFn: half, prompts, generate: fixed }, {
      ...base,
      batchSize: 2,
      ppoEpochs: 1,
      responseLength: 4,
      ...config,
    });
    const metrics = await trainer.step();
    return { trainer, metrics, dispose: () => [policy, ref, value].forEach((m) => m.dispose()) };
  }

  it('adds the missing-EOS penalty, or replaces the score with it', async () => {
    const add = await once({ missingEosPenalty: -1 });
    expect(add.trainer.lastSamples?.scores).toEqual([0.5, -0.5]);
    expect(add.trainer.lastSamples?.rawScores).toEqual([0.5, 0.5]);
    expect(add.metrics['objective/scores']).toBeCloseTo(0, 6);
    expect(add.metrics.eos_rate).toBe(0.5);
    expect(add.metrics['objective/response_length']).toBe(3); // (2 + 4) / 2
    add.dispose();
    const replace = await once({ missingEosPenalty: -1, missingEosReplace: true });
    expect(replace.trainer.lastSamples?.scores).toEqual([0.5, -1]);
    replace.dispose();
  });

  it('k1 KL is exactly 0 on the first iteration (policy = ref), k3 too', async () => {
    for (const klEstimator of ['k1', 'k3'] as const) {
      const r = await once({ klEstimator, klCoef: 0.5 });
      expect(Math.abs(r.metrics['objective/kl'])).toBeLessThan(1e-5);
      expect(r.metrics['objective/rlhf_reward']).toBeCloseTo(r.metrics['objective/scores'], 5);
      r.dispose();
    }
  });

  it('the adaptive controller moves beta by the Ziegler rule after each iteration', async () => {
    const r = await once({ klCoef: 0.1, adaptiveKl: { target: 6, horizon: 100 } });
    // The first iteration measures KL ~ 0 (policy = ref): error clipped to -0.2, n = 2:
    // beta = 0.1 * (1 - 0.2 * 2 / 100) = 0.0996
    expect(r.metrics['objective/beta']).toBe(0.1);
    expect(r.trainer.state.beta).toBeCloseTo(0.0996, 8);
    r.dispose();
  });
});
