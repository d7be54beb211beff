// The pipeline's page-side state, as Svelte 5 runes: stage states and settings, metric history,
// rankings (persisted the moment they are made), the ranking task, samples and resume. It sends
// commands through the session's worker client and reacts to the worker's events; it never
// touches tf. One instance per session (PlaygroundSession.pipeline).
import type { WorkerClient } from './worker-client';
import type { Preset } from './presets';
import { clampK } from './presets';
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
import {
  STAGES,
  type EvaluationEvent,
  type MetricPoint,
  type ModelKey,
  type PpoSamplesEvent,
  type SamplesEvent,
  type StageName,
  type StageState,
  type StageSettingsMap,
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
  /** Seed for prompts and sampling (URL `?seed=`); default time-based. */
  seed?: number;
}

/** Most metric points kept (and saved) per stage. */
const MAX_POINTS = 2000;
const SAVED_POINTS = 500;

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

/** "Time left" from the mean step time, in words ("about 2 min"). */
export function timeLeft(status: StageStatus): string | null {
  if (status.state !== 'training' || !status.msPerStep || status.target <= status.step) return null;
  const s = ((status.target - status.step) * status.msPerStep) / 1000;
  if (s < 1) return 'under a second left';
  if (s < 90) return `about ${Math.round(s)} s left`;
  return `about ${Math.round(s / 60)} min left`;
}

