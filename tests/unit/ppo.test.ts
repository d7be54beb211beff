import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT } from '../../src/lib/model/gpt';
import { EOS, VOCAB_SIZE, encode } from '../../src/lib/tokenizer';
import { encodePrompt } from '../../src/lib/world/format';
import { PpoTrainer, packRollout, type GenerateFn, type PpoConfig, type RewardFn } from '../../src/lib/train/ppo';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { vocabSize: VOCAB_SIZE, contextLength: 32, nLayer: 1, nHead: 2, dModel: 32 };
const A = encode('a')[0];
const prompts = ['say a', 'say it', 'go'].map((p) => encodePrompt(p));

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
  const small = { vocabSize: VOCAB_SIZE, contextLength: 32, nLayer: 1, nHead: 2, dModel: 16 };

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
