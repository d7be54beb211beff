// The page's state for the model and the worker, as Svelte 5 runes. Components read these fields
// and call these methods; they never talk to the worker themselves. One instance per page
// (created in App.svelte); tests create their own with a fake client.
import { WorkerClient, WorkerRequestError } from './worker-client';
import type { AnsweringModel, BackendFallback, BackendName, ModelName, ModelOrigin, ModelSummary, WorkerEvent } from '../worker/protocol';
import { PipelineController } from './pipeline.svelte';
import { DEFAULT_PRESET, type Preset } from './presets';
import { createMemoryStore, type PlaygroundStore } from './persistence';
import { GENERATION_LIMITS, clampGeneration } from '../worker/protocol';

/** Asked before a loaded checkpoint ends a run in progress. */
export const REPLACE_RUN_BY_UPLOAD = 'A loaded checkpoint becomes the base model and ends the run on the current one. Your rankings are kept. Go on?';

export type SessionStatus = 'starting' | 'ready' | 'failed';

export interface Generation {
  /** The model asked for. */
  model: AnsweringModel;
  /** The model that answered: the one asked for, or before it exists the one it starts from. */
  answeredBy: AnsweringModel;
  prompt: string;
  text: string;
  endedWithEos: boolean;
  unknownChars: string[];
  ms: number;
  temperature: number;
  seed: number;
}

export interface SessionOptions {
  /** Makes the worker client; tests pass one around a fake worker. */
  createClient?: () => WorkerClient;
  /** URL of the shipped base checkpoint (absent file = untrained model). */
  baseCheckpointUrl?: string;
  preferredBackends?: BackendName[];
  /** Makes sampling repeatable: the n-th generation uses seed + n. Default: a time-based seed. */
  seed?: number;
  /** Settings preset (default or tiny). */
  preset?: Preset;
  /** Where rankings and the session record live; default an in-memory store (tests). */
  store?: PlaygroundStore;
}

