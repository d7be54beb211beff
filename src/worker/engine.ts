// What the worker does, without the messaging: backend selection, the model's lifetime, sampling
// and checkpoints. Kept apart from training.worker.ts so the message loop stays a thin switch and
// the later stages (SFT, reward model, PPO) slot in here as more methods.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../lib/backend';
import { CheckpointError, applyCheckpoint, configDifference, parseCheckpoint, serializeCheckpoint } from '../lib/io/checkpoint';
import type { ParsedCheckpoint } from '../lib/io/checkpoint';
import { DEFAULT_CONFIG, GPT, flopsPerToken, generate, paramCount, validateConfig } from '../lib/model';
import type { GPTConfig } from '../lib/model';
import { loadCheckpoint, saveCheckpoint } from '../lib/io/store-idb';
import { PAD, VOCAB_SIZE, decode, unknownChars } from '../lib/tokenizer';
import { encodePrompt } from '../lib/world/format';
import { measureSamplingSpeed } from '../lib/eval/speed';
import { Pipeline } from './pipeline';
import { installWebGpuAddNFix } from './webgpu-fixes';
import {
  BACKEND_NAMES,
  clampGeneration,
  type CheckpointEvent,
  type CheckpointLoadedEvent,
  type ExportCheckpointCommand,
  type GenerateCommand,
  type GeneratedEvent,
  type SpeedEvent,
  type InitCommand,
  type LoadCheckpointCommand,
  type ModelOrigin,
  type ModelSummary,
  type ReadyEvent,
  type WorkerEvent,
} from './protocol';

/** An error whose message is already written for the user. */
export class UserFacingError extends Error {}

