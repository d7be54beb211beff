// The whole loop, seeded: `npm run pipeline -- --preset quick` on the shipped base model. What it
// does at this budget, asserted with margins: SFT learns the answer format (gold score well above
// the base model's), and PPO optimises the reward it is given (its held-out answers score higher
// under the reward model than SFT's) on a KL leash. This is the same runPipeline the CLI runs and
// the page's worker drives; it took 14 minutes beside two other pipeline runs (word tokens).
//
// What it does not assert: that PPO beats SFT on the gold judge. At this budget PPO's gold gain
// over SFT is -0.008 to +0.028 over seeds 1-5 of the default preset (win rate 0.495 to 0.536), a
// spread as large as the gain, and less than greedy decoding of SFT alone wins (0.514 to 0.550).
// Per-seed figures: docs/RESULTS.md. Making the gold gain reliable is the lesson issue's work.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend-node';
import { applyCheckpoint, parseCheckpoint } from '../../src/lib/io/checkpoint';
import { DEFAULT_CONFIG, GPT } from '../../src/lib/model';
import { runPipeline, settingsFor, type PipelineSummary } from '../../src/lib/rlhf';

/** SFT's gold score over the base model's (default preset, seeds 1-5: +0.113 to +0.149 on 480 answers). */
const SFT_GOLD_MARGIN = 0.05;
/**
 * PPO's mean reward-model score of its held-out answers over SFT's (default preset, seed 1, word
 * tokens: +0.260, -0.035 -> 0.225; +0.052 with characters). The reward model's scores of the
 * answers to one prompt spread about 0.4 (std), so 0.02 is about one standard error of the difference of two 480-answer means; a PPO that ignored or
 * inverted its reward would end near 0 or below.
 */
const RM_SCORE_MARGIN = 0.02;

let base: GPT;
/** Largest absolute weight change from SFT of the models runPipeline hands to onModels. */
let policyDrift = Number.NaN;
let rmDrift = Number.NaN;

async function largestWeightChange(from: GPT, to: GPT): Promise<number> {
  let largest = 0;
  for (const [name, w] of from.weights) {
    const other = to.weights.get(name);
    if (!other) throw new Error(`missing weight ${name}`);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(w, other))));
    largest = Math.max(largest, (await d.data())[0]);
    d.dispose();
  }
  return largest;
}
let summary: PipelineSummary;
const logged: Record<string, number | string>[] = [];

beforeAll(async () => {
  await initNodeBackend('wasm');
  base = GPT.create(DEFAULT_CONFIG, 0);
  applyCheckpoint(base, parseCheckpoint(new Uint8Array(readFileSync(join(import.meta.dirname, '..', '..', 'public', 'models', 'base', 'base.ckpt')))));
  summary = await runPipeline(base, settingsFor('quick'), {
    onLog: (record) => logged.push(record),
    onModels: async ({ sft, rm, policy }) => {
      policyDrift = await largestWeightChange(sft, policy);
      rmDrift = await largestWeightChange(sft, rm);
    },
  });
}, 1_800_000);

afterAll(() => {
  base?.dispose();
  tf.disposeVariables();
});

describe('the quick preset (seeded)', () => {
  const quickIterations = settingsFor('quick').ppoIterations * settingsFor('quick').rounds;

  it('SFT learns the answer format: well above the base model on the gold judge', () => {
    expect(summary.sft.gold_score - summary.base.gold_score).toBeGreaterThanOrEqual(SFT_GOLD_MARGIN);
    expect(summary.base.win_rate_vs_sft).toBeLessThan(0.4);
    // Readable: word tokens leave no glued or made-up words (100.0% on seeds 1-5; characters: 95.8%).
    expect(summary.sft.fluency).toBeGreaterThanOrEqual(0.99);
    expect(summary.ppo.fluency).toBeGreaterThanOrEqual(0.99);
  });

  it('PPO optimises the reward model on held-out prompts, on the KL leash', () => {
    expect(summary.ppo.rm_score - summary.sft.rm_score).toBeGreaterThanOrEqual(RM_SCORE_MARGIN);
    expect(summary.ppo.kl).toBeGreaterThan(0.5);
    expect(summary.ppo.kl).toBeLessThan(10);
  });

  it('reports every number of the summary, finite and in range', () => {
    for (const stage of [summary.base, summary.sft, summary.ppo]) {
      expect(stage.win_rate_vs_sft).toBeGreaterThanOrEqual(0);
      expect(stage.win_rate_vs_sft).toBeLessThanOrEqual(1);
      expect(stage.gold_score).toBeGreaterThan(0);
      expect(Object.keys(stage.by_family).sort()).toEqual(['arithmetic', 'fact', 'harmful', 'open', 'unknown', 'word']);
      expect(stage.hedge_rate).toBeGreaterThanOrEqual(0);
      expect(stage.hedge_rate).toBeLessThanOrEqual(1);
      expect(Number.isFinite(stage.rm_score)).toBe(true);
    }
    expect(summary.sft.win_rate_vs_sft).toBe(0.5);
    expect(summary.rm.heldout_accuracy).toBeGreaterThan(0);
    expect(summary.rm.clear_pairs).toBeGreaterThan(0);
    expect(summary.rm.clear_pairs).toBeLessThanOrEqual(summary.rm.pairs);
    expect(Number.isFinite(summary.ppo.kl)).toBe(true);
    expect(summary.ppo.iterations).toBe(quickIterations);
    expect(summary.wall_seconds).toBeGreaterThan(0);
  });

  it('logs every stage step with TRL metric names', () => {
    const ppoSteps = logged.filter((r) => r.stage === 'ppo');
    expect(ppoSteps).toHaveLength(quickIterations);
    for (const name of ['objective/scores', 'objective/kl', 'objective/rlhf_reward', 'objective/entropy', 'policy/clipfrac_avg', 'policy/approxkl_avg', 'loss/policy_avg', 'loss/value_avg']) {
      expect(ppoSteps.every((r) => typeof r[name] === 'number' && Number.isFinite(r[name]))).toBe(true);
    }
    expect(logged.some((r) => r.stage === 'sft' && typeof r['eval/loss'] === 'number')).toBe(true);
    expect(logged.some((r) => r.stage === 'eval' && typeof r['eval/win_rate'] === 'number')).toBe(true);
  });

  it('hands the trained models to onModels (what --save writes): policy and RM both moved away from SFT', () => {
    expect(policyDrift).toBeGreaterThan(1e-3);
    expect(rmDrift).toBeGreaterThan(1e-3);
  });

  it('early-stops SFT on held-out loss (the fair baseline)', () => {
    const evals = logged.filter((r) => r.stage === 'sft' && typeof r['eval/loss'] === 'number').map((r) => r['eval/loss'] as number);
    expect(summary.sft.heldout_loss).toBeCloseTo(Math.min(...evals), 10);
  });
});
