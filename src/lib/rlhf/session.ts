// THE RLHF program, as one object with explicit steps: base evaluation -> SFT (early-stopped on
// held-out demonstrations) -> rounds of [rankings on the current model's samples -> reward model
// on all rankings so far -> PPO from the current policy] -> the final evaluation. The CLI
// (runPipeline) and the page's worker both drive it one step() at a time, so a figure the CLI
// measures is what the page shows for the same settings and seed. Every trainer of the pipeline
// is constructed here and nowhere else.
//
// A step is one unit of work (an SFT step, a reward-model step, a PPO iteration, one batch of
// rankings, one evaluation): a caller can pause between any two. Human rankings and simulated
// ones enter through the same call, addRankings(); the simulated labeler ranks whatever the round
// still lacks when its rankings phase runs.
import * as tf from '@tensorflow/tfjs';
import type { GPT } from '../model';
import { createRng } from '../random';
import { TOKENIZER_ID, encode } from '../tokenizer';
import { FEW_SHOT_EXAMPLES, encodeFewShotPrompt, encodePrompt, encodeResponse } from '../world/format';
import { demonstrations, heldoutPrompts, pretrainCorpus, rankingAgreement, simulateRanking, trainPrompts, withoutClosingChatter } from '../world';
import type { Family, PromptItem } from '../world/types';
import { EarlyStopping, PpoTrainer, RewardTrainer, SftTrainer, scoreWithModel, type Metrics, type PpoSamples, type RewardFn } from '../train';
import { assistantRates, goldReport, goldScores, hedgeRate, pairwiseAgreement, sampleResponses, winRate, type AssistantRates } from '../eval';
import type { Ranking } from '../io/rankings';
import { RoundCollection, sampleK } from './collect';
import { sftExamplesFrom, stableSplit, tokenRankingFrom, type TextDemonstration } from './data';
import { goldRewardFn } from './gold-reward';
import { scoreAnswerGroups } from './score';
import { SETTING_SPECS, SettingsError, settingsProblems, type PipelineSettings, type SettingKey } from './settings';

import { PHASES, RM_HELDOUT_FRACTION, SFT_HELDOUT_FRACTION, type Phase } from './phases';

export { PHASES, RM_HELDOUT_FRACTION, SFT_HELDOUT_FRACTION, type Phase };

export interface StageScores extends AssistantRates {
  win_rate_vs_sft: number;
  gold_score: number;
  /** Gold score per prompt family: where a stage gains or loses. */
  by_family: Partial<Record<Family, number>>;
  /** Answers to answerable prompts that say "i do not know" or decline (see eval's hedgeRate). */
  hedge_rate: number;
  /** Share of the words written that are words of the world (readability). */
  fluency: number;
  /**
   * The final reward model's mean score of these answers: the proxy PPO maximises, beside the
   * gold score it stands in for (over-optimisation is the two parting).
   */
  rm_score: number;
}

export interface EvalPoint {
  round: number;
  iteration: number;
  'objective/scores': number;
  'objective/kl': number;
  'eval/win_rate': number;
  'eval/gold_score': number;
  /** Answers to answerable prompts that hedge or decline: the collapse to watch for. */
  'eval/hedge_rate': number;
  /** The policy evaluated (absent in runs saved before PPO-ptx was trained beside PPO: 'ppo'). */
  model?: PolicyKind;
}

/** The policies PPO trains: the PPO model, and the PPO-ptx one beside it (pretraining loss mixed in). */
export type PolicyKind = 'ppo' | 'ppo-ptx';

/** A trained policy's scores in the summary: its held-out scores, how far it moved and for how long. */
export type PolicyScores = StageScores & {
  kl: number;
  iterations: number;
  win_rate_vs_sft_greedy: number;
  /** Against SFT's answers with the habit deleted (absent in summaries saved before it was measured). */
  win_rate_vs_sft_without_habit?: number;
};

/** The reward model's quality after a round (held-out rankings, and gold on fresh samples). */
export interface RewardModelReport {
  round: number;
  heldout_accuracy: number;
  /** Agreement with gold over pairs of fresh samples whose gold scores differ ... */
  gold_agreement: number;
  pairs: number;
  /** ... and over the pairs at least CLEAR_GAP apart (a near-tie is a coin flip for the labeler too). */
  gold_agreement_clear: number;
  clear_pairs: number;
  rankings: number;
  train_rankings: number;
  heldout_rankings: number;
}

export interface PipelineSummary {
  base: StageScores;
  /**
   * The base after two answered examples: InstructGPT's "GPT-3 prompted" baseline. Null when the
   * examples leave no room for a whole answer in the model's context (a small fresh model).
   */
  prompted_base: StageScores | null;
  sft: StageScores & { steps: number; heldout_loss: number };
  /**
   * SFT decoded greedily: lower entropy alone. A PPO win that this also gets is sharpening, not
   * learning from preferences.
   */
  sft_greedy: StageScores;
  /**
   * SFT's own evaluation answers with the demonstrators' habit (a closing line that adds nothing)
   * deleted by rule: what knowing the habit gets without any learning. A PPO win that this also
   * gets is the habit, not more. Absent in summaries saved before it was measured.
   */
  sft_without_habit?: StageScores;
  ppo: PolicyScores;
  /**
   * The PPO-ptx policy, trained beside PPO from SFT on the same reward models, prompts and budget
   * with ptxCoef times the pretraining loss added: InstructGPT's PPO-ptx. Null when ptxCoef is 0
   * (and in summaries saved before it was trained beside PPO).
   */
  ppo_ptx: PolicyScores | null;
  rm: { heldout_accuracy: number; gold_agreement: number; pairs: number; gold_agreement_clear: number; clear_pairs: number; rankings: number };
  labeler_agreement_on_sft: number;
  /**
   * Two independent simulated labelers ranking the same round-0 SFT samples: how often they agree
   * pair by pair (InstructGPT's labelers: 72.6 +- 1.5%).
   */
  labeler_agreement_between_labelers: number;
  eval_history: EvalPoint[];
  wall_seconds: number;
  settings: PipelineSettings;
}

/** What one step did. */
export interface SessionStep {
  phase: Phase;
  round: number;
  /** Steps done in this phase (after this one) and the phase's length. */
  step: number;
  total: number;
  /** The trainer's metrics (SFT, reward model, PPO steps). */
  metrics?: Metrics;
  /** An evaluation that ran in this step. */
  eval?: EvalPoint;
  /** Rankings added in this step (the simulated labeler's). */
  rankings?: Ranking[];
  /** The reward model's report, at the end of a reward phase. */
  rewardModel?: RewardModelReport;
  /** Progress in words ("loss 0.412 best held-out 0.380"). */
  detail: string;
  /** True when this step ended its phase (position() is then the next phase). */
  phaseEnded: boolean;
}

