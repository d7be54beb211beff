// The pipeline's page-side state, as Svelte 5 runes: stage states and settings, metric history,
// rankings (persisted the moment they are made), the ranking task, samples and resume. It sends
// commands through the session's worker client and reacts to the worker's events; it never
// touches tf. One instance per session (PlaygroundSession.pipeline).
import type { WorkerClient } from './worker-client';
import type { Preset } from './presets';
import type { PlaygroundStore, SavedSession } from './persistence';
import {
  ImportError,
  comparisonCount,
  mergeRankings,
  newRankingId,
  parseRankingsJsonl,
  toJsonl,
  toPairwiseJsonl,
  type Ranking,
} from '../lib/io/rankings';
import { heldoutPrompts, trainPrompts, type PromptItem } from '../lib/world';
import type { PipelineSettings, RewardModelReport, SessionPosition } from '../lib/rlhf';
import { settingsProblemsByKey, type SettingKey } from '../lib/rlhf/settings';
import { REFERENCE_COSTS, doneMs, estimateRun, planRun, type RunEstimate } from '../lib/rlhf/estimate';
import type { LiveEvaluation } from './results';
import {
  STAGES,
  type AnsweringModel,
  type MetricPoint,
  type PpoSamplesEvent,
  type PretrainSettings,
  type ProgramEvent,
  type ProgramStage,
  type SamplesEvent,
  type StageName,
  type StageState,
  type WorkerEvent,
} from '../worker/protocol';

export interface StageStatus {
  state: StageState;
  step: number;
  target: number;
  msPerStep?: number;
  message?: string;
}

export interface RankingTask {
  prompt: string;
  responses: string[];
  model: string;
}

export interface RankingCounts {
  humanRankings: number;
  humanComparisons: number;
  simulatedRankings: number;
  simulatedComparisons: number;
}

export interface PipelineOptions {
  getClient: () => WorkerClient | null;
  store: PlaygroundStore;
  preset: Preset;
  onError: (message: string) => void;
  onNotice: (message: string) => void;
}

/** Most metric points kept (and saved) per stage. */
const MAX_POINTS = 2000;
const SAVED_POINTS = 500;
/** The side-by-side samples also show SFT's best of this many answers by the reward model. */
const SAMPLES_BEST_OF_N = 4;

const STAGE_TITLES: Record<StageName, string> = { base: 'Base model', sft: 'SFT', reward: 'Reward model', ppo: 'PPO' };

export function countRankings(rankings: readonly Ranking[]): RankingCounts {
  const c: RankingCounts = { humanRankings: 0, humanComparisons: 0, simulatedRankings: 0, simulatedComparisons: 0 };
  for (const r of rankings) {
    if (r.source === 'human') {
      c.humanRankings++;
      c.humanComparisons += comparisonCount(r);
    } else {
      c.simulatedRankings++;
      c.simulatedComparisons += comparisonCount(r);
    }
  }
  return c;
}

export type { RunEstimate };