function freshStages(): Record<StageName, StageStatus> {
  return { base: { state: 'not-started', step: 0, target: 0 }, sft: { state: 'not-started', step: 0, target: 0 }, reward: { state: 'not-started', step: 0, target: 0 }, ppo: { state: 'not-started', step: 0, target: 0 } };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PipelineController {
  stages = $state<Record<StageName, StageStatus>>(freshStages());
  settings = $state<StageSettingsMap>() as StageSettingsMap;
  metrics = $state.raw<Record<StageName, MetricPoint[]>>({ base: [], sft: [], reward: [], ppo: [] });
  ppoSamples = $state.raw<PpoSamplesEvent | null>(null);
  round = $state(0);

  rankings = $state.raw<Ranking[]>([]);
  readonly counts = $derived(countRankings(this.rankings));
  rankingsLoaded = $state(false);
  k = $state(4);
  task = $state.raw<RankingTask | null>(null);
  rankBusy = $state(false);
  autoRankN = $state(8);
  autoBusy = $state(false);
  ioBusy = $state(false);

  rmEval = $state.raw<EvaluationEvent | null>(null);
  evalBusy = $state(false);

  /** Held-out prompts offered for the side-by-side samples. */
  readonly sampleOptions: PromptItem[];
  selectedPrompts = $state<string[]>([]);
  samples = $state.raw<SamplesEvent | null>(null);
  samplesBusy = $state(false);

  /** A saved session found at start-up, offered for resuming. */
  resumeOffer = $state.raw<{ session: SavedSession | null; checkpoints: string[] } | null>(null);
  resumeBusy = $state(false);

  readonly running = $derived(STAGES.find((s) => this.stages[s].state === 'training') ?? null);

  private readonly trainItems: PromptItem[];
  private promptCursor = 0;
  private seedCounter = 0;
  /** After "Next round" retrains the reward model, PPO continues. */
  private continuePpoAfterReward = false;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: PipelineOptions) {
    this.settings = structuredClone(options.preset.settings);
    this.k = options.preset.rankK;
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

  private get baseSeed(): number {
    return (this.options.seed ?? Date.now()) >>> 0;
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

  /** Called when the worker is ready: offers to resume a saved session. */
  async onReady(): Promise<void> {
    try {
      const [session, names] = await Promise.all([this.options.store.loadSession(), this.options.store.checkpointNames()]);
      const checkpoints = names.filter((n) => ['base', 'sft', 'rm', 'policy'].includes(n));
      const worked = session && STAGES.some((s) => session.stages[s].step > 0);
      if (checkpoints.length > 0 || worked) this.resumeOffer = { session, checkpoints };
    } catch {
      // No IndexedDB (private mode, tests): nothing to resume.
    }
  }

  async resume(): Promise<void> {
    const offer = this.resumeOffer;
    if (!offer || this.resumeBusy) return;
    this.resumeBusy = true;
    try {
      const byName: Record<string, StageName> = { base: 'base', sft: 'sft', rm: 'reward', policy: 'ppo' };
      const stages = offer.checkpoints.map((n) => byName[n]).filter((s): s is StageName => s !== undefined);
      const restored = await this.client().restore(stages);
      const saved = offer.session;
      if (saved) {
        this.round = saved.round;
        if (saved.settings) this.settings = { ...structuredClone(this.options.preset.settings), ...saved.settings };
        if (saved.metrics) this.metrics = { base: [], sft: [], reward: [], ppo: [], ...saved.metrics };
      }
      const names = restored.stages.map((s) => `${s.stage} (step ${s.step})`);
      this.options.onNotice(names.length > 0 ? `Resumed: ${names.join(', ')}.` : 'Nothing could be restored; starting fresh.');
      this.resumeOffer = null;
      this.scheduleSave();
      if (restored.stages.some((s) => s.stage === 'reward')) void this.evaluateRm();
    } catch (err) {
      this.options.onError(`Could not resume: ${messageOf(err)}`);
    } finally {
      this.resumeBusy = false;
    }
  }

  /** Starts over: forgets saved stage checkpoints. Rankings are kept (they are the user's work). */
  async startFresh(): Promise<void> {
    this.resumeOffer = null;
    for (const stage of ['ppo', 'reward', 'sft', 'base'] as const) {
      try {
        await this.client().reset(stage);
      } catch {
        // best effort
      }
    }
    this.stages = freshStages();
    this.metrics = { base: [], sft: [], reward: [], ppo: [] };
    this.round = 0;
    this.scheduleSave();
  }

  /**
   * The worker died (lost GPU device, crash): whatever was training stops there. The models are
   * gone with the worker; the stage checkpoints in IndexedDB are what a restart can resume.
   */
  onWorkerLost(message: string): void {
    for (const s of STAGES) {
      if (this.stages[s].state === 'training') this.stages[s] = { ...this.stages[s], state: 'paused', message };
    }
    this.continuePpoAfterReward = false;
    this.rankBusy = this.autoBusy = this.evalBusy = this.samplesBusy = false;
  }

  /** A new worker starts with fresh models: forget the stage states (resume is offered again). */
  onWorkerRestart(): void {
    if (STAGES.some((s) => this.stages[s].step > 0)) {
      this.stages = freshStages();
      this.task = null;
      this.ppoSamples = null;
      this.rmEval = null;
    }
  }

  private snapshot(): SavedSession {
    const stages = {} as SavedSession['stages'];
    for (const s of STAGES) stages[s] = { state: this.stages[s].state === 'training' ? 'paused' : this.stages[s].state, step: this.stages[s].step, target: this.stages[s].target };
    const metrics: Partial<Record<StageName, MetricPoint[]>> = {};
    for (const s of STAGES) metrics[s] = this.metrics[s].slice(-SAVED_POINTS);
    return { version: 1, round: this.round, stages, settings: $state.snapshot(this.settings) as StageSettingsMap, metrics, savedAt: new Date().toISOString() };
  }

  /** Saves the session record soon (coalesced). */
  scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.options.store.saveSession(this.snapshot()).catch(() => undefined);
    }, 500);
  }

  // -------------------------------------------------------------------------------------------
  // Worker events

  onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'stageState': {
        const prev = this.stages[event.stage];
        this.stages[event.stage] = { state: event.state, step: event.step, target: event.target, msPerStep: event.msPerStep, message: event.message };
        if (event.message) this.options.onError(`${event.stage === 'reward' ? 'Reward model' : event.stage.toUpperCase()}: ${event.message}`);
        if (event.state !== 'training' && prev.state === 'training') {
          this.scheduleSave();
          if (event.stage === 'reward' && event.step > 0) void this.evaluateRm();
          if (event.stage === 'reward' && event.state === 'done' && this.continuePpoAfterReward) {
            this.continuePpoAfterReward = false;
            this.start('ppo');
          }
        }
        if (event.stage === 'reward' && event.state !== 'done' && event.state !== 'training') this.continuePpoAfterReward = false;
        return;
      }
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

  // -------------------------------------------------------------------------------------------
  // Stage controls

  private rankingsForReward(): Ranking[] {
    const src = this.settings.reward.sources;
    return this.rankings.filter((r) => src === 'both' || r.source === src);
  }

  private command(stage: StageName, mode: 'run' | 'step'): void {
    const base = { mode, shapes: this.options.preset.shapes, seed: this.nextSeed() } as const;
    const settings = $state.snapshot(this.settings) as StageSettingsMap;
    const client = this.client();
    switch (stage) {
      case 'base':
        client.train({ type: 'train', stage, settings: settings.base, ...base });
        return;
      case 'sft':
        client.train({ type: 'train', stage, settings: settings.sft, ...base });
        return;
      case 'reward':
        client.train({ type: 'train', stage, settings: settings.reward, rankings: $state.snapshot(this.rankingsForReward()) as Ranking[], ...base });
        return;
      case 'ppo':
        client.train({ type: 'train', stage, settings: settings.ppo, round: this.round, ...base });
        return;
    }
  }

  start(stage: StageName): void {
    this.guard(() => {
      this.stages[stage] = { ...this.stages[stage], state: 'training', message: undefined };
      this.command(stage, 'run');
    });
  }

  step(stage: StageName): void {
    this.guard(() => {
      this.stages[stage] = { ...this.stages[stage], state: 'training', message: undefined };
      this.command(stage, 'step');
    });
  }

  pause(): void {
    this.guard(() => this.client().pause());
  }

  async reset(stage: StageName): Promise<void> {
    try {
      await this.client().reset(stage);
      this.metrics = { ...this.metrics, [stage]: [] };
      if (stage === 'ppo') this.ppoSamples = null;
      if (stage === 'reward') this.rmEval = null;
      this.scheduleSave();
    } catch (err) {
      this.options.onError(`Could not reset: ${messageOf(err)}`);
    }
  }

  /** Next round: retrain the reward model on everything ranked so far, then continue PPO. */
  async nextRound(): Promise<void> {
    this.round += 1;
    await this.reset('reward');
    this.continuePpoAfterReward = true;
    this.start('reward');
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
      const preset = this.options.preset;
      const k = clampK(this.k);
      const out = await this.client().rank({ prompt: item.prompt, k, temperature: preset.rankTemperature, maxNewTokens: preset.rankMaxTokens, seed: this.nextSeed() });
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
      round: this.round,
      model: task.model,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.options.store.putRankings([ranking]);
    } catch (err) {
      this.options.onError(`The ranking could not be saved: ${messageOf(err)}. It is kept in this tab; export it to be safe.`);
    }
    this.rankings = [...this.rankings, ranking];
    this.task = null;
    this.options.onNotice(`Ranking saved: ${comparisonCount(ranking)} comparisons.`);
    await this.newRankingTask();
  }

  async skipRanking(): Promise<void> {
    this.task = null;
    await this.newRankingTask();
  }

  async autoRank(): Promise<void> {
    if (this.autoBusy) return;
    this.autoBusy = true;
    try {
      const preset = this.options.preset;
      const n = Math.max(1, Math.min(200, Math.round(this.autoRankN)));
      const out = await this.client().autoRank({
        n,
        k: clampK(this.k),
        temperature: preset.rankTemperature,
        maxNewTokens: preset.rankMaxTokens,
        seed: this.nextSeed(),
        round: this.round,
      });
      const merged = mergeRankings(this.rankings, out.rankings);
      const added = merged.rankings.slice(this.rankings.length);
      await this.options.store.putRankings(added);
      this.rankings = merged.rankings;
      this.options.onNotice(`The simulated labeler ranked ${added.length} prompts.`);
    } catch (err) {
      this.options.onError(`Auto-rank failed: ${messageOf(err)}`);
    } finally {
      this.autoBusy = false;
    }
  }

  async evaluateRm(): Promise<void> {
    if (this.evalBusy) return;
    this.evalBusy = true;
    try {
      this.rmEval = await this.client().evaluate({ rankings: $state.snapshot(this.rankingsForReward()) as Ranking[] });
    } catch (err) {
      this.options.onError(`Reward model evaluation failed: ${messageOf(err)}`);
    } finally {
      this.evalBusy = false;
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
      const skipped = merged.skipped > 0 ? `; ${merged.skipped} already here` : '';
      const warn = parsed.warnings.length > 0 ? ` (${parsed.warnings.length} warnings: ${parsed.warnings.slice(0, 2).join('; ')})` : '';
      this.options.onNotice(`Imported ${added.length} rankings from ${file.name}${skipped}.${warn}`);
    } catch (err) {
      const why = err instanceof ImportError ? err.message : messageOf(err);
      this.options.onError(`Import refused: ${file.name}, ${why}. Nothing was imported.`);
    } finally {
      this.ioBusy = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Samples side by side

  async compareSamples(models: ModelKey[] = ['base', 'sft', 'policy']): Promise<void> {
    if (this.samplesBusy || this.selectedPrompts.length === 0) return;
    this.samplesBusy = true;
    try {
      this.samples = await this.client().sample({
        prompts: [...this.selectedPrompts],
        models,
        temperature: 0.7,
        maxNewTokens: this.options.preset.sampleTokens,
        seed: this.nextSeed(),
      });
    } catch (err) {
      this.options.onError(`Sampling failed: ${messageOf(err)}`);
    } finally {
      this.samplesBusy = false;
    }
  }
}