export interface SessionPosition {
  phase: Phase;
  round: number;
  step: number;
  total: number;
  rounds: number;
}

/**
 * A run at a phase boundary, as plain data (JSON): with the models it names, enough to go on
 * after a reload. The trainers' optimiser moments are not kept: a resumed phase starts them anew.
 */
export interface SessionSnapshot {
  /** 2 since word tokens: a version-1 run was of the character model, whose answers and models do not carry over. */
  version: 2;
  /** The tokenizer its texts were sampled with and its models read (TOKENIZER_ID). */
  tokenizer: string;
  settings: PipelineSettings;
  phase: Phase;
  round: number;
  rounds: number;
  sftSteps: number;
  sftBest: { loss: number; step: number };
  iterationsDone: number;
  lastKl: number;
  /** The PPO-ptx policy's iterations and last KL (absent in runs saved before it existed). */
  ptxIterations?: number;
  ptxLastKl?: number;
  labelerAgreement: number;
  interLabelerAgreement: number;
  baseResponses: string[];
  sftResponses: string[];
  history: EvalPoint[];
  rankings: Ranking[];
  rewardModel: RewardModelReport | null;
  /** The summary of a finished run (null before its final evaluation). */
  summary: PipelineSummary | null;
}

/** The models a snapshot needs beside it (null: not made yet). */
export interface SessionModels {
  sft: GPT | null;
  rm: GPT | null;
  policy: GPT | null;
  value: GPT | null;
  /** The PPO-ptx policy and its value model (absent or null: not trained yet, or no PPO-ptx). */
  ptxPolicy?: GPT | null;
  ptxValue?: GPT | null;
}

/** A policy in training: its value model, its trainer (one per round) and how far it went. */
interface PolicyRun {
  policy: GPT;
  value: GPT;
  trainer: PpoTrainer | null;
  iterations: number;
  lastKl: number;
}

export interface SessionHooks {
  /** Every logged step: one line of the metrics log (the CLI's JSON Lines). */
  onLog?: (record: Record<string, number | string>) => void;
  now?: () => Date;
}

/** The models a person can talk to or save, by the program's one vocabulary. */
export type SessionModelName = 'base' | 'sft' | 'rm' | 'policy' | 'policy-ptx';
type SettingGroupName = (typeof SETTING_SPECS)[number]['group'];

export const EVAL_TEMPERATURE = 0.7;
/** Gold-score gap of a "clear" pair: the simulated labeler orders it right at least 60% of the time. */
export const CLEAR_GAP = 0.1;
/** Held-out prompts whose fresh samples measure the reward model against gold. */
const GOLD_AGREEMENT_PROMPTS = 60;
const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;
const RUN_FINISHED = 'The run is finished: there is no next step (extend it by a round first).';
/**
 * PPO-ptx's pretraining batch beside each PPO minibatch: 8 windows of at most 64 tokens. With 16
 * the PPO-ptx phase took 1.24x PPO's time on seed 1 alone; half the rows halve that extra work.
 */
const PTX_ROWS = 8;
const PTX_WINDOW = 64;
/** Sampling batches of prompts ranked per step of a rankings phase. */
const RANKING_BATCHES_PER_STEP = 4;

/** "320 rankings so far (300 by the simulated labeler, 20 by people)": totals, not this step's. */
export function rankingsDetail(rankings: readonly Ranking[]): string {
  const simulated = rankings.filter((r) => r.source === 'simulated').length;
  const human = rankings.length - simulated;
  const parts = [`${simulated} by the simulated labeler`];
  if (human > 0) parts.push(`${human} by ${human === 1 ? 'a person' : 'people'}`);
  return `${rankings.length} rankings so far (${parts.join(', ')})`;
}

/** The first n items taking families in turn, so a small evaluation still covers every family. */
export function spreadFamilies(items: readonly PromptItem[], n: number): PromptItem[] {
  const byFamily = new Map<string, PromptItem[]>();
  for (const item of items) byFamily.set(item.family, [...(byFamily.get(item.family) ?? []), item]);
  const queues = [...byFamily.values()];
  const out: PromptItem[] = [];
  for (let i = 0; out.length < Math.min(n, items.length); i++) {
    const q = queues[i % queues.length];
    const next = q.shift();
    if (next) out.push(next);
  }
  return out;
}

/** The sequence shapes of a run: every prompt in the pools fits promptLength; rows fit seqLength. */
export function sessionShapes(settings: PipelineSettings, contextLength: number, promptPool: readonly PromptItem[]): { promptLength: number; seqLength: number } {
  const promptLength = roundUp(Math.max(...[...promptPool, ...heldoutPrompts()].map((i) => encodePrompt(i.prompt).length)), 8);
  const seqLength = Math.min(contextLength, roundUp(promptLength + settings.responseLength + 1, 8));
  return { promptLength, seqLength };
}

export class RlhfSession {
  readonly settings: PipelineSettings;
  readonly base: GPT;
  private readonly log: (record: Record<string, number | string>) => void;
  private readonly now: () => Date;
  private readonly started = Date.now();

  private phase: Phase = 'base';
  private round = 0;
  private phaseStep = 0;
  private phaseTotal = 1;
  private rounds: number;

  // The evaluation set: every held-out prompt (or a family-spread subset), evalSamples times.
  private readonly evalSubset: PromptItem[];
  private readonly promptPool: PromptItem[];
  readonly promptLength: number;
  readonly seqLength: number;
  private readonly demoSplit: { train: TextDemonstration[]; heldout: TextDemonstration[] };

  private sft: GPT | null = null;
  private sftBest: GPT | null = null;
  private sftTrainer: SftTrainer | null = null;
  private readonly stopper: EarlyStopping;
  private sftSteps = 0;
  private rm: GPT | null = null;
  /** The PPO policy (made when SFT ends) and the PPO-ptx one (made at its first phase). */
  private ppoRun: PolicyRun | null = null;
  private ptxRun: PolicyRun | null = null;
  private rmTrainer: RewardTrainer | null = null;
  private rmSplit: { train: Ranking[]; heldout: Ranking[] } | null = null;
  private goldReward: RewardFn | null = null;
  private readonly corpus: number[][];

