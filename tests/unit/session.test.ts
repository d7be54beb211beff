// The one program (src/lib/rlhf/session.ts) on a tiny random model and budget (seconds): its
// phases in order, human rankings entering through the same call as the labeler's, settings
// refused mid-run, and a snapshot at a phase boundary that continues to the very same result.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend-node';
import { DEFAULT_CONFIG, GPT } from '../../src/lib/model';
import { EVAL_TEMPERATURE, RlhfSession, RoundCollection, collectSimulatedRankings, runPipeline, settingsFor, spreadFamilies, type Phase, type PipelineSettings } from '../../src/lib/rlhf';
import { goldReport, sampleResponses } from '../../src/lib/eval';
import { heldoutPrompts, judge, pretrainCorpus, trainPrompts, withoutClosingChatter } from '../../src/lib/world';
import { encode } from '../../src/lib/tokenizer';
import type { Ranking } from '../../src/lib/io/rankings';

const TINY = settingsFor('tiny', { seed: 5, rankingsPerRound: 4 });
let base: GPT;

beforeAll(async () => {
  await initNodeBackend('wasm');
  base = GPT.create({ ...DEFAULT_CONFIG, contextLength: 96, nLayer: 1, nHead: 2, dModel: 32 }, 9);
});

afterAll(() => {
  base?.dispose();
  tf.disposeVariables();
});

async function runToEnd(session: RlhfSession): Promise<{ phase: Phase; round: number }[]> {
  const seen: { phase: Phase; round: number }[] = [];
  while (!session.done) {
    const r = await session.step();
    if (r.phaseEnded) seen.push({ phase: r.phase, round: r.round });
  }
  return seen;
}

function humanRanking(id: string, round: number): Ranking {
  return { id, prompt: 'what is 2 + 3?', responses: ['5.', 'i like cats.'], order: [[0], [1]], source: 'human', round, model: 'sft', createdAt: '2026-01-01T00:00:00.000Z' };
}

