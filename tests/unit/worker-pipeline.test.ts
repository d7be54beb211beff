// The worker's adapter over the one program (src/worker/pipeline.ts), in Node on a tiny model:
// a card runs its part of the program and stops there; pause is honoured after one step; a card
// out of order or an impossible setting is refused on the card with the reason; replacing the
// base model ends the run, so no later stage stays "done" on top of the old one.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend-node';
import { DEFAULT_CONFIG, GPT } from '../../src/lib/model';
import { settingsFor } from '../../src/lib/rlhf';
import { Pipeline } from '../../src/worker/pipeline';
import { PTX_PREFIX, type StageStateEvent, type TrainCommand, type WorkerEvent } from '../../src/worker/protocol';

const SETTINGS = settingsFor('tiny', { seed: 2, sftMaxSteps: 6, sftEvalEvery: 3, sftPatience: 2 });
const SAMPLE_PROMPTS = ['what is 2 plus 3?', 'say something nice about snow.'];

let base: GPT;
let events: WorkerEvent[];

function adapter(): Pipeline {
  events = [];
  return new Pipeline({
    post: (e) => events.push(e),
    getBase: () => base,
    setBase: (m) => (base = m),
    reloadShippedBase: async () => null,
    lost: () => false,
    errorMessage: (err) => (err instanceof Error ? err.message : String(err)),
  });
}

const train = (stage: 'sft' | 'reward' | 'ppo' | 'all', mode: 'run' | 'step' = 'run', settings = SETTINGS): TrainCommand => ({ type: 'train', stage, mode, settings, humanRankings: [] });
const lastCard = (stage: string): StageStateEvent | undefined => events.filter((e): e is StageStateEvent => e.type === 'stageState' && e.stage === stage).at(-1);
/** Waits for the detached run loop to end (it posts the cards' states last). */
async function settle(p: Pipeline): Promise<void> {
  while (p.isRunning) await new Promise((r) => setTimeout(r, 5));
  await p.withLock(() => undefined);
}

beforeAll(async () => {
  await initNodeBackend('wasm');
  base = GPT.create({ ...DEFAULT_CONFIG, contextLength: 96, nLayer: 1, nHead: 2, dModel: 32 }, 4);
});

afterAll(() => {
  base?.dispose();
  tf.disposeVariables();
});