  private readonly rankingsById = new Map<string, Ranking>();
  /** The simulated labeler's work on a round's prompts, collected in parts. */
  private collection: { round: number; part: RoundCollection } | null = null;
  private baseResponses: string[] = [];
  private sftResponses: string[] = [];
  private readonly history: EvalPoint[] = [];
  private labelerAgreement = Number.NaN;
  private interLabelerAgreement = Number.NaN;
  /** The labeler's rankings of round 0 (SFT's samples), for its agreement with gold. */
  private readonly labelerRankings: Ranking[] = [];
  private readonly labelerItems: PromptItem[] = [];
  private lastRm: RewardModelReport | null = null;
  private finalSummary: PipelineSummary | null = null;
  /** A phase's step in progress, stopped at a pause point (resume goes on), or null. */
  private inflight: { resume: (() => void) | null } | null = null;
  /** The caller of step() waiting for the step's result or a pause point's progress report. */
  private waiter: { resolve: (s: SessionStep) => void; reject: (err: unknown) => void } | null = null;

  /** Starts a run on `base` (left untouched: every stage trains a copy). Refuses impossible settings. */
  constructor(base: GPT, settings: PipelineSettings, hooks: SessionHooks = {}) {
    const problems = settingsProblems(settings);
    if (problems.length > 0) throw new SettingsError(`impossible settings: ${problems.join('; ')}`);
    this.settings = { ...settings };
    this.base = base;
    this.rounds = settings.rounds;
    this.log = hooks.onLog ?? (() => undefined);
    this.now = hooks.now ?? (() => new Date());
    const seed = settings.seed;
    // Each held-out prompt is answered evalSamples times: one sample per prompt moves a 120-prompt
    // win rate by about 0.03 from seed to seed, more than the effects being measured.
    const evalPrompts = settings.evalPrompts === null ? heldoutPrompts() : spreadFamilies(heldoutPrompts(), settings.evalPrompts);
    this.evalSubset = Array.from({ length: settings.evalSamples }, () => evalPrompts).flat();
    this.promptPool = trainPrompts(seed, 3000);
    ({ promptLength: this.promptLength, seqLength: this.seqLength } = sessionShapes(settings, base.config.contextLength, this.promptPool));
    const room = base.config.contextLength - this.promptLength;
    if (settings.responseLength > room) {
      throw new SettingsError(
        `responseLength must be at most ${room} for this model (it reads ${base.config.contextLength} tokens and the prompts take up to ${this.promptLength}); got ${settings.responseLength}`,
      );
    }
    const demos = demonstrations(seed).map((d) => ({ prompt: d.item.prompt, response: d.response }));
    this.demoSplit = stableSplit(demos, (d) => d.prompt, SFT_HELDOUT_FRACTION);
    this.stopper = new EarlyStopping(settings.sftPatience, 1e-3);
    this.corpus = pretrainCorpus(seed + 99, 4000).map((d) => encode(d, { bos: true, eos: true }));
  }

  // -------------------------------------------------------------------------------------------
  // Where the run is

