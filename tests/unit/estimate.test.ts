// The whole run's time estimate: each phase priced from the settings by hand, the default preset
// against the wall time measured on the reference machine, and progress along a run.
import { describe, expect, it } from 'vitest';
import { REFERENCE_COSTS, doneMs, estimateRun, evaluationAnswers, planRun } from '../../src/lib/rlhf/estimate';
import { settingsFor } from '../../src/lib/rlhf/presets';
import type { SessionPosition } from '../../src/lib/rlhf/session';

const defaults = settingsFor('default');
const c = REFERENCE_COSTS;

describe('planRun', () => {
  it('prices each phase of the default run from its settings', () => {
    expect(evaluationAnswers(defaults)).toBe(120 * 4);
    const evaluation = 480 * c.msPerAnswer;
    const plan = planRun(defaults);
    expect(plan.map((p) => `${p.phase}${p.round}`)).toEqual(['base0', 'sft0', 'rankings0', 'reward0', 'ppo0', 'ptx0', 'summary0']);
    const ms = plan.map((p) => p.ms);
    expect(ms[0]).toBeCloseTo(evaluation, 6);
    expect(ms[1]).toBeCloseTo(200 * c.msPerSftStep, 6); // early stopping, not the 600 allowed
    expect(ms[2]).toBeCloseTo(320 * 4 * c.msPerAnswer, 6);
    // 288 training rankings in batches of 8, two epochs.
    expect(ms[3]).toBeCloseTo(36 * 2 * c.msPerRmStep, 6);
    // 20 iterations and two held-out evaluations (every 10) a round.
    expect(ms[4]).toBeCloseTo(20 * c.msPerPpoIteration + 2 * evaluation, 6);
    // PPO-ptx: the same iterations, each dearer by its pretraining batches, and its evaluations.
    expect(ms[5]).toBeCloseTo(20 * c.msPerPpoIteration * c.ptxIterationFactor + 2 * evaluation, 6);
    expect(ms[6]).toBeCloseTo((c.summaryEvaluations + 1) * evaluation, 6);
    // Without PPO-ptx: no ptx phase and one evaluation fewer at the end.
    const noPtx = planRun(settingsFor('default', { ptxCoef: 0 }));
    expect(noPtx.map((p) => p.phase)).toEqual(['base', 'sft', 'rankings', 'reward', 'ppo', 'summary']);
    expect(noPtx[5].ms).toBeCloseTo(c.summaryEvaluations * evaluation, 6);
    // A second round ranks again and trains the reward model on both rounds' 576 rankings.
    const two = planRun(settingsFor('default', { rounds: 2 }));
    expect(two.map((p) => `${p.phase}${p.round}`)).toEqual(['base0', 'sft0', 'rankings0', 'reward0', 'ppo0', 'ptx0', 'rankings1', 'reward1', 'ppo1', 'ptx1', 'summary1']);
    expect(two[7].ms).toBeCloseTo(72 * 2 * c.msPerRmStep, 6);
  });

  it('matches the 2.8 minutes seed 1 took alone without PPO-ptx, at the speed the CLI measured before it started, within 5%', () => {
    // `npm run pipeline -- --preset default --seed 1 --ptx 0` alone on the reference machine:
    // 169.4 s; its sampling measurement read 5.46 ms an answer (1.00x the calibration).
    const total = planRun(settingsFor('default', { ptxCoef: 0 })).reduce((a, p) => a + p.ms, 0) / 1000;
    expect(Math.abs(1.0 * total - 169.4) / 169.4).toBeLessThan(0.05);
  });

  it('scales with the settings that change the work: rounds, rankings, PPO batch and answer length', () => {
    const total = (over: Parameters<typeof settingsFor>[1]) => planRun(settingsFor('default', over)).reduce((a, p) => a + p.ms, 0);
    const base = total({});
    expect(total({ rounds: 3 })).toBeGreaterThan(base);
    expect(total({ rankingsPerRound: 640 })).toBeGreaterThan(base);
    expect(total({ ppoBatchSize: 64 }) - base).toBeCloseTo(20 * c.msPerPpoIteration * (1 + c.ptxIterationFactor), 6);
    expect(total({ sftMaxSteps: 50 })).toBeCloseTo(base - 150 * c.msPerSftStep, 6);
    // The tiny preset runs in seconds.
    expect(planRun(settingsFor('tiny')).reduce((a, p) => a + p.ms, 0)).toBeLessThan(20_000);
  });
});

describe('doneMs and estimateRun', () => {
  // Two rounds, to count progress across a round boundary.
  const twoRounds = settingsFor('default', { rounds: 2 });
  const plan = planRun(twoRounds);
  const sum = (n: number) => plan.slice(0, n).reduce((a, p) => a + p.ms, 0);
  const at = (phase: SessionPosition['phase'], round: number, step = 0, total = 1): SessionPosition => ({ phase, round, step, total, rounds: 2 });

  it('counts the phases before the position and the one in progress pro rata', () => {
    expect(doneMs(plan, null)).toBe(0);
    expect(doneMs(plan, at('base', 0))).toBe(0);
    // SFT is counted in steps (it stops early, so step 50 of 600 allowed is a quarter of 200 planned)...
    expect(doneMs(plan, at('sft', 0, 50, 600))).toBeCloseTo(plan[0].ms + 50 * c.msPerSftStep, 6);
    // ... and an SFT running past its plan grows the run instead of reading as done.
    expect(doneMs(plan, at('sft', 0, 300, 600))).toBeCloseTo(plan[0].ms + 300 * c.msPerSftStep, 6);
    expect(estimateRun(twoRounds, at('sft', 0, 300, 600), 1).msTotal).toBeCloseTo(sum(11) + 100 * c.msPerSftStep, 6);
    // Round 1's reward model half done: everything of round 0, round 1's rankings, half its reward phase.
    expect(doneMs(plan, at('reward', 1, 72, 144))).toBeCloseTo(sum(7) + plan[7].ms / 2, 6);
    // Round 0's PPO-ptx a quarter done: round 0 up to its PPO, and a quarter of PPO-ptx.
    expect(doneMs(plan, at('ptx', 0, 5, 20))).toBeCloseTo(sum(5) + plan[5].ms / 4, 6);
    expect(doneMs(plan, at('summary', 1))).toBeCloseTo(sum(10), 6);
    expect(doneMs(plan, at('done', 1))).toBeCloseTo(sum(11), 6);
  });

  it('turns done work into a fraction and scales the time by how slow the device is', () => {
    const total = sum(11);
    expect(estimateRun(twoRounds, null, 1)).toEqual({ fraction: 0, msLeft: total, msTotal: total });
    const half = estimateRun(twoRounds, at('reward', 1, 72, 144), 2.5);
    expect(half.fraction).toBeCloseTo((sum(7) + plan[7].ms / 2) / total, 9);
    expect(half.msLeft).toBeCloseTo((total - sum(7) - plan[7].ms / 2) * 2.5, 6);
    expect(half.msTotal).toBeCloseTo(total * 2.5, 6);
    expect(estimateRun(twoRounds, at('done', 1), 1).fraction).toBe(1);
  });
});
