// `reward: 'gold'` swaps the reward model out of PPO for the gold judge. Checked on a tiny random
// model with a tiny budget (seconds): the first PPO iteration's rollouts are the same in every
// run below (same seed, same SFT model), so its mean score shows which reward scored them.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend-node';
import { DEFAULT_CONFIG, GPT } from '../../src/lib/model';
import { runPipeline, settingsFor, type PipelineSettings } from '../../src/lib/rlhf';

const TINY: Partial<PipelineSettings> = {
  sftMaxSteps: 2,
  sftEvalEvery: 1,
  sftPatience: 1,
  sftBatchSize: 4,
  rounds: 1,
  rankingsPerRound: 4,
  k: 2,
  rmEpochs: 1,
  rmBatchSize: 2,
  ppoIterations: 1,
  ppoBatchSize: 4,
  ppoEpochs: 1,
  responseLength: 8,
  evalEvery: 1,
  evalPrompts: 6,
  evalSamples: 1,
};

let base: GPT;

async function firstPpoScore(overrides: Partial<PipelineSettings>): Promise<number> {
  const logged: Record<string, number | string>[] = [];
  await runPipeline(base, settingsFor('default', { ...TINY, ...overrides }), { onLog: (r) => logged.push(r) });
  const ppo = logged.find((r) => r.stage === 'ppo');
  if (!ppo) throw new Error('no PPO step logged');
  return ppo['objective/scores'] as number;
}

beforeAll(async () => {
  await initNodeBackend('wasm');
  base = GPT.create({ ...DEFAULT_CONFIG, nLayer: 1, nHead: 2, dModel: 32 }, 3);
});

afterAll(() => {
  base?.dispose();
  tf.disposeVariables();
});

describe("PPO's reward: the reward model or the gold judge", () => {
  it('with reward gold the reward model has no say in the scores; with the reward model it does', async () => {
    const gold = await firstPpoScore({ reward: 'gold', rmLearningRate: 1e-4 });
    const goldOtherRm = await firstPpoScore({ reward: 'gold', rmLearningRate: 3e-2 });
    const model = await firstPpoScore({ reward: 'model', rmLearningRate: 1e-4 });
    const modelOtherRm = await firstPpoScore({ reward: 'model', rmLearningRate: 3e-2 });
    expect(Number.isFinite(gold)).toBe(true);
    expect(goldOtherRm).toBe(gold);
    expect(modelOtherRm).not.toBe(model);
    expect(model).not.toBe(gold);
  }, 300_000);
});