function messageOf(err: unknown): string {
  if (err instanceof WorkerRequestError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export class PlaygroundSession {
  status = $state<SessionStatus>('starting');
  /** What the worker is doing while starting ("selecting a backend", ...). */
  phase = $state('starting the worker');
  backend = $state<string | null>(null);
  fallbacks = $state<BackendFallback[]>([]);
  model = $state<ModelSummary | null>(null);
  trained = $state(false);
  origin = $state<ModelOrigin | null>(null);

  temperature = $state<number>(GENERATION_LIMITS.temperature.default);
  maxNewTokens = $state<number>(GENERATION_LIMITS.maxNewTokens.default);
  generating = $state(false);
  /** wasm's thread count (null on other backends). */
  threads = $state<number | null>(null);
  /** Which model the prompt box asks. */
  generateModel = $state<AnsweringModel>('base');
  lastGeneration = $state<Generation | null>(null);
  /** The last checkpoint upload's outcome, shown next to the upload control. */
  checkpointMessage = $state<{ kind: 'error' | 'notice'; text: string } | null>(null);
  /** The answer being written, word by word, while a generation runs (null otherwise). */
  partialGeneration = $state<{ prompt: string; text: string } | null>(null);

  checkpointBusy = $state(false);
  /** Shown in the alert region (role=alert): something failed. */
  error = $state<string | null>(null);
  /** Shown in a polite status region: something worth knowing happened. */
  notice = $state<string | null>(null);

  readonly ready = $derived(this.status === 'ready');

  private client: WorkerClient | null = null;
  private unsubscribe: (() => void) | null = null;
  private seedCounter = 0;
  /** SFT, reward model, PPO, rankings and resume (page side). */
  readonly pipeline: PipelineController;

  constructor(private readonly options: SessionOptions = {}) {
    const preset = options.preset ?? DEFAULT_PRESET;
    this.pipeline = new PipelineController({
      getClient: () => this.client,
      store: options.store ?? createMemoryStore(),
      preset,
      onError: (message) => (this.error = message),
      onNotice: (message) => (this.notice = message),
    });
  }

  /** Starts the worker and asks it to initialise; resolves nothing, state updates as events arrive. */
  start(): void {
    this.stop();
    this.pipeline.onWorkerRestart();
    this.status = 'starting';
    this.phase = 'starting the worker';
    this.error = null;
    try {
      this.client = (this.options.createClient ?? (() => new WorkerClient()))();
    } catch (err) {
      this.fail(`The training worker could not be started: ${messageOf(err)}`);
      return;
    }
    this.unsubscribe = this.client.subscribe((event) => this.onEvent(event));
    const preset = this.options.preset;
    this.client.init({
      preferredBackends: this.options.preferredBackends,
      baseCheckpointUrl: preset && !preset.useShippedBase ? undefined : this.options.baseCheckpointUrl,
      ...(preset?.freshModel ? { freshModel: preset.freshModel } : {}),
    });
    if (!this.pipeline.rankingsLoaded) void this.pipeline.loadRankings();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.client?.terminate();
    this.client = null;
  }

  async generate(prompt: string): Promise<void> {
    const client = this.client;
    if (!client || !this.ready || this.generating) return;
    if (prompt.trim() === '') {
      this.error = 'Type a prompt first.';
      return;
    }
    const { temperature, maxNewTokens } = clampGeneration(this.temperature, this.maxNewTokens);
    const seed = ((this.options.seed ?? Date.now()) + this.seedCounter++) >>> 0;
    this.generating = true;
    this.error = null;
    this.partialGeneration = { prompt, text: '' };
    try {
      const model = this.generateModel;
      const result = await client.generate({ prompt, temperature, maxNewTokens, seed, model });
      this.lastGeneration = {
        model,
        answeredBy: result.answeredBy,
        prompt,
        text: result.text,
        endedWithEos: result.endedWithEos,
        unknownChars: result.unknownChars,
        ms: result.ms,
        temperature,
        seed,
      };
    } catch (err) {
      this.error = `Generation failed: ${messageOf(err)}`;
    } finally {
      this.generating = false;
      this.partialGeneration = null;
    }
  }

  /**
   * Reads the file and asks the worker to load it; a refusal leaves the model as it was. With a
   * run in progress, `confirm` is asked first (the run ends on the new base).
   */
  async uploadCheckpoint(file: File, confirm: (question: string) => boolean = () => true): Promise<void> {
    const client = this.client;
    if (!client || !this.ready || this.checkpointBusy) return;
    if (this.pipeline.position && !confirm(REPLACE_RUN_BY_UPLOAD)) return;
    this.checkpointBusy = true;
    this.error = null;
    this.notice = null;
    this.checkpointMessage = null;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const loaded = await client.loadCheckpoint(bytes, file.name);
      this.model = loaded.config;
      this.trained = loaded.trained;
      this.origin = loaded.origin;
      this.lastGeneration = null;
      this.pipeline.onNewBase();
      const stage = loaded.origin.kind === 'uploaded' ? loaded.origin.stage : undefined;
      const from = stage && !['pretrain', 'init', 'base'].includes(stage) ? ` (saved from the ${stage} stage)` : '';
      this.notice = `Loaded ${file.name}${from} as the base model: the run starts again from it.`;
      this.checkpointMessage = { kind: 'notice', text: this.notice };
    } catch (err) {
      this.error = `Could not load ${file.name}. ${messageOf(err)} The model was not changed.`;
      this.checkpointMessage = { kind: 'error', text: this.error };
    } finally {
      this.checkpointBusy = false;
    }
  }

  /** Asks the worker for the current weights; the caller saves the bytes (see download.ts). */
  async exportCheckpoint(model?: ModelName): Promise<{ bytes: Uint8Array; fileName: string } | null> {
    const client = this.client;
    if (!client || !this.ready || this.checkpointBusy) return null;
    this.checkpointBusy = true;
    this.error = null;
    try {
      const { bytes, fileName } = await client.exportCheckpoint(model);
      return { bytes, fileName };
    } catch (err) {
      this.error = `Could not save a checkpoint: ${messageOf(err)}`;
      return null;
    } finally {
      this.checkpointBusy = false;
    }
  }

  dismissError(): void {
    this.error = null;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  private fail(message: string): void {
    this.pipeline.onWorkerLost(message);
    this.status = 'failed';
    this.error = message;
    this.generating = false;
    this.checkpointBusy = false;
  }

  private onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
        this.status = 'ready';
        this.backend = event.backend;
        this.fallbacks = event.fallbacks;
        this.threads = event.threads ?? null;
        this.model = event.config;
        this.trained = event.trained;
        this.origin = event.origin;
        if (event.notice) this.notice = event.notice;
        void this.pipeline.onReady();
        return;
      case 'baseChanged':
        this.model = event.config;
        this.trained = event.trained;
        this.origin = event.origin;
        this.lastGeneration = null;
        return;
      case 'progress':
        if (this.status === 'starting') this.phase = event.phase;
        return;
      case 'speed':
        this.pipeline.onSpeed(event.msPerAnswer);
        return;
      case 'generating':
        if (this.generating && this.partialGeneration) this.partialGeneration = { ...this.partialGeneration, text: event.text };
        return;
      case 'error':
        // Errors that answer a request are shown by the method that made it.
        if (event.fatal) this.fail(event.message);
        else if (event.requestId === undefined) this.error = event.message;
        return;
      case 'stageState':
      case 'metrics':
      case 'ppoSamples':
      case 'program':
      case 'rewardModel':
      case 'simulatedRankings':
        this.pipeline.onEvent(event);
        return;
      case 'generated':
      case 'checkpoint':
      case 'checkpointLoaded':
      case 'samples':
      case 'rankSamples':
      case 'resetDone':
      case 'nextRound':
      case 'restored':
        return; // handled through the request promises
      default: {
        const unhandled: never = event;
        void unhandled;
      }
    }
  }
}
