// The one contract between the page and the training worker. The worker owns TensorFlow.js and
// every model; the page only ever sends a WorkerCommand and reacts to WorkerEvents. Both are
// discriminated unions on `type`, so a `switch` over them is checked for exhaustiveness.
//
// Rules of the road:
// - A command that expects an answer carries a `requestId`; the answer (or an `error`) carries the
//   same id. The client in src/app/worker-client.ts turns these pairs into promises.
// - Everything here must survive structured cloning: plain objects, numbers, strings, typed arrays.
//   Large byte payloads (checkpoints) are sent as transferables, not copied.
// - This file is types only (plus tiny pure helpers), so the page can import it without pulling
//   TensorFlow.js into the main bundle.

/** Backends in the order the worker tries them unless told otherwise. */
export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value);
}

/** A backend that was tried and skipped, and why (shown to the user as-is). */
export interface BackendFallback {
  name: string;
  reason: string;
}

/** The model's shape in words a student reads in the model panel. */
export interface ModelSummary {
  layers: number;
  heads: number;
  /** Embedding width (d_model). */
  width: number;
  /** Context length in tokens. */
  context: number;
  vocab: number;
  /** Trainable parameters. */
  params: number;
  /** Forward-pass FLOPs per token, when the model library reports it. */
  flopsPerToken?: number;
}

/** Where the weights the worker holds came from. */
export type ModelOrigin =
  | { kind: 'fresh'; seed: number }
  | { kind: 'shipped'; url: string; stage?: string }
  | { kind: 'uploaded'; fileName?: string; stage?: string };

/** The pipeline stages, in order. Later commands train them; for now they are only named. */
export const STAGES = ['base', 'sft', 'reward', 'ppo'] as const;
export type StageName = (typeof STAGES)[number];

// ---------------------------------------------------------------------------------------------
// Commands: page -> worker
// ---------------------------------------------------------------------------------------------

export interface InitCommand {
  type: 'init';
  /** Backends to try, best first. Default: BACKEND_NAMES. */
  preferredBackends?: BackendName[];
  /** Absolute URL of a shipped base checkpoint; a missing file means "untrained model". */
  baseCheckpointUrl?: string;
  /** Seed for the fresh initialisation used when no checkpoint loads. */
  seed?: number;
}

export interface GenerateCommand {
  type: 'generate';
  requestId: string;
  /** The user's prompt, as typed (the worker applies the chat template). */
  prompt: string;
  temperature: number;
  maxNewTokens: number;
  seed: number;
}

export interface LoadCheckpointCommand {
  type: 'loadCheckpoint';
  requestId: string;
  /** The file's bytes (transferred). */
  bytes: Uint8Array;
  fileName?: string;
}

export interface ExportCheckpointCommand {
  type: 'exportCheckpoint';
  requestId: string;
}

// Planned next (kept out of the union until the worker can honour them, so nothing pretends to work):
//   { type: 'train'; requestId; stage: StageName; steps: number; config?: Partial<...> }
//   { type: 'pause' }
//   { type: 'rank'; requestId; prompt: string; responses: string[]; order: number[] }
//   { type: 'evaluate'; requestId; stage: StageName }

export type WorkerCommand = InitCommand | GenerateCommand | LoadCheckpointCommand | ExportCheckpointCommand;

// ---------------------------------------------------------------------------------------------
// Events: worker -> page
// ---------------------------------------------------------------------------------------------

export interface ReadyEvent {
  type: 'ready';
  /** The backend tf runs on. */
  backend: string;
  /** Backends tried before it and why each was skipped. */
  fallbacks: BackendFallback[];
  config: ModelSummary;
  params: number;
  /** True when the weights come from a trained checkpoint, false for a fresh initialisation. */
  trained: boolean;
  origin: ModelOrigin;
  /** A non-fatal note for the user (e.g. the shipped checkpoint was present but refused). */
  notice?: string;
}

export interface GeneratedEvent {
  type: 'generated';
  requestId: string;
  /** The model's response, decoded (up to EOS). */
  text: string;
  /** The response token ids. */
  tokens: number[];
  /** Whether the model ended its answer itself (EOS) rather than hitting maxNewTokens. */
  endedWithEos: boolean;
  /** Characters of the prompt the vocabulary cannot represent (sent to the model as <unk>). */
  unknownChars: string[];
  ms: number;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  requestId: string;
  /** The serialized checkpoint (transferred). */
  bytes: Uint8Array;
  fileName: string;
}

export interface CheckpointLoadedEvent {
  type: 'checkpointLoaded';
  requestId: string;
  config: ModelSummary;
  params: number;
  trained: boolean;
  origin: ModelOrigin;
}

export interface ProgressEvent {
  type: 'progress';
  /** What the worker is doing, in words ("selecting a backend", "loading the base checkpoint"). */
  phase: string;
  /** 0..1 when known. */
  fraction?: number;
  requestId?: string;
}

export interface ErrorEvent {
  type: 'error';
  /** Written for the user: what failed and, where possible, what to do. */
  message: string;
  /** The command this answers, if any. */
  requestId?: string;
  /** True when the worker cannot go on (e.g. the GPU device was lost): the page must restart it. */
  fatal: boolean;
}

export type WorkerEvent =
  | ReadyEvent
  | GeneratedEvent
  | CheckpointEvent
  | CheckpointLoadedEvent
  | ProgressEvent
  | ErrorEvent;

/** Events that answer a request (carry a requestId by construction). */
export type ResponseEvent = GeneratedEvent | CheckpointEvent | CheckpointLoadedEvent;

/** Limits the UI and the worker both enforce. */
export const GENERATION_LIMITS = {
  temperature: { min: 0, max: 2, default: 0.8 },
  maxNewTokens: { min: 1, max: 256, default: 48 },
} as const;

/** Clamps generation settings into range; NaN falls back to the default. */
export function clampGeneration(temperature: number, maxNewTokens: number): { temperature: number; maxNewTokens: number } {
  const t = GENERATION_LIMITS.temperature;
  const m = GENERATION_LIMITS.maxNewTokens;
  const temp = Number.isFinite(temperature) ? Math.min(t.max, Math.max(t.min, temperature)) : t.default;
  const max = Number.isFinite(maxNewTokens) ? Math.min(m.max, Math.max(m.min, Math.round(maxNewTokens))) : m.default;
  return { temperature: temp, maxNewTokens: max };
}