export function errorMessage(err: unknown): string {
  if (err instanceof CheckpointError) return `Checkpoint refused: ${err.message}.`;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export interface EngineHooks {
  /** Sends an event to the page (training progress, metrics). */
  post(event: WorkerEvent): void;
  progress(phase: string, fraction?: number): void;
  /** The worker can no longer compute (e.g. the GPU device was lost). */
  fatal(message: string): void;
  /** Something went wrong outside any command (e.g. an uncaptured WebGPU error). */
  warn(message: string): void;
}

const DEFAULT_SEED = 1234;

export function summarize(config: GPTConfig): ModelSummary {
  return {
    layers: config.nLayer,
    heads: config.nHead,
    width: config.dModel,
    context: config.contextLength,
    vocab: config.vocabSize,
    params: paramCount(config),
    flopsPerToken: flopsPerToken(config),
  };
}

function stageOf(parsed: ParsedCheckpoint): string {
  return parsed.meta.stage;
}

/** A checkpoint counts as trained unless it says it is a fresh initialisation. */
function isTrainedStage(stage: string | undefined): boolean {
  return stage !== undefined && stage !== 'init';
}

export class Engine {
  private model: GPT | null = null;
  private origin: ModelOrigin = { kind: 'fresh', seed: DEFAULT_SEED };
  private stage = 'init';
  private backendName = '';
  private shippedUrl: string | null = null;
  /** Set once the GPU device is gone; every later command fails fast. */
  lost = false;
  /** SFT, reward model and PPO: their models, trainers and training loop. */
  readonly pipeline: Pipeline;

  constructor(private readonly hooks: EngineHooks) {
    this.pipeline = new Pipeline({
      post: (event) => hooks.post(event),
      getBase: () => this.requireModel(),
      setBase: (model, source) => {
        this.model = model;
        // The shipped one's origin and stage were set as it loaded (reloadShippedBase).
        if (source === 'pretrain') {
          this.stage = 'pretrain';
          this.origin = { kind: 'pretrained' };
        }
        const summary = summarize(model.config);
        hooks.post({ type: 'baseChanged', config: summary, params: summary.params, trained: isTrainedStage(this.stage), origin: this.origin });
      },
      reloadShippedBase: () => this.reloadShippedBase(),
      lost: () => this.lost,
      errorMessage,
    });
  }

  /** The shipped base checkpoint as a new model (Reset on the base card), or null when none shipped. */
  private async reloadShippedBase(): Promise<GPT | null> {
    if (!this.shippedUrl) return null;
    const parsed = await fetchCheckpoint(this.shippedUrl);
    if (!parsed) return null;
    const model = await this.modelFromCheckpoint(parsed);
    this.origin = { kind: 'shipped', url: this.shippedUrl, stage: stageOf(parsed) };
    this.stage = stageOf(parsed);
    return model;
  }

  async init(command: InitCommand): Promise<ReadyEvent> {
    if (this.model) throw new UserFacingError('The worker is already initialised.');
    this.hooks.progress('selecting a backend');
    // The automatic order passes over a software GPU; one asked for by name is used as asked.
    const report = await selectBackend(command.preferredBackends ?? BACKEND_NAMES, { avoidSoftwareGpu: command.preferredBackends === undefined });
    this.backendName = report.name;
    if (report.name === 'webgpu') {
      installWebGpuAddNFix();
      this.watchDevice();
    }

    const seed = command.seed ?? DEFAULT_SEED;
    let notice: string | undefined;
    let parsed: ParsedCheckpoint | null = null;
    if (command.baseCheckpointUrl) {
      this.hooks.progress('looking for the base checkpoint');
      try {
        parsed = await fetchCheckpoint(command.baseCheckpointUrl);
      } catch (err) {
        notice = `The shipped base checkpoint could not be loaded (${errorMessage(err)}); using an untrained model.`;
      }
    }

    this.hooks.progress('building the model');
    if (parsed) {
      try {
        this.model = await this.modelFromCheckpoint(parsed);
        this.origin = { kind: 'shipped', url: command.baseCheckpointUrl!, stage: stageOf(parsed) };
        this.shippedUrl = command.baseCheckpointUrl!;
        this.stage = stageOf(parsed);
      } catch (err) {
        notice = `The shipped base checkpoint could not be loaded (${errorMessage(err)}); using an untrained model.`;
      }
    }
    if (!this.model) {
      const config = command.freshModel ? { ...DEFAULT_CONFIG, ...command.freshModel } : DEFAULT_CONFIG;
      const problems = validateConfig(config);
      if (problems.length > 0) throw new UserFacingError(`The model shape is not usable: ${problems.join('; ')}.`);
      this.model = await GPT.create(config, seed);
      this.origin = { kind: 'fresh', seed };
      this.stage = 'init';
    }
    notice = (await this.restoreKeptBase()) ?? notice;
    const summary = summarize(this.model.config);
    return {
      type: 'ready',
      backend: report.name,
      fallbacks: report.fallbacks,
      ...(report.threads !== undefined ? { threads: report.threads } : {}),
      config: summary,
      params: summary.params,
      trained: isTrainedStage(this.stage),
      origin: this.origin,
      notice,
    };
  }

  /**
   * The base pretrained here or uploaded on an earlier visit, in place of the shipped one: a saved
   * run was trained from it, and resuming it on another base would mix two models. Returns a
   * notice when the kept one cannot be read (the shipped one is used then).
   */
  private async restoreKeptBase(): Promise<string | undefined> {
    let bytes: Uint8Array | null;
    try {
      bytes = await loadCheckpoint('base');
    } catch {
      return undefined; // no storage in this browser: nothing was kept
    }
    if (!bytes) return undefined;
    try {
      const parsed = parseCheckpoint(bytes);
      this.model = await this.modelFromCheckpoint(parsed, this.model);
      this.stage = stageOf(parsed);
      this.origin = { kind: 'kept', stage: this.stage };
      return undefined;
    } catch (err) {
      return `The base model kept in this browser could not be read (${errorMessage(err)}); the ${this.origin.kind === 'shipped' ? 'shipped' : 'fresh'} one is used.`;
    }
  }

  /** Times a few sampled answers on the base model (see measureSamplingSpeed). */
  async measureSpeed(): Promise<SpeedEvent> {
    this.requireModel();
    const msPerAnswer = await this.pipeline.withLock(() => measureSamplingSpeed(this.pipeline.modelFor('base')));
    return { type: 'speed', msPerAnswer };
  }

  async generate(command: GenerateCommand): Promise<GeneratedEvent> {
    this.requireModel();
    return this.pipeline.withLock(() => this.generateLocked(command));
  }

  private async generateLocked(command: GenerateCommand): Promise<GeneratedEvent> {
    const answeredBy = this.pipeline.answeringAs(command.model ?? 'base');
    const model = this.pipeline.modelFor(answeredBy);
    const { temperature, maxNewTokens } = clampGeneration(command.temperature, command.maxNewTokens);
    const promptIds = encodePrompt(command.prompt);
    const context = model.config.contextLength;
    const room = context - promptIds.length;
    if (room < 1) {
      throw new UserFacingError(
        `The prompt is too long: with the chat template it is ${promptIds.length} tokens and the model reads at most ${context}. Shorten it.`,
      );
    }
    const started = performance.now();
    const soFar: number[] = [];
    const result = await generate(model, [promptIds], {
      maxNewTokens: Math.min(maxNewTokens, room),
      temperature,
      seed: command.seed >>> 0,
      onToken: (_step, tokens) => {
        if (tokens[0] === PAD) return;
        soFar.push(tokens[0]);
        this.hooks.post({ type: 'generating', forRequest: command.requestId, text: decode(soFar) });
      },
    });
    const tokens = result.responses[0] ?? [];
    return {
      type: 'generated',
      requestId: command.requestId,
      text: decode(tokens),
      tokens,
      endedWithEos: result.endedWithEos[0] ?? false,
      unknownChars: unknownChars(command.prompt),
      ms: performance.now() - started,
      answeredBy,
    };
  }

  async loadCheckpoint(command: LoadCheckpointCommand): Promise<CheckpointLoadedEvent> {
    this.requireModel();
    if (this.pipeline.isRunning) throw new UserFacingError('Pause training before loading a checkpoint.');
    return this.pipeline.withLock(() => this.loadCheckpointLocked(command));
  }

  /**
   * Any uploaded checkpoint becomes the base model (one saved from a stage too: a run starts from
   * a base), and the run on the old base ends; a refused file changes nothing.
   */
  private async loadCheckpointLocked(command: LoadCheckpointCommand): Promise<CheckpointLoadedEvent> {
    const parsed = parseCheckpoint(command.bytes);
    this.model = await this.modelFromCheckpoint(parsed, this.model);
    this.pipeline.onBaseReplaced();
    // Kept, so that a reload (and a resumed run) goes on from it, as after pretraining here.
    await saveCheckpoint('base', command.bytes).catch((err: unknown) =>
      this.hooks.warn(`The loaded model could not be kept in this browser (${errorMessage(err)}); after a reload the page starts from the shipped one.`),
    );
    this.stage = stageOf(parsed);
    this.origin = { kind: 'uploaded', fileName: command.fileName, stage: this.stage };
    const summary = summarize(this.model.config);
    return {
      type: 'checkpointLoaded',
      requestId: command.requestId,
      config: summary,
      params: summary.params,
      trained: isTrainedStage(this.stage),
      origin: this.origin,
    };
  }

  async exportCheckpoint(command: ExportCheckpointCommand): Promise<CheckpointEvent> {
    this.requireModel();
    const key = command.model ?? 'base';
    return this.pipeline.withLock(async () => {
      const model = this.pipeline.checkpointModel(key);
      const stage = key === 'base' ? this.stage : key;
      const bytes = await serializeCheckpoint(model, { stage, backend: this.backendName });
      const date = new Date().toISOString().slice(0, 10);
      return { type: 'checkpoint' as const, requestId: command.requestId, bytes, fileName: `rlhf-playground-${stage}-${date}.ckpt` };
    });
  }

  requireModel(): GPT {
    if (this.lost) throw new UserFacingError('The GPU device was lost; reload the page to start again.');
    if (!this.model) throw new UserFacingError('The model is not ready yet.');
    return this.model;
  }

  /**
   * A model holding the checkpoint's weights. When `current` has the same config the weights are
   * loaded into it (all-or-nothing); otherwise a new model of the checkpoint's config is built and
   * `current` is disposed only once the new one loaded. Either way a refusal changes nothing.
   */
  private async modelFromCheckpoint(parsed: ParsedCheckpoint, current: GPT | null = null): Promise<GPT> {
    if (parsed.config.vocabSize !== VOCAB_SIZE) {
      throw new CheckpointError(`it was made for a vocabulary of ${parsed.config.vocabSize} tokens, this app uses ${VOCAB_SIZE}`);
    }
    if (current && configDifference(parsed.config, current.config) === null) {
      applyCheckpoint(current, parsed);
      return current;
    }
    const config = { ...DEFAULT_CONFIG, ...parsed.config } as GPTConfig;
    const problems = validateConfig(config);
    if (problems.length > 0) throw new CheckpointError(`its model config is not usable (${problems.join('; ')})`);
    const fresh = await GPT.create(config, DEFAULT_SEED);
    try {
      applyCheckpoint(fresh, parsed);
    } catch (err) {
      fresh.dispose();
      throw err;
    }
    current?.dispose();
    return fresh;
  }

  /** Reports a lost WebGPU device (driver reset, tab in background too long, out of memory). */
  private watchDevice(): void {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    if (!device) return;
    void device.lost.then((info) => {
      if (info.reason === 'destroyed') return; // we asked for it
      this.lost = true;
      const detail = info.message ? `: ${info.message}` : '';
      this.hooks.fatal(`The GPU device was lost${detail}. Reload the page to start again.`);
    });
    device.addEventListener('uncapturederror', (event: Event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      const kind = error instanceof GPUOutOfMemoryError ? 'out-of-memory error' : 'error';
      // Also in the console, with the full text, for whoever debugs it.
      console.warn(`WebGPU uncaptured ${kind}:`, error.message);
      this.hooks.warn(`WebGPU reported an ${kind}: ${error.message}. Results may be wrong; reload the page if this repeats.`);
    });
  }
}

/** The shipped checkpoint, or null when none ships (404, or a server answering with a page). */
async function fetchCheckpoint(url: string): Promise<ParsedCheckpoint | null> {
  const response = await fetch(url, { cache: 'no-cache' });
  if (response.status === 404) return null;
  if (!response.ok) throw new UserFacingError(`the server answered ${response.status} ${response.statusText}`);
  // A single-page-app server may answer a missing file with index.html.
  if ((response.headers.get('content-type') ?? '').includes('text/html')) return null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  return parseCheckpoint(bytes);
}
