// Typed client for the training worker. Turns request/response pairs (matched by requestId) into
// promises and fans every event out to subscribers. It knows nothing about Svelte: the rune state
// in session.svelte.ts sits on top of it, and tests drive it with a fake worker.
import type {
  AutoRankCommand,
  ModelName,
  NextRoundEvent,
  RankCommand,
  RankSamplesEvent,
  ResetDoneEvent,
  RestoredEvent,
  SampleCommand,
  SamplesEvent,
  SimulatedRankingsEvent,
  StageName,
  TrainCommand,
  CheckpointEvent,
  CheckpointLoadedEvent,
  ExportCheckpointCommand,
  GenerateCommand,
  GeneratedEvent,
  InitCommand,
  LoadCheckpointCommand,
  WorkerCommand,
  WorkerEvent,
} from '../worker/protocol';
import type { Ranking } from '../lib/io/rankings';

/** The part of `Worker` the client uses, so tests can pass a fake. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: Event) => void): void;
  terminate(): void;
}

/** Rejection reason of a request: the worker's user-facing message. */
export class WorkerRequestError extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
  ) {
    super(message);
    this.name = 'WorkerRequestError';
  }
}

type Listener = (event: WorkerEvent) => void;

interface Pending {
  resolve: (event: WorkerEvent) => void;
  reject: (error: WorkerRequestError) => void;
}

/** Creates the real module worker. The URL form lets Vite bundle the worker (and tf) separately. */
export function createTrainingWorker(): WorkerLike {
  return new Worker(new URL('../worker/training.worker.ts', import.meta.url), {
    type: 'module',
    name: 'training',
  });
}

let counter = 0;
function nextRequestId(): string {
  counter += 1;
  return `r${counter}-${Date.now().toString(36)}`;
}

export class WorkerClient {
  private readonly listeners = new Set<Listener>();
  private readonly pending = new Map<string, Pending>();
  private dead = false;

  constructor(private readonly worker: WorkerLike = createTrainingWorker()) {
    worker.addEventListener('message', (event: Event) => this.handle((event as MessageEvent<WorkerEvent>).data));
    // The worker script failed to load or threw at top level: nothing else will ever answer.
    worker.addEventListener('error', (event: Event) => {
      const detail = event instanceof globalThis.ErrorEvent && event.message ? `: ${event.message}` : '';
      this.handle({ type: 'error', message: `The training worker crashed${detail}. Reload the page.`, fatal: true });
    });
    worker.addEventListener('messageerror', () => {
      this.handle({ type: 'error', message: 'A message from the training worker could not be read.', fatal: false });
    });
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fire-and-forget: the worker answers with `ready` (or a fatal `error`). */
  init(options: Omit<InitCommand, 'type'> = {}): void {
    this.send({ type: 'init', ...options });
  }

  generate(options: Omit<GenerateCommand, 'type' | 'requestId'>): Promise<GeneratedEvent> {
    return this.request<GeneratedEvent>({ type: 'generate', requestId: nextRequestId(), ...options });
  }

  /** Sends the bytes to the worker (transferred: the caller's buffer is emptied). */
  loadCheckpoint(bytes: Uint8Array, fileName?: string): Promise<CheckpointLoadedEvent> {
    const command: LoadCheckpointCommand = { type: 'loadCheckpoint', requestId: nextRequestId(), bytes, fileName };
    return this.request<CheckpointLoadedEvent>(command, [bytes.buffer as ArrayBuffer]);
  }

  exportCheckpoint(model?: ModelName): Promise<CheckpointEvent> {
    const command: ExportCheckpointCommand = { type: 'exportCheckpoint', requestId: nextRequestId(), ...(model ? { model } : {}) };
    return this.request<CheckpointEvent>(command);
  }

  /** Fire-and-forget: progress comes back as stageState and metrics events. */
  train(command: TrainCommand): void {
    this.send(command);
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  addRankings(rankings: Ranking[]): void {
    this.send({ type: 'addRankings', rankings });
  }

  reset(stage: StageName): Promise<ResetDoneEvent> {
    return this.request<ResetDoneEvent>({ type: 'reset', requestId: nextRequestId(), stage });
  }

  sample(options: Omit<SampleCommand, 'type' | 'requestId'>): Promise<SamplesEvent> {
    return this.request<SamplesEvent>({ type: 'sample', requestId: nextRequestId(), ...options });
  }

  rank(options: Omit<RankCommand, 'type' | 'requestId'>): Promise<RankSamplesEvent> {
    return this.request<RankSamplesEvent>({ type: 'rank', requestId: nextRequestId(), ...options });
  }

  autoRank(options: Omit<AutoRankCommand, 'type' | 'requestId'>): Promise<SimulatedRankingsEvent> {
    return this.request<SimulatedRankingsEvent>({ type: 'autoRank', requestId: nextRequestId(), ...options });
  }

  /** A finished run goes on by one round (answers with the new round's number). */
  nextRound(): Promise<NextRoundEvent> {
    return this.request<NextRoundEvent>({ type: 'nextRound', requestId: nextRequestId() });
  }

  /** Continues the run the worker saved at its last phase boundary. */
  restore(): Promise<RestoredEvent> {
    return this.request<RestoredEvent>({ type: 'restore', requestId: nextRequestId() });
  }

  terminate(): void {
    this.dead = true;
    this.worker.terminate();
    this.rejectAll(new WorkerRequestError('The training worker was stopped.', true));
  }

  private send(command: WorkerCommand, transfer: Transferable[] = []): void {
    if (this.dead) throw new WorkerRequestError('The training worker is not running. Reload the page.', true);
    this.worker.postMessage(command, transfer);
  }

  private request<E extends WorkerEvent>(command: WorkerCommand & { requestId: string }, transfer: Transferable[] = []): Promise<E> {
    return new Promise<E>((resolve, reject) => {
      this.pending.set(command.requestId, { resolve: resolve as (event: WorkerEvent) => void, reject });
      try {
        this.send(command, transfer);
      } catch (err) {
        this.pending.delete(command.requestId);
        reject(err instanceof WorkerRequestError ? err : new WorkerRequestError(String(err), false));
      }
    });
  }

  private handle(event: WorkerEvent): void {
    if ('requestId' in event && event.requestId !== undefined) {
      const pending = this.pending.get(event.requestId);
      if (pending) {
        this.pending.delete(event.requestId);
        if (event.type === 'error') pending.reject(new WorkerRequestError(event.message, event.fatal));
        else pending.resolve(event);
      }
    }
    if (event.type === 'error' && event.fatal) {
      this.dead = true;
      this.rejectAll(new WorkerRequestError(event.message, true));
    }
    for (const listener of this.listeners) listener(event);
  }

  private rejectAll(error: WorkerRequestError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