/** A duration in words, rounded as a person would say it ("40 s", "8 min", "2 h 10 min"). */
export function durationInWords(ms: number): string {
  const s = ms / 1000;
  if (s < 1) return 'under a second';
  if (s < 90) return `${Math.round(s)} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** "Time left" from the mean step time, in words ("about 2 min left"). */
export function timeLeft(status: StageStatus): string | null {
  if (status.state !== 'training' || !status.msPerStep || status.target <= status.step) return null;
  const ms = (status.target - status.step) * status.msPerStep;
  return ms < 1000 ? 'under a second left' : `about ${durationInWords(ms)} left`;
}

function freshStages(): Record<StageName, StageStatus> {
  return { base: { state: 'not-started', step: 0, target: 0 }, sft: { state: 'not-started', step: 0, target: 0 }, reward: { state: 'not-started', step: 0, target: 0 }, ppo: { state: 'not-started', step: 0, target: 0 } };
}

/** The pretraining card's settings against their rules (the same words as the settings tree's). */
/** What is wrong with each pretraining field (absent: nothing), for the field and for Start. */
export function pretrainFieldProblems(p: PretrainSettings): Partial<Record<keyof PretrainSettings, string>> {
  const out: Partial<Record<keyof PretrainSettings, string>> = {};
  if (!Number.isInteger(p.steps) || p.steps < 1) out.steps = `pretraining steps must be a positive integer (got ${String(p.steps)})`;
  if (!Number.isInteger(p.batchSize) || p.batchSize < 1) out.batchSize = `pretraining batch size must be a positive integer (got ${String(p.batchSize)})`;
  if (!(typeof p.learningRate === 'number' && p.learningRate > 0 && p.learningRate < 1)) out.learningRate = `pretraining learning rate must be a number > 0 and < 1 (got ${String(p.learningRate)})`;
  return out;
}

export function pretrainProblems(p: PretrainSettings): string[] {
  return Object.values(pretrainFieldProblems(p));
}

const PHASE_WORDS: Record<string, string> = { base: 'evaluating the base model', sft: 'SFT', rankings: 'collecting rankings', reward: 'the reward model', ppo: 'PPO', ptx: 'PPO-ptx (PPO with the pretraining loss, for comparison)', summary: 'the final evaluation', done: 'finished' };

/** A model's name as a ranking records it ('sft', 'policy@r1') in words: "the PPO policy (round 2)". */
export function modelInWords(name: string): string {
  const policy = /^policy@r(\d+)$/.exec(name);
  if (policy) return `the PPO policy (round ${Number(policy[1]) + 1})`;
  return ({ base: 'the base model', sft: 'the SFT model' } as Record<string, string>)[name] ?? name;
}

/** Where a run is, in words ("round 1: PPO"). */
export function describePosition(p: { phase: string; round: number }): string {
  return p.phase === 'done' ? 'finished' : p.phase === 'base' || p.phase === 'sft' ? PHASE_WORDS[p.phase] : `round ${p.round + 1}: ${PHASE_WORDS[p.phase] ?? p.phase}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PipelineController {
  stages = $state<Record<StageName, StageStatus>>(freshStages());
  /** The run's settings: the one settings tree (what the CLI's --preset and --set set). */
  settings = $state<PipelineSettings>() as PipelineSettings;
  /** Pretraining from scratch (the base card). */
  pretrain = $state<PretrainSettings>() as PretrainSettings;
  metrics = $state.raw<Record<StageName, MetricPoint[]>>({ base: [], sft: [], reward: [], ppo: [] });
  ppoSamples = $state.raw<PpoSamplesEvent | null>(null);
  /** Where the run is (from the worker), or null before one exists. */
  program = $state.raw<ProgramEvent | null>(null);
  readonly round = $derived(this.program?.position?.round ?? 0);
  readonly position = $derived<SessionPosition | null>(this.program?.position ?? null);

  rankings = $state.raw<Ranking[]>([]);
  readonly counts = $derived(countRankings(this.rankings));
  rankingsLoaded = $state(false);
  task = $state.raw<RankingTask | null>(null);
  rankBusy = $state(false);
  autoRankN = $state(8);
  autoBusy = $state(false);
  ioBusy = $state(false);
  /** The last import's outcome, shown next to the import control. */
  importMessage = $state<{ kind: 'error' | 'notice'; text: string } | null>(null);

  /** The latest held-out evaluation during PPO (the live line of the results panel). */
  readonly latestEvaluation = $derived.by((): LiveEvaluation | null => {
    const point = [...this.metrics.ppo].reverse().find((p) => typeof p.values['eval/win_rate'] === 'number');
    if (!point) return null;
    const v = point.values;
    return { winRate: v['eval/win_rate'], gold: v['eval/gold_score'] ?? Number.NaN, step: point.step, round: v.round ?? 0 };
  });

  /** The reward model's report at the end of the latest reward phase. */
  rmReport = $state.raw<RewardModelReport | null>(null);

  /** Held-out prompts offered for the side-by-side samples. */
  readonly sampleOptions: PromptItem[];
  selectedPrompts = $state<string[]>([]);
  samples = $state.raw<SamplesEvent | null>(null);
  samplesBusy = $state(false);

  /** A saved run found at start-up, offered for resuming. */
  resumeOffer = $state.raw<{ session: SavedSession | null; run: { phase: string; round: number } } | null>(null);
  resumeBusy = $state(false);

  readonly running = $derived(STAGES.find((s) => this.stages[s].state === 'training') ?? null);

  /** This device's sampling speed (ms per answer), measured by the worker after start-up. */
  deviceMsPerAnswer = $state<number | null>(null);
  /** Wall time the run trained while this page watched, and the reference time of that work. */
  private watched = $state({ ms: 0, referenceMs: 0 });
  private lastTick: { at: number; referenceDone: number } | null = null;
  /**
   * How many times slower than the reference machine this device runs the program: measured on
   * the run itself once 5 s of its work has been watched, from the quick sampling measurement
   * before that, null before either.
   */
  readonly speedFactor = $derived(
    this.watched.referenceMs >= 5000
      ? this.watched.ms / this.watched.referenceMs
      : this.deviceMsPerAnswer !== null
        ? this.deviceMsPerAnswer / REFERENCE_COSTS.calibrationMsPerAnswer
        : null,
  );
  /** The whole run's progress and time left (the phase in progress pro rata from its card). */
  readonly estimate = $derived<RunEstimate | null>(this.speedFactor === null ? null : estimateRun(this.settings, this.livePosition(), this.speedFactor));
  /** Each setting's problem (its rule, named), or nothing: a run does not start while any is set. */
  /** Fields whose text was refused (not applied): the run waits until they are fixed. */
  fieldProblems = $state<Partial<Record<SettingKey, string>>>({});
  readonly settingProblems = $derived({ ...settingsProblemsByKey(this.settings), ...this.fieldProblems });
  readonly settingsValid = $derived(Object.keys(this.settingProblems).length === 0);

  private readonly trainItems: PromptItem[];
  private promptCursor = 0;
  private seedCounter = 0;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: PipelineOptions) {
    this.settings = structuredClone(options.preset.settings);
    this.pretrain = structuredClone(options.preset.pretrain);
    this.autoRankN = options.preset.autoRankN;
    this.trainItems = trainPrompts(this.baseSeed, 400);
    this.promptCursor = this.baseSeed % this.trainItems.length;
    const held = heldoutPrompts();
    const perFamily = new Map<string, number>();
    this.sampleOptions = held.filter((item) => {
      const n = perFamily.get(item.family) ?? 0;
      perFamily.set(item.family, n + 1);
      return n < 2;
    });
    this.selectedPrompts = this.sampleOptions.slice(0, 3).map((i) => i.prompt);
  }

  /** The run's seed also seeds the page's own sampling (ranking tasks, side-by-side samples). */
  private get baseSeed(): number {
    return (this.settings?.seed ?? this.options.preset.settings.seed) >>> 0;
  }

  private nextSeed(): number {
    return (this.baseSeed + 7919 * ++this.seedCounter) >>> 0;
  }

  private client(): WorkerClient {
    const c = this.options.getClient();
    if (!c) throw new Error('The training worker is not running.');
    return c;
  }

  // -------------------------------------------------------------------------------------------
  // Start-up, persistence, resume

  /** Loads every saved ranking (before the worker is ready: nothing a user made waits on tf). */
  async loadRankings(): Promise<void> {
    try {
      this.rankings = await this.options.store.loadRankings();
    } catch (err) {
      this.options.onError(`Saved rankings could not be read: ${messageOf(err)}`);
    } finally {
      this.rankingsLoaded = true;
    }
  }

  /** Called when the worker is ready: offers to resume a saved run. */
  async onReady(): Promise<void> {
    try {
      const [session, run] = await Promise.all([this.options.store.loadSession(), this.options.store.savedRun()]);
      if (run) this.resumeOffer = { session, run };
    } catch {
      // No IndexedDB (private mode, tests): nothing to resume.
    }
  }

  async resume(): Promise<void> {
    const offer = this.resumeOffer;
    if (!offer || this.resumeBusy) return;
    this.resumeBusy = true;
    try {
      const restored = await this.client().restore();
      if (!restored.position) {
        this.options.onNotice(`Nothing could be restored (${restored.reason ?? 'no saved run'}); starting fresh.`);
      } else {
        const saved = offer.session;
        if (saved?.settings) this.settings = { ...this.settings, ...saved.settings };
        if (saved?.metrics) this.metrics = { base: [], sft: [], reward: [], ppo: [], ...saved.metrics };
        if (saved?.rmReport) this.rmReport = saved.rmReport;
        this.options.onNotice(`Resumed the saved run: ${describePosition(restored.position)}.`);
      }
      this.resumeOffer = null;
      this.scheduleSave();
    } catch (err) {
      this.options.onError(`Could not resume: ${messageOf(err)}`);
    } finally {
      this.resumeBusy = false;
    }
  }

  /** Starts over: the saved run goes. Rankings are kept (they are the user's work). */
  async startFresh(): Promise<void> {
    this.resumeOffer = null;
    try {
      await this.client().reset('sft');
    } catch {
      // best effort
    }
    this.stages = freshStages();
    this.metrics = { base: [], sft: [], reward: [], ppo: [] };
    this.rmReport = null;
    this.scheduleSave();
  }

  /**
   * The worker died (lost GPU device, crash): whatever was training stops there. The models are
   * gone with the worker; the run saved at its last phase boundary is what a restart can resume.
   */
  onWorkerLost(message: string): void {
    for (const s of STAGES) {
      if (this.stages[s].state === 'training') this.stages[s] = { ...this.stages[s], state: 'paused', message };
    }
    this.rankBusy = this.autoBusy = this.samplesBusy = false;
  }

  /** A new base model ended the run on the old one: its charts, samples and reports go with it. */
  onNewBase(): void {
    this.metrics = { base: [], sft: [], reward: [], ppo: [] };
    this.ppoSamples = null;
    this.rmReport = null;
    this.samples = null;
    this.task = null;
    this.watched = { ms: 0, referenceMs: 0 };
    this.scheduleSave();
  }

  /** A new worker starts with fresh models: forget the stage states (resume is offered again). */
  onWorkerRestart(): void {
    if (STAGES.some((s) => this.stages[s].step > 0 || this.stages[s].state !== 'not-started')) {
      this.stages = freshStages();
      this.task = null;
      this.ppoSamples = null;
      this.rmReport = null;
      this.program = null;
    }
  }

  private snapshot(): SavedSession {
    const metrics: Partial<Record<StageName, MetricPoint[]>> = {};
    for (const s of STAGES) metrics[s] = this.metrics[s].slice(-SAVED_POINTS);
    return { version: 2, settings: $state.snapshot(this.settings) as PipelineSettings, metrics, rmReport: this.rmReport, savedAt: new Date().toISOString() };
  }

  /** Saves the session record soon (coalesced). */
  scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.options.store.saveSession(this.snapshot()).catch(() => undefined);
    }, 500);
  }

  /** The run's position with the step of the card that is training (program events come per phase). */
  private livePosition(): SessionPosition | null {
    const position = this.program?.position ?? null;
    const card = this.running;
    if (!position || !card || card === 'base') return position;
    const status = this.stages[card];
    return status.target > 0 ? { ...position, step: status.step, total: status.target } : position;
  }

  /** Counts the wall time and the reference work done since the last event, while a run trains. */
  private tick(): void {
    const position = this.livePosition();
    if (!this.running || this.running === 'base' || !position) {
      this.lastTick = null;
      return;
    }
    const now = performance.now();
    const referenceDone = doneMs(planRun(this.settings), position);
    if (this.lastTick && referenceDone >= this.lastTick.referenceDone) {
      this.watched = { ms: this.watched.ms + now - this.lastTick.at, referenceMs: this.watched.referenceMs + referenceDone - this.lastTick.referenceDone };
    }
    this.lastTick = { at: now, referenceDone };
  }

  onSpeed(msPerAnswer: number): void {
    this.deviceMsPerAnswer = msPerAnswer;
  }

  // -------------------------------------------------------------------------------------------
  // Worker events

  onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'stageState': {
        const prev = this.stages[event.stage];
        this.stages[event.stage] = { state: event.state, step: event.step, target: event.target, msPerStep: event.msPerStep, message: event.message };
        if (event.message) this.options.onError(`${STAGE_TITLES[event.stage]}: ${event.message}`);
        if (event.state !== 'training' && prev.state === 'training') this.scheduleSave();
        this.tick();
        return;
      }
      case 'program':
        this.program = event;
        this.tick();
        return;
      case 'rewardModel':
        this.rmReport = event.report;
        this.scheduleSave();
        return;
      case 'simulatedRankings':
        // A run's rankings phase (no requestId): kept like every ranking, the moment it is made.
        if (event.requestId === undefined) void this.keepRankings(event.rankings);
        return;
      case 'metrics': {
        const list = [...this.metrics[event.stage], ...event.points];
        this.metrics = { ...this.metrics, [event.stage]: list.length > MAX_POINTS ? list.slice(-MAX_POINTS) : list };
        return;
      }
      case 'ppoSamples':
        this.ppoSamples = event;
        return;
      default:
        return;
    }
  }

  /** Saves new rankings and adds them to the list; returns those that were new. */
  private async keepRankings(rankings: readonly Ranking[]): Promise<Ranking[]> {
    const merged = mergeRankings(this.rankings, rankings);
    const added = merged.rankings.slice(this.rankings.length);
    try {
      await this.options.store.putRankings(added);
    } catch (err) {
      this.options.onError(`Rankings could not be saved: ${messageOf(err)}. They are kept in this tab; export them to be safe.`);
    }
    this.rankings = merged.rankings;
    return added;
  }

  // -------------------------------------------------------------------------------------------
  // Stage controls

  setFieldProblem(key: SettingKey, problem: string | null): void {
    const next = { ...this.fieldProblems };
    if (problem) next[key] = problem;
    else delete next[key];
    this.fieldProblems = next;
  }

  /** Every setting back to the preset's (the URL's settings included). */
  resetSettings(): void {
    this.settings = structuredClone(this.options.preset.settings);
    this.fieldProblems = {};
  }

  /** Why a run cannot start now (an impossible setting, named), or null. */
  settingsBlock(): string | null {
    const problems = Object.values(this.settingProblems);
    return problems.length > 0 ? `Fix the settings first: ${problems.join('; ')}.` : null;
  }

  private command(stage: StageName | 'all', mode: 'run' | 'step'): void {
    const client = this.client();
    if (stage === 'base') {
      const problems = pretrainProblems(this.pretrain);
      if (problems.length > 0) throw new Error(`Fix the settings first: ${problems.join('; ')}.`);
      client.train({ type: 'train', stage, mode, settings: $state.snapshot(this.pretrain) as PretrainSettings, seed: this.nextSeed() });
      return;
    }
    const block = this.settingsBlock();
    if (block) throw new Error(block);
    client.train({
      type: 'train',
      stage: stage as ProgramStage,
      mode,
      settings: $state.snapshot(this.settings) as PipelineSettings,
      humanRankings: $state.snapshot(this.rankings.filter((r) => r.source === 'human')) as Ranking[],
    });
  }

  start(stage: StageName | 'all'): void {
    this.guard(() => this.command(stage, 'run'));
  }

  step(stage: StageName): void {
    this.guard(() => this.command(stage, 'step'));
  }

  pause(): void {
    this.guard(() => this.client().pause());
  }

  async reset(stage: StageName): Promise<void> {
    try {
      await this.client().reset(stage);
      // A program stage's reset ends the run: every chart after the base starts again.
      this.metrics = stage === 'base' ? { ...this.metrics, base: [] } : { ...this.metrics, sft: [], reward: [], ppo: [] };
      if (stage !== 'base') {
        this.ppoSamples = null;
        this.rmReport = null;
      }
      this.scheduleSave();
    } catch (err) {
      this.options.onError(`Could not reset: ${messageOf(err)}`);
    }
  }

  /** Next round: on a finished run, one more round; then the round's rankings and reward model, then PPO. */
  async nextRound(): Promise<void> {
    try {
      if (this.position?.phase === 'done') {
        const { round } = await this.client().nextRound();
        // The run has one more round now (round is 0-based): the settings and the address say so.
        this.settings.rounds = round + 1;
      }
      this.start('all');
    } catch (err) {
      this.options.onError(`Could not start the next round: ${messageOf(err)}`);
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.onError(messageOf(err));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Ranking

  async newRankingTask(): Promise<void> {
    if (this.rankBusy) return;
    const item = this.trainItems[this.promptCursor++ % this.trainItems.length];
    this.rankBusy = true;
    try {
      const out = await this.client().rank({ prompt: item.prompt, settings: $state.snapshot(this.settings) as PipelineSettings, seed: this.nextSeed() });
      // Shuffled so position says nothing about which sample came first.
      const responses = [...out.responses];
      for (let i = responses.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [responses[i], responses[j]] = [responses[j], responses[i]];
      }
      this.task = { prompt: item.prompt, responses, model: out.model };
    } catch (err) {
      this.options.onError(`Could not sample answers to rank: ${messageOf(err)}`);
    } finally {
      this.rankBusy = false;
    }
  }

  /** Saves a person's ranking at once; the next prompt follows. */
  async submitRanking(result: { order: number[][]; flagged: number[] }): Promise<void> {
    const task = this.task;
    if (!task) return;
    const ranking: Ranking = {
      id: newRankingId(),
      prompt: task.prompt,
      responses: [...task.responses],
      order: result.order.map((t) => [...t]),
      ...(result.flagged.length > 0 ? { flagged: [...result.flagged] } : {}),
      source: 'human',
      round: this.program?.rankingRound ?? 0,
      model: task.model,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.options.store.putRankings([ranking]);
    } catch (err) {
      this.options.onError(`The ranking could not be saved: ${messageOf(err)}. It is kept in this tab; export it to be safe.`);
    }
    this.rankings = [...this.rankings, ranking];
    this.shareWithRun([ranking]);
    this.task = null;
    this.options.onNotice(`Ranking saved: ${comparisonCount(ranking)} comparisons.`);
    await this.newRankingTask();
  }

  /** A run in progress takes a person's new rankings at once (a later start sends them all anyway). */
  private shareWithRun(rankings: readonly Ranking[]): void {
    const human = rankings.filter((r) => r.source === 'human');
    if (human.length > 0) this.options.getClient()?.addRankings($state.snapshot(human) as Ranking[]);
  }

  async skipRanking(): Promise<void> {
    this.task = null;
    await this.newRankingTask();
  }

  /** The simulated labeler ranks the round's next N prompts (they count toward the round). */
  async autoRank(): Promise<void> {
    if (this.autoBusy) return;
    const n = this.autoRankN;
    if (!Number.isInteger(n) || n < 1 || n > 200) {
      this.options.onError(`Auto-rank: the number of prompts must be an integer from 1 to 200 (got ${String(n)}).`);
      return;
    }
    const block = this.settingsBlock();
    if (block) {
      this.options.onError(block);
      return;
    }
    this.autoBusy = true;
    try {
      const out = await this.client().autoRank({ n, settings: $state.snapshot(this.settings) as PipelineSettings });
      const added = await this.keepRankings(out.rankings);
      this.options.onNotice(`The simulated labeler ranked ${added.length} prompts.`);
    } catch (err) {
      this.options.onError(`Auto-rank failed: ${messageOf(err)}`);
    } finally {
      this.autoBusy = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Export / import

  exportRankings(format: 'rankings' | 'pairwise'): { text: string; fileName: string } {
    const date = new Date().toISOString().slice(0, 10);
    const text = format === 'rankings' ? toJsonl(this.rankings) : toPairwiseJsonl(this.rankings);
    return { text, fileName: `rlhf-playground-${format}-${date}.jsonl` };
  }

  /** All or nothing: a file with any bad line is refused with the line and problem, nothing saved. */
  async importRankings(file: File): Promise<void> {
    if (this.ioBusy) return;
    this.ioBusy = true;
    try {
      const text = await file.text();
      const parsed = parseRankingsJsonl(text);
      const merged = mergeRankings(this.rankings, parsed.rankings);
      const added = merged.rankings.slice(this.rankings.length);
      await this.options.store.putRankings(added);
      this.rankings = merged.rankings;
      this.shareWithRun(added);
      const skipped = merged.skipped > 0 ? `; ${merged.skipped} already here` : '';
      const n = parsed.warnings.length;
      const warn = n > 0 ? ` (${n} ${n === 1 ? 'warning' : 'warnings'}: ${parsed.warnings.slice(0, 2).join('; ')})` : '';
      const done = `Imported ${added.length} rankings from ${file.name}${skipped}.${warn}`;
      this.importMessage = { kind: 'notice', text: done };
      this.options.onNotice(done);
    } catch (err) {
      const why = err instanceof ImportError ? err.message : messageOf(err);
      const refused = `Import refused: ${file.name}, ${why}. Nothing was imported.`;
      this.importMessage = { kind: 'error', text: refused };
      this.options.onError(refused);
    } finally {
      this.ioBusy = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Samples side by side

  /** The models side by side: base, SFT and the PPO policy, and PPO-ptx once the run trains one. */
  get comparedModels(): AnsweringModel[] {
    return ['base', 'sft', 'policy', ...(this.program?.ptxPolicy ? (['policy-ptx'] as const) : [])];
  }

  async compareSamples(models: AnsweringModel[] = this.comparedModels): Promise<void> {
    if (this.samplesBusy || this.selectedPrompts.length === 0) return;
    this.samplesBusy = true;
    try {
      this.samples = await this.client().sample({
        prompts: [...this.selectedPrompts],
        models,
        temperature: 0.7,
        maxNewTokens: this.options.preset.sampleTokens,
        seed: this.nextSeed(),
        bestOfN: SAMPLES_BEST_OF_N,
      });
    } catch (err) {
      this.options.onError(`Sampling failed: ${messageOf(err)}`);
    } finally {
      this.samplesBusy = false;
    }
  }
}