  position(): SessionPosition {
    return { phase: this.phase, round: this.round, step: this.phaseStep, total: this.phaseTotal, rounds: this.rounds };
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** The round whose rankings are being collected (human rankings made now belong to it). */
  get rankingRound(): number {
    if (this.phase === 'base' || this.phase === 'sft') return 0;
    if (this.phase === 'rankings') return this.round;
    return this.round + 1;
  }

  /** The summary, once the final evaluation ran (null before). */
  get summary(): PipelineSummary | null {
    return this.finalSummary;
  }

  get rankings(): Ranking[] {
    return [...this.rankingsById.values()];
  }

  /** The last PPO rollout (for a live sample table), or null. */
  get lastPpoSamples(): PpoSamples | null {
    return this.ppoRun?.trainer?.lastSamples ?? null;
  }

  /** The model answering as `name`; a stage not trained yet falls back to the one before it. */
  modelFor(name: SessionModelName): GPT {
    switch (this.answering(name)) {
      case 'rm':
        return this.rm!;
      case 'policy':
        return this.ppoRun!.policy;
      case 'policy-ptx':
        return this.ptxRun!.policy;
      case 'sft':
        return this.sft!;
      default:
        return this.base;
    }
  }

  /**
   * Which model stands in for `name`: itself once it exists, else the one it starts from (SFT,
   * else the base). A policy exists from its first PPO iteration (until then it is SFT's copy).
   */
  answering(name: SessionModelName): SessionModelName {
    if (name === 'rm' && this.rm) return 'rm';
    if (name === 'policy' && this.ppoRun && this.ppoRun.iterations > 0) return 'policy';
    if (name === 'policy-ptx' && this.ptxRun && this.ptxRun.iterations > 0) return 'policy-ptx';
    if (name !== 'base' && this.sft) return 'sft';
    return 'base';
  }

  /** True once a PPO-ptx policy exists (it answers as 'policy-ptx'). */
  get hasPtxPolicy(): boolean {
    return this.ptxRun !== null;
  }

  /** The reward model, once it exists. */
  get rewardModel(): GPT | null {
    return this.lastRm ? this.rm : null;
  }

  /** The model people rank now: the policy once PPO ran, else SFT, else base. */
  currentModel(): { model: GPT; name: string } {
    if (this.ppoRun && this.ppoRun.iterations > 0) return { model: this.ppoRun.policy, name: `policy@r${this.round}` };
    if (this.sft && this.phaseIndex() > PHASES.indexOf('sft')) return { model: this.sft, name: 'sft' };
    return { model: this.base, name: 'base' };
  }

  private phaseIndex(): number {
    return PHASES.indexOf(this.phase);
  }

  // -------------------------------------------------------------------------------------------
  // Rankings: human and simulated enter here

  /** Adds rankings (deduplicated by id; those with fewer than two answers are refused). Returns those added. */
  addRankings(rankings: readonly Ranking[]): Ranking[] {
    const added: Ranking[] = [];
    for (const r of rankings) {
      if (r.responses.length < 2 || this.rankingsById.has(r.id)) continue;
      this.rankingsById.set(r.id, r);
      added.push(r);
    }
    if (this.phase === 'rankings') this.syncRankingsTotal();
    return added;
  }

  /** A rankings phase's length: what it collected plus what the round still lacks. */
  private syncRankingsTotal(): void {
    this.phaseTotal = Math.max(1, this.phaseStep + this.rankingsNeeded());
  }

  private roundRankingCount(round: number): number {
    let n = 0;
    for (const r of this.rankingsById.values()) if (r.round === round) n++;
    return n;
  }

  /** Rankings the current round still lacks. */
  private rankingsNeeded(): number {
    return Math.max(0, this.settings.rankingsPerRound - this.roundRankingCount(this.round));
  }

  /**
   * The simulated labeler ranks the next `n` prompts of the current ranking round on the current
   * model's samples (the page's auto-rank button); they count toward the round's rankings.
   */
  async collectRankings(n: number): Promise<Ranking[]> {
    const round = this.rankingRound;
    const { model, name } = this.currentModel();
    return this.addRankings(await this.roundCollection(round, name).next(model, n, name));
  }

  /** The round's collection (made on first use): the round's prompts in a fixed order. */
  private roundCollection(round: number, modelName: string): RoundCollection {
    if (this.collection?.round !== round) this.collection = { round, part: new RoundCollection(this.roundItems(round), this.labelerOptions(round, modelName), this.now) };
    return this.collection.part;
  }

  private roundItems(round: number): PromptItem[] {
    return trainPrompts(this.settings.seed * 7919 + round, this.settings.rankingsPerRound);
  }

  private labelerOptions(round: number, modelName: string) {
    const s = this.settings;
    return {
      k: s.k,
      temperature: s.samplingTemperature,
      maxNewTokens: s.responseLength,
      seed: s.seed * 31 + round,
      round,
      modelName,
      labelerTemperature: s.labelerTemperature,
      labelerTieGap: s.labelerTieGap,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Settings during a run

  /** Settings a run can no longer change now, and why (a phase that used them has begun). */
  lockedSettings(): Map<SettingKey, string> {
    const locked = new Map<SettingKey, string>();
    const at = this.phaseIndex();
    const begun = (phase: Phase): boolean => at > PHASES.indexOf(phase) || (this.phase === phase && this.phaseStep > 0);
    // Whole groups, or single settings by key (a key and a group may share a name: 'reward').
    const lock = (why: string, which: { groups?: SettingGroupName[]; keys?: SettingKey[] }): void => {
      for (const spec of SETTING_SPECS) if (which.keys?.includes(spec.key) || which.groups?.includes(spec.group)) locked.set(spec.key, why);
    };
    if (begun('base')) lock('the evaluation set is fixed once the base model was evaluated', { keys: ['seed', 'evalPrompts', 'evalSamples', 'responseLength', 'reward'] });
    if (begun('sft')) lock('SFT has begun', { groups: ['sft'] });
    if (this.rmTrainer) lock('the reward model trainer exists (it keeps training across rounds)', { keys: ['rmBatchSize', 'rmLearningRate', 'k'] });
    // PPO-ptx trains with the settings its round's PPO used, so they hold until the round ends.
    if ((this.phase === 'ppo' && this.phaseStep > 0) || this.phase === 'ptx') lock('PPO settings apply from the next round', { groups: ['ppo'] });
    if (this.ptxRun) lock('the PPO-ptx policy is being trained with it', { keys: ['ptxCoef'] });
    // The round's prompts and sampling are fixed once its first rankings were collected.
    if (this.collection && this.collection.round === this.rankingRound && this.collection.part.collected > 0) {
      lock("this round's rankings are being collected", { groups: ['rankings'], keys: ['samplingTemperature', 'responseLength'] });
    }
    return locked;
  }

  /**
   * Changes settings between steps; each change applies from the next phase that reads it.
   * Refuses (changing nothing) a value against its rule or a setting the run can no longer change.
   */
  updateSettings(changes: Partial<PipelineSettings>): void {
    const next = { ...this.settings, ...changes };
    const problems = settingsProblems(next);
    const locked = this.lockedSettings();
    for (const [key, value] of Object.entries(changes) as [SettingKey, unknown][]) {
      if (value !== this.settings[key] && locked.has(key)) problems.push(`${key} cannot change now: ${locked.get(key)}`);
    }
    if (next.rounds <= this.round) problems.push(`rounds must stay above the current round (${this.round + 1} begun)`);
    if (problems.length > 0) throw new SettingsError(problems.join('; '));
    Object.assign(this.settings, changes);
    this.rounds = this.settings.rounds;
    if (this.phase === 'rankings') this.phaseTotal = Math.max(1, this.rankingsNeeded());
  }

  // -------------------------------------------------------------------------------------------
  // Snapshot and restore (at phase boundaries)

  /** True between phases: a snapshot now loses no work. */
  get atBoundary(): boolean {
    return !this.inflight && (this.phaseStep === 0 || this.phase === 'done');
  }

  snapshot(): { state: SessionSnapshot; models: SessionModels } {
    if (!this.atBoundary) throw new Error('A run can be saved only between phases.');
    return {
      state: {
        version: 2,
        tokenizer: TOKENIZER_ID,
        settings: { ...this.settings },
        phase: this.phase,
        round: this.round,
        rounds: this.rounds,
        sftSteps: this.sftSteps,
        sftBest: { loss: this.stopper.best, step: this.stopper.bestStep },
        iterationsDone: this.ppoRun?.iterations ?? 0,
        lastKl: this.ppoRun?.lastKl ?? 0,
        ptxIterations: this.ptxRun?.iterations ?? 0,
        ptxLastKl: this.ptxRun?.lastKl ?? 0,
        labelerAgreement: this.labelerAgreement,
        interLabelerAgreement: this.interLabelerAgreement,
        baseResponses: [...this.baseResponses],
        sftResponses: [...this.sftResponses],
        history: [...this.history],
        rankings: this.rankings,
        rewardModel: this.lastRm,
        summary: this.finalSummary,
      },
      models: {
        sft: this.sft,
        rm: this.rm,
        policy: this.ppoRun?.policy ?? null,
        value: this.ppoRun?.value ?? null,
        ptxPolicy: this.ptxRun?.policy ?? null,
        ptxValue: this.ptxRun?.value ?? null,
      },
    };
  }

  /** A run saved by snapshot(), continued on `base`; the models are copied in (the caller keeps its own). */
  static restore(base: GPT, state: SessionSnapshot, models: SessionModels, hooks: SessionHooks = {}): RlhfSession {
    if ((state.version as number) === 1 || (state.version === 2 && state.tokenizer !== TOKENIZER_ID)) {
      throw new Error('The saved run was made by an earlier version of the playground, with another tokenizer; start a new run.');
    }
    if (state.version !== 2 || !PHASES.includes(state.phase)) throw new Error('The saved run is of an unknown format.');
    const session = new RlhfSession(base, state.settings, hooks);
    const need = (name: keyof SessionModels): GPT => {
      const m = models[name];
      if (!m) throw new Error(`The saved run needs its ${name} model, which is missing.`);
      return m.clone();
    };
    const after = (phase: Phase): boolean => PHASES.indexOf(state.phase) > PHASES.indexOf(phase);
    if (after('sft')) {
      session.sft = need('sft');
      session.rm = need('rm');
      session.ppoRun = { policy: need('policy'), value: need('value'), trainer: null, iterations: state.iterationsDone, lastKl: state.lastKl };
      session.goldReward = state.settings.reward === 'gold' ? goldRewardFn(session.promptPool, goldReport(session.evalSubset, state.sftResponses).gold_score) : null;
    }
    session.rounds = state.rounds;
    session.round = state.round;
    session.sftSteps = state.sftSteps;
    session.stopper.best = state.sftBest.loss ?? Infinity;
    session.stopper.bestStep = state.sftBest.step;
    if ((state.ptxIterations ?? 0) > 0) {
      session.ptxRun = { policy: need('ptxPolicy'), value: need('ptxValue'), trainer: null, iterations: state.ptxIterations ?? 0, lastKl: state.ptxLastKl ?? 0 };
    }
    session.labelerAgreement = state.labelerAgreement ?? Number.NaN;
    session.interLabelerAgreement = state.interLabelerAgreement ?? Number.NaN; // JSON keeps NaN as null
    session.baseResponses = [...state.baseResponses];
    session.sftResponses = [...state.sftResponses];
    session.history.push(...state.history);
    session.addRankings(state.rankings);
    session.lastRm = state.rewardModel;
    session.enter(state.phase);
    // A finished run without its summary (an older save) evaluates once more.
    session.finalSummary = state.summary ?? null;
    if (state.phase === 'done' && !session.finalSummary) session.enter('summary');
    return session;
  }

  // -------------------------------------------------------------------------------------------
  // Steps

  /**
   * Runs one unit of work of the current phase. A long evaluation (hundreds of answers) is split:
   * the phase's step stops after each sampling batch and the next step() goes on from there,
   * with the very answers one uninterrupted evaluation would give.
   */
  async step(): Promise<SessionStep> {
    if (this.phase === 'done' && !this.inflight) throw new Error(RUN_FINISHED);
    const outcome = new Promise<SessionStep>((resolve, reject) => (this.waiter = { resolve, reject }));
    if (this.inflight) {
      const resume = this.inflight.resume;
      this.inflight.resume = null;
      resume?.();
    } else {
      const work = this.phaseStepWork();
      this.inflight = { resume: null };
      work.then(
        (result) => {
          this.inflight = null;
          this.waiter?.resolve(result);
        },
        (err: unknown) => {
          this.inflight = null;
          this.waiter?.reject(err);
        },
      );
    }
    return outcome;
  }

  /** Inside a phase's step: hands a progress report to the caller of step() and waits for the next step(). */
  private pausePoint(detail: string): Promise<void> {
    return new Promise<void>((resume) => {
      if (!this.inflight) return resume();
      this.inflight.resume = resume;
      this.waiter?.resolve({ phase: this.phase, round: this.round, step: this.phaseStep, total: this.phaseTotal, detail, phaseEnded: false });
    });
  }

  private phaseStepWork(): Promise<SessionStep> {
    switch (this.phase) {
      case 'base':
        return this.stepBase();
      case 'sft':
        return this.stepSft();
      case 'rankings':
        return this.stepRankings();
      case 'reward':
        return this.stepReward();
      case 'ppo':
        return this.stepPpo();
      case 'ptx':
        return this.stepPtx();
      case 'summary':
        return this.stepSummary();
      case 'done':
        return Promise.reject(new Error(RUN_FINISHED));
    }
  }

  /** Adds rounds to a run (the page's "next round"): a finished run continues with new rankings. */
  extendRounds(n = 1): void {
    if (!Number.isInteger(n) || n < 1) throw new SettingsError(`rounds to add must be a positive integer (got ${n})`);
    const wasDone = this.phase === 'summary' || this.phase === 'done';
    this.rounds += n;
    this.settings.rounds = this.rounds;
    if (wasDone) {
      this.finalSummary = null;
      this.round += 1;
      this.enter('rankings');
    }
  }

  private enter(phase: Phase): void {
    this.phase = phase;
    this.phaseStep = 0;
    const s = this.settings;
    this.phaseTotal =
      phase === 'sft' ? s.sftMaxSteps : phase === 'rankings' ? Math.max(1, this.rankingsNeeded()) : phase === 'ppo' || phase === 'ptx' ? s.ppoIterations : 1;
  }

  private result(partial: Omit<SessionStep, 'phase' | 'round' | 'step' | 'total' | 'phaseEnded'>, next: Phase | null): SessionStep {
    const out: SessionStep = { phase: this.phase, round: this.round, step: this.phaseStep, total: this.phaseTotal, phaseEnded: next !== null, ...partial };
    if (next !== null) this.enter(next);
    return out;
  }

  private evaluate(model: GPT, evalSeed: number, how: { temperature?: number; shots?: typeof FEW_SHOT_EXAMPLES } = {}): Promise<string[]> {
    return sampleResponses(
      model,
      this.evalSubset.map((i) => i.prompt),
      { temperature: how.temperature ?? EVAL_TEMPERATURE, shots: how.shots, maxNewTokens: this.settings.responseLength, seed: evalSeed, batchSize: 40 },
      (done, total) => (done < total ? this.pausePoint(`evaluating: ${done} of ${total} answers`) : undefined),
    );
  }

  private async stepBase(): Promise<SessionStep> {
    this.baseResponses = await this.evaluate(this.base, this.settings.seed + 11);
    this.phaseStep = 1;
    return this.result({ detail: `base model: gold ${goldReport(this.evalSubset, this.baseResponses).gold_score.toFixed(3)}` }, 'sft');
  }

  private async stepSft(): Promise<SessionStep> {
    const s = this.settings;
    if (!this.sftTrainer) {
      this.sft = this.base.clone();
      this.sftBest = this.sft.clone();
      this.sftTrainer = new SftTrainer(this.sft, sftExamplesFrom(this.demoSplit.train), {
        batchSize: s.sftBatchSize,
        learningRate: s.sftLearningRate,
        maxLength: this.seqLength,
        seed: s.seed,
      });
    }
    const sft = this.sft as GPT;
    const m = await this.sftTrainer.step();
    const step = ++this.phaseStep;
    this.sftSteps = step;
    this.log({ stage: 'sft', step, ...m });
    let metrics: Metrics = m;
    if (step % s.sftEvalEvery === 0) {
      const heldoutLoss = (await this.sftTrainer.evaluate(sftExamplesFrom(this.demoSplit.heldout)))['eval/loss'];
      this.log({ stage: 'sft', step, 'eval/loss': heldoutLoss });
      metrics = { ...m, 'eval/loss': heldoutLoss };
      if (this.stopper.update(heldoutLoss, step)) this.sftBest?.assignFrom(sft);
    }
    if (!this.stopper.shouldStop && step < s.sftMaxSteps) {
      return this.result({ metrics, detail: `loss ${m.loss.toFixed(3)} best held-out ${this.stopper.best.toFixed(3)}` }, null);
    }
    // SFT ends: keep the best held-out step, then its answers become the win-rate baseline.
    this.phaseTotal = step;
    sft.assignFrom(this.sftBest as GPT);
    this.sftBest?.dispose();
    this.sftBest = null;
    this.sftTrainer.dispose();
    this.sftTrainer = null;
    await this.finishSft();
    return this.result(
      { metrics, detail: `stopped at step ${step}, best held-out loss ${this.stopper.best.toFixed(3)} at step ${this.stopper.bestStep}` },
      'rankings',
    );
  }

  /** SFT's evaluation answers (the baseline) and the copies the later stages start from. */
  private async finishSft(): Promise<void> {
    const sft = this.sft as GPT;
    this.sftResponses = await this.evaluate(sft, this.settings.seed + 12);
    // Centred on SFT's own gold score, as the reward model is centred on demonstrations.
    this.goldReward = this.settings.reward === 'gold' ? goldRewardFn(this.promptPool, goldReport(this.evalSubset, this.sftResponses).gold_score) : null;
    this.rm = sft.clone();
    this.ppoRun = { policy: sft.clone(), value: sft.clone(), trainer: null, iterations: 0, lastKl: 0 };
  }

  /**
   * A second simulated labeler, with its own random draws, ranks the round's first answers again;
   * the pairwise agreement of the two (only the simulated rankings: a person's have no twin).
   */
  private secondLabelerAgreement(): number {
    const rng = createRng((this.settings.seed ^ 0x2ab31e) >>> 0);
    let credit = 0;
    let pairs = 0;
    this.labelerRankings.forEach((ranking, i) => {
      if (ranking.source !== 'simulated') return;
      const twin = simulateRanking(this.labelerItems[i], ranking.responses, rng, {
        temperature: this.settings.labelerTemperature,
        tieGap: this.settings.labelerTieGap,
      });
      const a = rankingAgreement(ranking.order, twin.ranking);
      if (a.pairs === 0) return;
      credit += a.agreement * a.pairs;
      pairs += a.pairs;
    });
    return pairs > 0 ? credit / pairs : Number.NaN;
  }

  private async stepRankings(): Promise<SessionStep> {
    const round = this.round;
    const { model, name } = this.currentModel();
    const collection = this.roundCollection(round, name);
    const wanted = Math.min(this.rankingsNeeded(), collection.remaining);
    // A few sampling batches a step, so a pause waits for seconds, not the whole round.
    const start = collection.collected;
    const got = wanted > 0 ? await collection.next(model, Math.min(wanted, RANKING_BATCHES_PER_STEP * collection.perBatch), name) : [];
    const added = this.addRankings(got);
    if (round === 0) {
      this.labelerItems.push(...this.roundItems(round).slice(start, start + got.length));
      this.labelerRankings.push(...got);
    }
    this.phaseStep += added.length;
    this.syncRankingsTotal();
    const done = this.rankingsNeeded() === 0 || collection.remaining === 0;
    if (done) {
      // Ends at what it collected (the round's prompts can run out before its quota).
      this.phaseStep = this.phaseTotal = Math.max(this.phaseStep, 1);
      if (round === 0) {
        this.labelerAgreement = labelerGoldAgreement(this.labelerItems, this.labelerRankings);
        this.interLabelerAgreement = this.secondLabelerAgreement();
      }
    }
    return this.result({ rankings: added, detail: rankingsDetail(this.rankings) }, done ? 'reward' : null);
  }

  private async stepReward(): Promise<SessionStep> {
    const s = this.settings;
    if (this.phaseStep === 0) {
      // Retrained on every ranking so far; the held-out split is by prompt and stable as it grows.
      const split = stableSplit(this.rankings, (r) => r.prompt, RM_HELDOUT_FRACTION);
      if (split.train.length === 0) throw new SettingsError('The reward model has no rankings to learn from: rank some answers first.');
      this.rmSplit = split;
      this.useRewardTrainer(split.train);
      this.phaseTotal = Math.max(1, Math.ceil((s.rmEpochs * split.train.length) / s.rmBatchSize));
    }
    const trainer = this.rmTrainer as RewardTrainer;
    const m = await trainer.step();
    const step = ++this.phaseStep;
    this.log({ stage: 'rm', round: this.round, step, ...m });
    const detail = `loss ${m.loss.toFixed(3)} acc ${m.accuracy.toFixed(2)}`;
    if (step < this.phaseTotal) return this.result({ metrics: m, detail }, null);

    const split = this.rmSplit as { train: Ranking[]; heldout: Ranking[] };
    await trainer.calibrate(this.demoSplit.train.map((d) => ({ prompt: encodePrompt(d.prompt), response: encodeResponse(d.response) })));
    const heldoutAccuracy = split.heldout.length > 0 ? (await trainer.evaluate(split.heldout.map(tokenRankingFrom)))['eval/accuracy'] : Number.NaN;
    const source = this.round === 0 ? (this.sft as GPT) : (this.ppoRun as PolicyRun).policy;
    const gold = await this.rewardGoldAgreement(source, s.seed + this.round);
    this.lastRm = {
      round: this.round,
      heldout_accuracy: heldoutAccuracy,
      gold_agreement: gold.accuracy,
      pairs: gold.pairs,
      gold_agreement_clear: gold.clearAccuracy,
      clear_pairs: gold.clearPairs,
      rankings: this.rankingsById.size,
      train_rankings: split.train.length,
      heldout_rankings: split.heldout.length,
    };
    this.log({ stage: 'rm', round: this.round, 'eval/accuracy': heldoutAccuracy, 'eval/gold_agreement': gold.accuracy, 'eval/gold_agreement_clear': gold.clearAccuracy });
    return this.result({ metrics: { ...m, 'eval/accuracy': heldoutAccuracy, 'eval/gold_agreement': gold.accuracy }, rewardModel: this.lastRm, detail }, 'ppo');
  }

  /** The reward model's trainer, on these rankings (made once; it keeps its Adam state across rounds). */
  private useRewardTrainer(rankings: readonly Ranking[]): RewardTrainer {
    const s = this.settings;
    const train = rankings.map(tokenRankingFrom);
    if (this.rmTrainer) this.rmTrainer.setRankings(train);
    else {
      // A person's ranking may hold more answers than K (an imported file).
      const maxResponses = Math.max(s.k, ...train.map((r) => r.responses.length));
      this.rmTrainer = new RewardTrainer(this.rm as GPT, train, { batchSize: s.rmBatchSize, learningRate: s.rmLearningRate, maxResponses, maxLength: this.seqLength, seed: s.seed });
    }
    return this.rmTrainer;
  }

  /** Reward model vs gold on fresh samples for held-out prompts (pairs whose gold scores differ). */
  private async rewardGoldAgreement(model: GPT, seed: number): Promise<{ accuracy: number; pairs: number; clearAccuracy: number; clearPairs: number }> {
    const s = this.settings;
    const items = spreadFamilies(heldoutPrompts(), Math.min(GOLD_AGREEMENT_PROMPTS, s.evalPrompts ?? GOLD_AGREEMENT_PROMPTS));
    const answers = await sampleK(model, items.map((i) => i.prompt), { k: s.k, temperature: s.samplingTemperature, maxNewTokens: s.responseLength, seed });
    const rewards = await scoreAnswerGroups(this.rm as GPT, items.map((item, i) => ({ prompt: item.prompt, responses: answers[i] })), s.rmBatchSize * s.k, this.seqLength);
    const gold = goldScores(items, answers);
    const clear = pairwiseAgreement(rewards, gold, CLEAR_GAP);
    return { ...pairwiseAgreement(rewards, gold), clearAccuracy: clear.accuracy, clearPairs: clear.pairs };
  }

  /**
   * The trainer of one round of `run`: PPO from where the policy is, against the reward model (or
   * gold). PPO and PPO-ptx share the seed, so they see the same prompts in the same order; PPO-ptx
   * also draws pretraining windows from a generator of its round's own.
   */
  private createPpo(kind: PolicyKind, run: PolicyRun): PpoTrainer {
    const s = this.settings;
    // After a restore the reward model has no trainer yet: one on the same rankings scores alike.
    const trainer = this.rmTrainer ?? this.useRewardTrainer(stableSplit(this.rankings, (r) => r.prompt, RM_HELDOUT_FRACTION).train);
    const ptxCoef = kind === 'ppo-ptx' ? s.ptxCoef : 0;
    const ptxRng = createRng(s.seed * 7 + 5 + this.round);
    return new PpoTrainer(
      { policy: run.policy, ref: this.sft as GPT, value: run.value },
      {
        rewardFn: this.goldReward ?? ((prompts, responses) => trainer.score(prompts, responses)),
        prompts: this.promptPool.map((i) => encodePrompt(i.prompt)),
        ptxBatch: ptxCoef > 0 ? () => Array.from({ length: PTX_ROWS }, () => this.corpus[ptxRng.int(this.corpus.length)].slice(0, PTX_WINDOW)) : undefined,
      },
      {
        batchSize: s.ppoBatchSize,
        learningRate: s.ppoLearningRate,
        ppoEpochs: s.ppoEpochs,
        promptLength: this.promptLength,
        responseLength: s.responseLength,
        temperature: s.samplingTemperature,
        klCoef: s.beta,
        adaptiveKl: s.klTarget === null ? null : { target: s.klTarget, horizon: 10_000 },
        ptxCoef,
        ptxBatchSize: PTX_ROWS,
        ptxLength: PTX_WINDOW,
        seed: s.seed * 101 + this.round,
      },
    );
  }

  private stepPpo(): Promise<SessionStep> {
    return this.stepPolicy('ppo', this.ppoRun as PolicyRun);
  }

  /** PPO-ptx's round: made from SFT at its first phase (the value model from the reward model). */
  private stepPtx(): Promise<SessionStep> {
    this.ptxRun ??= { policy: (this.sft as GPT).clone(), value: (this.rm as GPT).clone(), trainer: null, iterations: 0, lastKl: 0 };
    return this.stepPolicy('ppo-ptx', this.ptxRun);
  }

  /** One PPO iteration of `run` (and a held-out evaluation every evalEvery and at the round's end). */
  private async stepPolicy(kind: PolicyKind, run: PolicyRun): Promise<SessionStep> {
    const s = this.settings;
    if (this.phaseStep === 0) {
      // PPO from the current policy; the value model starts from the reward model in round 0.
      if (kind === 'ppo' && this.round === 0) run.value.assignFrom(this.rm as GPT);
      run.trainer?.dispose();
      run.trainer = this.createPpo(kind, run);
    }
    const last = await (run.trainer as PpoTrainer).step();
    const it = ++this.phaseStep;
    run.iterations++;
    run.lastKl = last['objective/kl'];
    this.log({ stage: kind, round: this.round, iteration: run.iterations, ...last });
    let point: EvalPoint | undefined;
    if (it % s.evalEvery === 0 || it === s.ppoIterations) {
      const responses = await this.evaluate(run.policy, s.seed + 13);
      const report = goldReport(this.evalSubset, responses);
      point = {
        round: this.round,
        iteration: run.iterations,
        'objective/scores': last['objective/scores'],
        'objective/kl': last['objective/kl'],
        'eval/win_rate': winRate(this.evalSubset, responses, this.sftResponses),
        'eval/gold_score': report.gold_score,
        'eval/hedge_rate': hedgeRate(report),
        model: kind,
      };
      this.history.push(point);
      this.log({ stage: 'eval', ...point });
    }
    const detail = `score ${last['objective/scores'].toFixed(2)} kl ${last['objective/kl'].toFixed(2)}`;
    const roundEnds = kind === 'ppo-ptx' || s.ptxCoef === 0;
    const next: Phase | null = it < s.ppoIterations ? null : !roundEnds ? 'ptx' : this.round + 1 < this.rounds ? 'rankings' : 'summary';
    const out = this.result({ metrics: last, ...(point ? { eval: point } : {}), detail }, next);
    if (next === 'rankings') {
      this.round += 1;
      this.enter('rankings');
    }
    return out;
  }

  /** The reward model's mean score of answers to the evaluation prompts. */
  private async meanRewardScore(responses: readonly string[]): Promise<number> {
    const s = this.settings;
    const scores = await scoreWithModel(this.rm as GPT, this.evalSubset.map((i) => encodePrompt(i.prompt)), responses.map(encodeResponse), s.rmBatchSize * s.k, this.seqLength);
    return scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
  }

  private async stepSummary(): Promise<SessionStep> {
    const ppoRun = this.ppoRun as PolicyRun;
    // Both policies answer with the same sampling seed: their difference is the models'.
    const policyResponses = await this.evaluate(ppoRun.policy, this.settings.seed + 14);
    const ptxResponses = this.ptxRun ? await this.evaluate(this.ptxRun.policy, this.settings.seed + 14) : null;
    const longestFewShot = Math.max(...this.evalSubset.map((i) => encodeFewShotPrompt(i.prompt, FEW_SHOT_EXAMPLES).length));
    const promptedFits = longestFewShot + this.settings.responseLength <= this.base.config.contextLength;
    const promptedBaseResponses = promptedFits ? await this.evaluate(this.base, this.settings.seed + 15, { shots: FEW_SHOT_EXAMPLES }) : null;
    const sftGreedyResponses = await this.evaluate(this.sft as GPT, this.settings.seed + 16, { temperature: 0 });
    // SFT's answers with the habit deleted, each judged against SFT's next answer to the same prompt
    // (the evaluation answers every prompt evalSamples times in turn): against its own unedited
    // self an answer would win whenever it had the habit, which no policy's win can be read against.
    // With one answer a prompt there is no other to judge against, and it is left out.
    const samplesApart = this.evalSubset.length / this.settings.evalSamples;
    const habit =
      this.settings.evalSamples >= 2
        ? { edited: this.sftResponses.map(withoutClosingChatter), against: this.sftResponses.map((_, i, all) => all[(i + samplesApart) % all.length]) }
        : null;
    const scores = async (responses: string[], baseline: readonly string[] = this.sftResponses): Promise<StageScores> => {
      const report = goldReport(this.evalSubset, responses);
      const byFamily = Object.fromEntries(Object.entries(report.by_family).map(([family, stats]) => [family, stats.gold_score]));
      return {
        win_rate_vs_sft: winRate(this.evalSubset, responses, baseline),
        gold_score: report.gold_score,
        by_family: byFamily,
        hedge_rate: hedgeRate(report),
        fluency: report.fluency,
        ...assistantRates(report),
        rm_score: await this.meanRewardScore(responses),
      };
    };
    const policyScores = async (run: PolicyRun, responses: string[]): Promise<PolicyScores> => ({
      ...(await scores(responses)),
      kl: run.lastKl,
      iterations: run.iterations,
      win_rate_vs_sft_greedy: winRate(this.evalSubset, responses, sftGreedyResponses),
      ...(habit ? { win_rate_vs_sft_without_habit: winRate(this.evalSubset, responses, habit.edited) } : {}),
    });
    const rm = this.lastRm;
    this.finalSummary = {
      base: await scores(this.baseResponses),
      prompted_base: promptedBaseResponses ? await scores(promptedBaseResponses) : null,
      sft: { ...(await scores(this.sftResponses)), steps: this.sftSteps, heldout_loss: this.stopper.best },
      sft_greedy: await scores(sftGreedyResponses),
      ...(habit ? { sft_without_habit: await scores(habit.edited, habit.against) } : {}),
      ppo: await policyScores(ppoRun, policyResponses),
      ppo_ptx: this.ptxRun && ptxResponses ? await policyScores(this.ptxRun, ptxResponses) : null,
      rm: {
        heldout_accuracy: rm?.heldout_accuracy ?? Number.NaN,
        gold_agreement: rm?.gold_agreement ?? Number.NaN,
        pairs: rm?.pairs ?? 0,
        gold_agreement_clear: rm?.gold_agreement_clear ?? Number.NaN,
        clear_pairs: rm?.clear_pairs ?? 0,
        rankings: this.rankingsById.size,
      },
      labeler_agreement_on_sft: this.labelerAgreement,
      labeler_agreement_between_labelers: this.interLabelerAgreement,
      eval_history: [...this.history],
      wall_seconds: (Date.now() - this.started) / 1000,
      settings: { ...this.settings },
    };
    this.phaseStep = 1;
    return this.result({ detail: `PPO win rate vs SFT ${this.finalSummary.ppo.win_rate_vs_sft.toFixed(3)}` }, 'done');
  }

  /** The trained models (SFT, reward model, policy); before a stage trained, the one before it. */
  models(): { sft: GPT; rm: GPT; policy: GPT } {
    return { sft: this.modelFor('sft'), rm: this.modelFor('rm'), policy: this.modelFor('policy') };
  }

  /** Frees every model and trainer the session made (never the base it was given). */
  dispose(): void {
    this.sftTrainer?.dispose();
    this.rmTrainer?.dispose();
    const runs = [this.ppoRun, this.ptxRun].filter((r): r is PolicyRun => r !== null);
    for (const run of runs) run.trainer?.dispose();
    const models = [this.sft, this.sftBest, this.rm, ...runs.flatMap((r) => [r.policy, r.value])];
    tf.dispose(models.flatMap((m) => (m ? [...m.weights.values()] : [])));
    this.sft = this.sftBest = this.rm = null;
    this.ppoRun = this.ptxRun = null;
    this.sftTrainer = null;
    this.rmTrainer = null;
  }
}

/** How often the simulated labeler's order agrees with gold on these rankings (pairs with distinct gold). */
function labelerGoldAgreement(items: readonly PromptItem[], rankings: readonly Ranking[]): number {
  const gold = goldScores(items, rankings.map((r) => r.responses));
  // The labeler's order as pseudo-rewards: a higher rank gets a higher number.
  const ranks = rankings.map((r) => {
    const score = new Array<number>(r.responses.length).fill(0);
    r.order.forEach((tier, position) => tier.forEach((index) => (score[index] = -position)));
    return score;
  });
  return pairwiseAgreement(ranks, gold).accuracy;
}