describe('the worker adapter', () => {
  it('the SFT card runs base evaluation and SFT, then stops with the next card ready', async () => {
    const p = adapter();
    await p.train(train('sft'));
    await settle(p);
    expect(lastCard('sft')).toMatchObject({ state: 'done', step: 6, target: 6 });
    expect(lastCard('reward')).toMatchObject({ state: 'not-started' });
    // Before PPO the policy is SFT: it answers as SFT, and is not saved as a policy it is not.
    expect(p.answeringAs('policy')).toBe('sft');
    expect(p.answeringAs('base')).toBe('base');
    expect(p.modelFor('policy')).toBe(p.modelFor('sft'));
    expect(() => p.checkpointModel('policy')).toThrow('There is no PPO policy yet: train it first.');
    expect(() => p.checkpointModel('rm')).toThrow('There is no reward model yet: train it first.');
    expect(p.checkpointModel('sft')).toBe(p.modelFor('sft'));
    const program = events.filter((e) => e.type === 'program').at(-1);
    expect(program?.type === 'program' ? program.position : null).toMatchObject({ phase: 'rankings', round: 0 });
    const sftPoints = events.flatMap((e) => (e.type === 'metrics' && e.stage === 'sft' ? e.points : []));
    expect(sftPoints.map((pt) => pt.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sftPoints.filter((pt) => typeof pt.values['eval/loss'] === 'number')).toHaveLength(2);
    // No reward model yet: the side-by-side samples come without SFT's best-of-n.
    const samples = await p.sample({ type: 'sample', requestId: 's0', prompts: SAMPLE_PROMPTS, models: ['base', 'sft'], temperature: 0.7, maxNewTokens: 6, seed: 5, bestOfN: 3 });
    expect(samples.rows).toHaveLength(2);
    expect(samples.bestOfN).toBeUndefined();
  });

  it('a card out of order, or an impossible setting, is refused on the card with the reason', async () => {
    const p = adapter();
    await p.train(train('ppo'));
    expect(lastCard('ppo')?.message).toBe('Finish SFT first.');
    await p.train(train('sft', 'run', { ...SETTINGS, beta: -1 }));
    expect(lastCard('sft')?.message).toMatch(/beta must be a number >= 0 \(got -1\)/);
    expect(p.isRunning).toBe(false);
  });

  it('pause stops the run after the step in progress', async () => {
    const p = adapter();
    await p.train(train('all'));
    // Pause as soon as the first SFT step reports.
    while (!events.some((e) => e.type === 'stageState' && e.stage === 'sft' && e.state === 'training' && e.step >= 1)) await new Promise((r) => setTimeout(r, 2));
    p.pause();
    await settle(p);
    const card = lastCard('sft');
    expect(card?.state).toBe('paused');
    expect(card?.step).toBeLessThanOrEqual(2);
    // Step goes on by exactly one step of the program.
    await p.train(train('sft', 'step'));
    await settle(p);
    expect(lastCard('sft')?.step).toBe((card?.step ?? 0) + 1);
  });

  it('the PPO card trains PPO-ptx after PPO: its points ride on PPO\'s steps under ptx/, never as PPO\'s own', async () => {
    const p = adapter();
    await p.train(train('all', 'run', { ...SETTINGS, ptxCoef: 0.5 }));
    await settle(p);
    const points = events.flatMap((e) => (e.type === 'metrics' && e.stage === 'ppo' ? e.points : []));
    const ppo = points.filter((pt) => 'objective/kl' in pt.values);
    const ptx = points.filter((pt) => `${PTX_PREFIX}objective/kl` in pt.values);
    expect(ppo.map((pt) => pt.step)).toEqual([1, 2]);
    expect(ptx.map((pt) => pt.step)).toEqual([1, 2]);
    expect(ptx.every((pt) => Object.keys(pt.values).every((k) => k === 'round' || k.startsWith(PTX_PREFIX)))).toBe(true);
    expect(ptx.some((pt) => typeof pt.values[`${PTX_PREFIX}loss/ptx_avg`] === 'number')).toBe(true);
    const program = events.filter((e) => e.type === 'program').at(-1);
    const summary = program?.type === 'program' ? program.summary : null;
    expect(summary?.ppo_ptx?.iterations).toBe(2);
    expect(lastCard('ppo')?.state).toBe('done');
    // With a reward model, SFT's best of 3 by it comes with the samples, each scored by it.
    const samples = await p.sample({ type: 'sample', requestId: 's1', prompts: SAMPLE_PROMPTS, models: ['sft', 'policy'], temperature: 0.7, maxNewTokens: 6, seed: 5, bestOfN: 3 });
    expect(samples.bestOfN?.n).toBe(3);
    expect(samples.bestOfN?.row.map((cell) => Number.isFinite(cell.reward))).toEqual([true, true]);
    expect(samples.bestOfN?.row.map((cell) => cell.gold === null || Number.isFinite(cell.gold))).toEqual([true, true]);
    const without = await p.sample({ type: 'sample', requestId: 's2', prompts: SAMPLE_PROMPTS, models: ['sft'], temperature: 0.7, maxNewTokens: 6, seed: 5 });
    expect(without.bestOfN).toBeUndefined();
  });

  it('a ranking a person makes while SFT trains counts in round 0: the simulated labeler ranks one prompt fewer', async () => {
    const p = adapter();
    await p.train(train('all'));
    while (!events.some((e) => e.type === 'stageState' && e.stage === 'sft' && e.state === 'training' && e.step >= 1)) await new Promise((r) => setTimeout(r, 2));
    const mine = { id: 'person-1', prompt: 'what is 2 plus 3?', responses: ['5.', '6.'], order: [[0], [1]], source: 'human' as const, round: 0, model: 'sft', createdAt: '2026-12-08T00:00:00Z' };
    p.addHumanRankings([mine, { ...mine, id: 'simulated-1', source: 'simulated' as const }]);
    while (!events.some((e) => e.type === 'rewardModel')) await new Promise((r) => setTimeout(r, 5));
    p.pause();
    await settle(p);
    const simulated = events.flatMap((e) => (e.type === 'simulatedRankings' ? e.rankings : []));
    expect(simulated.length).toBe(SETTINGS.rankingsPerRound - 1);
    expect(simulated.every((r) => r.round === 0 && r.source === 'simulated')).toBe(true);
    expect(simulated.some((r) => r.id === 'simulated-1')).toBe(false);
  });

  it('answers to rank with a response length the model cannot read are refused in words, not with an internal error', async () => {
    const p = adapter();
    const rank = (responseLength: number) => p.rank({ type: 'rank', requestId: 'r', prompt: 'what is 2 plus 3?', settings: { ...SETTINGS, responseLength, k: 2 }, seed: 1 });
    await expect(rank(200)).rejects.toThrow(/^The response length must be at most \d+ tokens for this prompt \(the model reads 96\); it is 200\.$/);
    await expect(rank(4)).resolves.toMatchObject({ type: 'rankSamples', responses: [expect.any(String), expect.any(String)] });
  });

  it('pretraining a new base ends the run: no later card stays done on the old base', async () => {
    const p = adapter();
    await p.train(train('sft'));
    await settle(p);
    expect(lastCard('sft')?.state).toBe('done');
    const old = base;
    await p.train({ type: 'train', stage: 'base', mode: 'step', settings: { steps: 1, learningRate: 1e-3, batchSize: 2 }, seed: 1 });
    await settle(p);
    expect(base).not.toBe(old);
    expect(lastCard('sft')).toMatchObject({ state: 'not-started', step: 0 });
    expect(lastCard('base')).toMatchObject({ state: 'done', step: 1, target: 1 });
    const program = events.filter((e) => e.type === 'program').at(-1);
    expect(program?.type === 'program' ? program.position : 'none').toBeNull();
  });
});
