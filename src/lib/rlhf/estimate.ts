// How long a whole run takes: the program's phases priced from the settings, in milliseconds of
// the machine the figures were measured on, and scaled to another device by how fast it samples.
// The page shows the whole run's progress and time left from this; the per-stage bars use each
// stage's own step times.
// Free of tf: the page imports it. The device's speed is measured by eval/speed.ts in the worker.
import { heldoutPrompts } from '../world';
import { PHASES, RM_HELDOUT_FRACTION, type Phase } from './phases';
import type { SessionPosition } from './session';
import type { PipelineSettings } from './settings';

/**
 * Costs per unit on the reference machine (2 cores, TF.js wasm in Node), from the default preset's
 * seed 1 alone (docs/RESULTS.md, 2026-12-07): without PPO-ptx 169.4 s (base evaluation 2 s, SFT 39 s
 * for 200 steps, rankings 5 s, reward model 30 s for 72 steps, PPO 77 s for 20 iterations and two
 * evaluations, final evaluations 16 s). Runs with PPO-ptx on busier days: PPO 91-99 s, PPO-ptx
 * 1.0x PPO's time with 8 pretraining windows a minibatch (1.24-1.5x with 16). The same machine ran
 * SFT in 51 s another time: expect 20%.
 */
export const REFERENCE_COSTS = {
  /** One held-out or ranked answer of 16 tokens, sampled in batches of 40. */
  msPerAnswer: 5.5,
  /** One SFT step of 16 demonstrations, its share of the held-out checks included. */
  msPerSftStep: 195,
  /** Where early stopping ended SFT on the measured runs (of 600 allowed). */
  expectedSftSteps: 200,
  /** One reward-model step of 8 rankings of 4 answers (the end-of-phase checks included). */
  msPerRmStep: 415,
  /** One PPO iteration of 32 rollouts of 16 tokens, 4 epochs (3,580 and 3,995 ms on two runs). */
  msPerPpoIteration: 3800,
  /** A PPO-ptx iteration against a PPO one: each minibatch also learns 8 windows of pretraining text. */
  ptxIterationFactor: 1.15,
  /** The final evaluations, in held-out evaluations (four models sampled, two labelers, the RM). */
  summaryEvaluations: 6,
  /** eval/speed.ts's measureSamplingSpeed on the reference machine (that run's own reading). */
  calibrationMsPerAnswer: 5.45,
} as const;

/** One phase of a run and what it costs on the reference machine. */
export interface PlannedPhase {
  phase: Phase;
  round: number;
  ms: number;
  /**
   * For a phase of unknown length (SFT stops early): the cost of one step. Its progress is then
   * counted in steps, and a phase running past its plan grows instead of reading as done.
   */
  msPerStep?: number;
}

/** Answers in one held-out evaluation at these settings. */
export function evaluationAnswers(s: PipelineSettings): number {
  return (s.evalPrompts ?? heldoutPrompts().length) * s.evalSamples;
}

/** Every phase of the run these settings describe, in order, priced on the reference machine. */
export function planRun(s: PipelineSettings): PlannedPhase[] {
  const c = REFERENCE_COSTS;
  const length = s.responseLength / 16;
  const answer = c.msPerAnswer * length;
  const evaluation = evaluationAnswers(s) * answer;
  const sftStep = c.msPerSftStep * (s.sftBatchSize / 16);
  const plan: PlannedPhase[] = [
    { phase: 'base', round: 0, ms: evaluation },
    { phase: 'sft', round: 0, ms: Math.min(s.sftMaxSteps, c.expectedSftSteps) * sftStep, msPerStep: sftStep },
  ];
  for (let round = 0; round < s.rounds; round++) {
    const trainRankings = Math.round((round + 1) * s.rankingsPerRound * (1 - RM_HELDOUT_FRACTION));
    const rmSteps = Math.ceil(trainRankings / s.rmBatchSize) * s.rmEpochs;
    const evaluations = Math.ceil(s.ppoIterations / s.evalEvery);
    const ppoIterations = s.ppoIterations * c.msPerPpoIteration * (s.ppoBatchSize / 32) * length * ((1 + s.ppoEpochs) / 5);
    plan.push(
      { phase: 'rankings', round, ms: s.rankingsPerRound * s.k * answer },
      { phase: 'reward', round, ms: rmSteps * c.msPerRmStep * ((s.rmBatchSize * s.k) / 32) },
      { phase: 'ppo', round, ms: ppoIterations + evaluations * evaluation },
    );
    if (s.ptxCoef > 0) plan.push({ phase: 'ptx', round, ms: ppoIterations * c.ptxIterationFactor + evaluations * evaluation });
  }
  const summaryEvaluations = c.summaryEvaluations + (s.ptxCoef > 0 ? 1 : 0);
  plan.push({ phase: 'summary', round: s.rounds - 1, ms: summaryEvaluations * evaluation });
  return plan;
}

/** `plan` as it stands at `position`: a phase counted in steps grows once it runs past its plan. */
export function planAt(plan: readonly PlannedPhase[], position: SessionPosition | null): PlannedPhase[] {
  return plan.map((p) => (p.msPerStep !== undefined && isCurrent(p, position) ? { ...p, ms: Math.max(p.ms, position!.step * p.msPerStep) } : p));
}

function isCurrent(p: PlannedPhase, position: SessionPosition | null): boolean {
  return position !== null && p.phase === position.phase && p.round === position.round;
}

/** Reference milliseconds of `plan` already done at `position` (the phase in progress pro rata). */
export function doneMs(plan: readonly PlannedPhase[], position: SessionPosition | null): number {
  if (!position) return 0;
  if (position.phase === 'done') return plan.reduce((a, p) => a + p.ms, 0);
  let done = 0;
  for (const p of planAt(plan, position)) {
    // 'base' and 'sft' are round 0's, so a later round counts them done as it does that round's phases.
    const before = p.round < position.round || (p.round === position.round && PHASES.indexOf(p.phase) < PHASES.indexOf(position.phase));
    if (before) done += p.ms;
    else if (isCurrent(p, position)) {
      if (p.msPerStep !== undefined) done += position.step * p.msPerStep;
      else if (position.total > 0) done += p.ms * Math.min(1, position.step / position.total);
    }
  }
  return done;
}

export interface RunEstimate {
  /** Share of the run done, 0 to 1. */
  fraction: number;
  /** Milliseconds left on this device. */
  msLeft: number;
  /** Milliseconds the whole run takes on this device. */
  msTotal: number;
}

/**
 * The run's progress and time left at `position`, on a device `speedFactor` times slower than the
 * reference machine (2 = twice as slow).
 */
export function estimateRun(s: PipelineSettings, position: SessionPosition | null, speedFactor: number): RunEstimate {
  const plan = planRun(s);
  const total = planAt(plan, position).reduce((a, p) => a + p.ms, 0);
  const done = Math.min(total, doneMs(plan, position));
  return { fraction: total > 0 ? done / total : 1, msLeft: (total - done) * speedFactor, msTotal: total * speedFactor };
}