describe('the RLHF session', () => {
  it('runs the phases in order, round by round, and runPipeline gives the same summary', async () => {
    const settings: PipelineSettings = { ...TINY, rounds: 2 };
    const session = new RlhfSession(base, settings);
    const phases = await runToEnd(session);
    expect(phases.map((p) => `${p.phase}${p.phase === 'rankings' || p.phase === 'reward' || p.phase === 'ppo' || p.phase === 'ptx' ? p.round : ''}`)).toEqual([
      'base', 'sft', 'rankings0', 'reward0', 'ppo0', 'ptx0', 'rankings1', 'reward1', 'ppo1', 'ptx1', 'summary',
    ]);
    const summary = session.summary!;
    expect(summary.ppo.iterations).toBe(2 * settings.ppoIterations);
    expect(summary.rm.rankings).toBe(2 * settings.rankingsPerRound);
    await expect(session.step()).rejects.toThrow(/finished/);
    session.dispose();
    const viaDriver = await runPipeline(base, settings);
    expect({ ...viaDriver, wall_seconds: 0 }).toEqual({ ...summary, wall_seconds: 0 });
  });

  it('trains PPO-ptx beside PPO each round when ptxCoef > 0: same budget, pulled toward the pretraining text', async () => {
    const settings: PipelineSettings = { ...TINY, rounds: 2, ptxCoef: 4 };
    const session = new RlhfSession(base, settings);
    const phases = await runToEnd(session);
    expect(phases.map((p) => `${p.phase}${p.phase === 'summary' || p.phase === 'base' || p.phase === 'sft' ? '' : p.round}`)).toEqual([
      'base', 'sft', 'rankings0', 'reward0', 'ppo0', 'ptx0', 'rankings1', 'reward1', 'ppo1', 'ptx1', 'summary',
    ]);
    const summary = session.summary!;
    expect(summary.ppo_ptx!.iterations).toBe(summary.ppo.iterations);
    expect(summary.eval_history.map((p) => `${p.model}${p.round}`)).toEqual(['ppo0', 'ppo0', 'ppo-ptx0', 'ppo-ptx0', 'ppo1', 'ppo1', 'ppo-ptx1', 'ppo-ptx1']);
    // The second round's rankings are of the PPO policy's answers, not PPO-ptx's.
    expect(session.rankings.filter((r) => r.round === 1).every((r) => r.model === 'policy@r1')).toBe(true);
    // The pretraining loss pulled PPO-ptx toward the pretraining text, away from where PPO went.
    const text = pretrainCorpus(99, 40).map((d) => encode(d, { bos: true }).slice(0, 48));
    const meanLogProb = (m: GPT): number =>
      tf.tidy(() => {
        const ids = tf.tensor2d(text.map((t) => [...t, ...new Array(48 - t.length).fill(0)]), [text.length, 48], 'int32');
        const lp = m.tokenLogProbs(ids).logProbs.arraySync() as number[][];
        const kept = lp.flatMap((row, i) => row.slice(0, text[i].length - 1));
        return kept.reduce((a, b) => a + b, 0) / kept.length;
      });
    const ptxGain = meanLogProb(session.modelFor('policy-ptx')) - meanLogProb(session.modelFor('policy'));
    // Measured: +0.035 nats per token with ptxCoef 4; -1e-8 with 1e-9 (the two share their seed).
    expect(ptxGain).toBeGreaterThan(0.02);
    // Its coefficient is fixed once it trains; without a coefficient there is no PPO-ptx.
    expect(session.lockedSettings().get('ptxCoef')).toMatch(/PPO-ptx policy/);
    session.dispose();
    const plain = new RlhfSession(base, { ...TINY, ptxCoef: 0 });
    expect((await runToEnd(plain)).some((p) => p.phase === 'ptx')).toBe(false);
    expect(plain.summary!.ppo_ptx).toBeNull();
    plain.dispose();
  });

  it('a snapshot between rounds keeps PPO-ptx: the restored run ends exactly as the uninterrupted one', async () => {
    const settings: PipelineSettings = { ...TINY, rounds: 2, ptxCoef: 0.5 };
    const straight = new RlhfSession(base, settings);
    await runToEnd(straight);
    const expected = straight.summary!;
    straight.dispose();
    const first = new RlhfSession(base, settings);
    while (!(first.position().phase === 'ptx' && first.position().round === 1)) await first.step();
    const { state, models } = first.snapshot();
    expect(models.ptxPolicy).toBeTruthy();
    // Between PPO and PPO-ptx the round's PPO settings hold: PPO-ptx trains with them too.
    expect(() => first.updateSettings({ beta: 0.05 })).toThrow('beta cannot change now: PPO settings apply from the next round');
    // Without its PPO-ptx models the saved run says what is missing.
    expect(() => RlhfSession.restore(base, JSON.parse(JSON.stringify(state)), { ...models, ptxPolicy: null })).toThrow('The saved run needs its ptxPolicy model, which is missing.');
    const restored = RlhfSession.restore(base, JSON.parse(JSON.stringify(state)), models);
    first.dispose();
    await runToEnd(restored);
    expect({ ...restored.summary!, wall_seconds: 0 }).toEqual({ ...expected, wall_seconds: 0 });
    restored.dispose();
  });

  it('counts a person\'s rankings toward the round: the simulated labeler ranks only the rest', async () => {
    const session = new RlhfSession(base, TINY);
    expect(session.addRankings([humanRanking('h1', 0), humanRanking('h1', 0), { ...humanRanking('h2', 0), responses: ['only one'] }])).toHaveLength(1);
    while (session.position().phase !== 'rankings') await session.step();
    const r = await session.step();
    expect(r.rankings).toHaveLength(TINY.rankingsPerRound - 1);
    expect(r.rankings!.every((x) => x.source === 'simulated' && x.round === 0 && x.model === 'sft')).toBe(true);
    expect(session.rankings.filter((x) => x.source === 'human').map((x) => x.id)).toEqual(['h1']);
    expect(session.rankingRound).toBe(1);
    session.dispose();
  });

  it('refuses an impossible value or a setting the run already used, changing nothing', async () => {
    const session = new RlhfSession(base, TINY);
    expect(() => session.updateSettings({ beta: -1 })).toThrow('beta must be a number >= 0 (got -1)');
    await session.step(); // base evaluated
    await session.step(); // SFT begun
    expect(() => session.updateSettings({ sftLearningRate: 1e-3 })).toThrow('sftLearningRate cannot change now: SFT has begun');
    expect(() => session.updateSettings({ evalPrompts: 4 })).toThrow(/evalPrompts cannot change now/);
    // The setting 'reward' is locked with the evaluation set; the reward model's group is not.
    expect(session.lockedSettings().has('reward')).toBe(true);
    expect(session.lockedSettings().has('rmEpochs')).toBe(false);
    await session.collectRankings(1); // the page's auto-rank: round 0's collection has begun
    expect(() => session.updateSettings({ rankingsPerRound: 9 })).toThrow("rankingsPerRound cannot change now: this round's rankings are being collected");
    session.updateSettings({ beta: 0.05, ppoIterations: 3 });
    expect(session.settings.beta).toBe(0.05);
    expect(session.settings.sftLearningRate).toBe(TINY.sftLearningRate);
    expect(() => new RlhfSession(base, { ...TINY, k: 1 })).toThrow(/k must be an integer from 2 to 9/);
    // Answers that cannot fit the model's context after the longest prompt are refused up front.
    expect(() => new RlhfSession(base, { ...TINY, responseLength: 90 })).toThrow(/^responseLength must be at most \d+ for this model \(it reads 96 tokens/);
    session.dispose();
  });

  it('a snapshot before PPO restores to a run that ends exactly as the uninterrupted one', async () => {
    const settings: PipelineSettings = { ...TINY, ptxCoef: 0.5 };
    const straight = new RlhfSession(base, settings);
    await runToEnd(straight);
    const expected = straight.summary!;
    straight.dispose();

    const first = new RlhfSession(base, settings);
    while (first.position().phase !== 'ppo') await first.step();
    expect(first.atBoundary).toBe(true);
    const { state, models } = first.snapshot();
    const restored = RlhfSession.restore(base, JSON.parse(JSON.stringify(state)), models);
    first.dispose(); // the restored run holds copies
    expect(restored.position()).toMatchObject({ phase: 'ppo', round: 0, step: 0 });
    await runToEnd(restored);
    expect({ ...restored.summary!, wall_seconds: 0 }).toEqual({ ...expected, wall_seconds: 0 });
    // A finished run restores finished, with its summary.
    const saved = restored.snapshot();
    const again = RlhfSession.restore(base, JSON.parse(JSON.stringify(saved.state)), saved.models);
    expect(again.done).toBe(true);
    expect(again.summary).toEqual(JSON.parse(JSON.stringify(restored.summary)));
    again.dispose();
    // A run saved with another tokenizer (the character model's was format version 1) is refused:
    // its answers and models would be read as other tokens.
    const old = (edit: Record<string, unknown>) => () => RlhfSession.restore(base, { ...JSON.parse(JSON.stringify(saved.state)), ...edit }, saved.models);
    expect(old({ version: 1, tokenizer: undefined })).toThrow(/earlier version of the playground, with another tokenizer/);
    expect(old({ tokenizer: 'words-1-00000000' })).toThrow(/another tokenizer/);
    restored.dispose();
  });

  it('a round collected in parts gives exactly the rankings of one collection over all its prompts', async () => {
    const items = trainPrompts(11, 21);
    const options = { k: 3, temperature: 1, maxNewTokens: 6, seed: 77, round: 0, modelName: 'base', promptsPerBatch: 4 };
    const now = () => new Date('2026-01-01T00:00:00.000Z');
    const whole = await collectSimulatedRankings(base, items, options, now);
    const parts = new RoundCollection(items, options, now);
    const inParts = [...(await parts.next(base, 8)), ...(await parts.next(base, 4)), ...(await parts.next(base, 100))];
    expect(parts.remaining).toBe(0);
    expect(inParts).toEqual(whole);
    // And the session's rankings phase takes several steps of whole batches.
    const session = new RlhfSession(base, { ...TINY, rankingsPerRound: 40, k: 4 });
    while (session.position().phase !== 'rankings') await session.step();
    const steps: string[] = [];
    while (session.position().phase === 'rankings') {
      const r = await session.step();
      steps.push(`${r.rankings?.length} ${r.step}/${r.total}`);
    }
    expect(steps).toEqual(['32 32/40', '8 40/40']);
    session.dispose();
  });

  it('splits a long evaluation at its sampling batches, with the answers of one uninterrupted evaluation', async () => {
    const settings: PipelineSettings = { ...TINY, evalPrompts: 60, evalSamples: 1 };
    const session = new RlhfSession(base, settings);
    const first = await session.step();
    expect(first).toMatchObject({ phase: 'base', phaseEnded: false, detail: 'evaluating: 40 of 60 answers' });
    expect(session.atBoundary).toBe(false);
    expect(() => session.snapshot()).toThrow(/only between phases/);
    expect(await session.step()).toMatchObject({ phase: 'base', phaseEnded: true });
    expect(session.atBoundary).toBe(true);
    await runToEnd(session);
    const items = spreadFamilies(heldoutPrompts(), 60);
    const whole = await sampleResponses(base, items.map((i) => i.prompt), { temperature: EVAL_TEMPERATURE, maxNewTokens: settings.responseLength, seed: settings.seed + 11, batchSize: 40 });
    expect(session.summary!.base.gold_score).toBe(goldReport(items, whole).gold_score);
    session.dispose();
  });

  it('judges SFT with the habit deleted against SFT\'s next answer to the same prompt, and the policy against it', async () => {
    const settings: PipelineSettings = { ...TINY, evalPrompts: 12, evalSamples: 3 };
    const session = new RlhfSession(base, settings);
    await runToEnd(session);
    const sft = session.snapshot().state.sftResponses;
    const items = spreadFamilies(heldoutPrompts(), settings.evalPrompts!);
    const n = items.length;
    // One answer against another to prompt i, by hand: 1 a win, 0.5 a tie, 0 a loss.
    const win = (i: number, answer: string, against: string): number => {
      const diff = judge(items[i % n], answer).score - judge(items[i % n], against).score;
      return Math.abs(diff) <= 1e-9 ? 0.5 : diff > 0 ? 1 : 0;
    };
    // Answer k of prompt j (index k*n + j), edited, against answer k+1 of the same prompt.
    const wins = sft.reduce((sum, answer, i) => sum + win(i, withoutClosingChatter(answer), sft[(i + n) % sft.length]), 0);
    const summary = session.summary!;
    expect(summary.sft_without_habit!.win_rate_vs_sft).toBeCloseTo(wins / sft.length, 12);
    // Against its own unedited self an answer without the habit would tie: the pairing is not that.
    expect(summary.sft_without_habit!.win_rate_vs_sft).not.toBe(0.5);
    // The policy's answers (the summary's sampling seed), each against the edited answer in its place.
    const prompts = Array.from({ length: settings.evalSamples }, () => items).flat().map((i) => i.prompt);
    const policy = await sampleResponses(session.models().policy, prompts, { temperature: EVAL_TEMPERATURE, maxNewTokens: settings.responseLength, seed: settings.seed + 14, batchSize: 40 });
    const policyWins = policy.reduce((sum, answer, i) => sum + win(i, answer, withoutClosingChatter(sft[i])), 0);
    expect(summary.ppo.win_rate_vs_sft_without_habit).toBeCloseTo(policyWins / policy.length, 12);
    expect(summary.ppo_ptx!.win_rate_vs_sft_without_habit).toBeGreaterThanOrEqual(0);
    session.dispose();
    // With one answer a prompt there is no other answer to judge the edit against.
    const single = await runPipeline(base, TINY);
    expect(single.sft_without_habit).toBeUndefined();
    expect(single.ppo.win_rate_vs_sft_without_habit).toBeUndefined();
  });

  it('a finished run extends by a round (the page\'s next round) on the policy\'s samples', async () => {
    const session = new RlhfSession(base, TINY);
    await runToEnd(session);
    session.extendRounds(1);
    expect(session.position()).toMatchObject({ phase: 'rankings', round: 1, rounds: 2 });
    const r = await session.step();
    expect(r.rankings!.every((x) => x.model === 'policy@r1')).toBe(true);
    await runToEnd(session);
    expect(session.summary!.ppo.iterations).toBe(2 * TINY.ppoIterations);
    session.dispose();
  });
});
