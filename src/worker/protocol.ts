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
import type { Ranking } from '../lib/io/rankings';

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

/** The pipeline stages, in order ('base' trains only when pretraining from scratch). */
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
  /** Shape of the fresh model (the "tiny" preset uses a small one); default the lib's DEFAULT_CONFIG. */
  freshModel?: { contextLength: number; nLayer: number; nHead: number; dModel: number };
}

export interface GenerateCommand {
  type: 'generate';
  requestId: string;
  /** Which model answers (default 'base'; a stage not trained yet falls back to the one before). */
  model?: ModelKey;
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
  /** Which model to save (default: the base model). */
  model?: CheckpointKey;
}

/** The models a user can talk to: the base model, the SFT model and the PPO policy. */
export const MODEL_KEYS = ['base', 'sft', 'policy'] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];
/** The models a checkpoint file can hold: those plus the reward model. */
export const CHECKPOINT_KEYS = ['base', 'sft', 'rm', 'policy'] as const;
export type CheckpointKey = (typeof CHECKPOINT_KEYS)[number];

/** A stage's life: not started, training now, stopped part-way (or by an error), reached its target. */
export type StageState = 'not-started' | 'training' | 'paused' | 'done';

/** Settings of each trainable stage (a subset of the lib trainers' configs, with the page's names). */
export interface PretrainSettings {
  steps: number;
  learningRate: number;
  batchSize: number;
}
export interface SftSettings {
  steps: number;
  learningRate: number;
  batchSize: number;
}
export type RankingSourceFilter = 'human' | 'simulated' | 'both';
export interface RewardSettings {
  steps: number;
  learningRate: number;
  batchSize: number;
  /** Which rankings the reward model learns from. */
  sources: RankingSourceFilter;
}
export interface PpoSettings {
  /** PPO iterations. */
  steps: number;
  learningRate: number;
  /** Rollouts per iteration. */
  batchSize: number;
  /** KL coefficient beta (the initial value when adaptive). 0 is allowed. */
  beta: number;
  adaptiveKl: boolean;
  /** Target KL per response (nats) for adaptive beta. */
  klTarget: number;
  /** PPO-ptx: weight of the pretraining loss (0 = off). */
  ptxCoef: number;
  /** Tokens sampled per response. */
  responseLength: number;
  /** Evaluate win rate and gold score on the held-out set every N iterations. */
  evalEvery: number;
  /** Held-out prompts in that evaluation. */
  evalPrompts: number;
}
export interface StageSettingsMap {
  base: PretrainSettings;
  sft: SftSettings;
  reward: RewardSettings;
  ppo: PpoSettings;
}

/** Sizes shared by the stages (fixed lengths keep WebGPU's buffers reused). */
export interface ShapeSettings {
  /** Sequence length of SFT, pretraining and reward-model rows. */
  maxLength: number;
  /** Prompt length PPO pads to. */
  promptLength: number;
}

export type TrainCommand = {
  [S in StageName]: {
    type: 'train';
    stage: S;
    /** 'run' trains until settings.steps (or a pause); 'step' does one step and pauses. */
    mode: 'run' | 'step';
    settings: StageSettingsMap[S];
    shapes: ShapeSettings;
    /** Reward model: the rankings to learn from (already filtered by source). */
    rankings?: Ranking[];
    /** PPO: the RLHF round (names the policy, 'policy@r1'). */
    round?: number;
    seed: number;
  };
}[StageName];

/** Stops the running stage after its current step (its checkpoint is saved). */
export interface PauseCommand {
  type: 'pause';
}

/** Forgets a stage's model and trainer (and its IndexedDB checkpoint); later stages keep theirs. */
export interface ResetCommand {
  type: 'reset';
  requestId: string;
  stage: StageName;
}

/** Answers to the same prompts from several models, judged by gold. */
export interface SampleCommand {
  type: 'sample';
  requestId: string;
  prompts: string[];
  models: ModelKey[];
  temperature: number;
  maxNewTokens: number;
  seed: number;
}

/** K answers from the current model (policy once PPO ran, else SFT, else base) for a person to rank. */
export interface RankCommand {
  type: 'rank';
  requestId: string;
  prompt: string;
  k: number;
  temperature: number;
  maxNewTokens: number;
  seed: number;
}

/** N training prompts answered K times by the current model and ranked by the simulated labeler. */
export interface AutoRankCommand {
  type: 'autoRank';
  requestId: string;
  n: number;
  k: number;
  temperature: number;
  maxNewTokens: number;
  seed: number;
  round: number;
}

/** Reward model quality: held-out pairwise accuracy and agreement with the gold judge. */
export interface EvaluateCommand {
  type: 'evaluate';
  requestId: string;
  rankings: Ranking[];
}

/** Loads the stage checkpoints saved in IndexedDB (resume after a reload). */
export interface RestoreCommand {
  type: 'restore';
  requestId: string;
  /** Saved stage states, to report back which could be restored. */
  stages: StageName[];
}

export type WorkerCommand =
  | InitCommand
  | GenerateCommand
  | LoadCheckpointCommand
  | ExportCheckpointCommand
  | TrainCommand
  | PauseCommand
  | ResetCommand
  | SampleCommand
  | RankCommand
  | AutoRankCommand
  | EvaluateCommand
  | RestoreCommand;

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
  /**
   * Where the weights went: a checkpoint saved from a stage ('sft', 'rm', 'policy' in its header)
   * becomes that stage's model; anything else becomes the base model.
   */
  target: 'base' | StageName;
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

/** A stage changed state or finished a step. */
export interface StageStateEvent {
  type: 'stageState';
  stage: StageName;
  state: StageState;
  step: number;
  /** The step count 'run' trains to. */
  target: number;
  /** Mean wall time of recent steps (for "time left"). */
  msPerStep?: number;
  /** Why it paused, when not by request (a NaN, a lost device), written for the user. */
  message?: string;
}

export interface MetricPoint {
  step: number;
  values: Record<string, number>;
}

/** Metrics of one stage, batched: at most a few events per second. */
export interface MetricsEvent {
  type: 'metrics';
  stage: StageName;
  points: MetricPoint[];
}

export interface JudgedText {
  text: string;
  /** Gold judge score in [0, 1] (null when the prompt is not one the world knows). */
  gold: number | null;
  reasons: string[];
  /** Reward model score, when there is one. */
  reward?: number;
}

/** Answers of each model to each prompt (SampleCommand). */
export interface SamplesEvent {
  type: 'samples';
  requestId: string;
  prompts: string[];
  /** rows[m][p]: model models[m]'s answer to prompts[p]. */
  models: ModelKey[];
  rows: JudgedText[][];
}

/** The latest PPO rollout, a few rows of it, for the live sample table. */
export interface PpoSamplesEvent {
  type: 'ppoSamples';
  step: number;
  rows: { prompt: string; response: string; reward: number; gold: number | null }[];
}

export interface RankSamplesEvent {
  type: 'rankSamples';
  requestId: string;
  responses: string[];
  /** Which model wrote them ('sft', 'policy@r1', ...). */
  model: string;
}

export interface SimulatedRankingsEvent {
  type: 'simulatedRankings';
  requestId: string;
  rankings: Ranking[];
}

export interface EvaluationEvent {
  type: 'evaluation';
  requestId: string;
  /** Pairwise accuracy on the held-out split of the rankings (NaN when it is empty). */
  heldoutAccuracy: number;
  heldoutPairs: number;
  /** Agreement with the gold judge over pairs of ranked responses. */
  goldAgreement: number;
  goldPairs: number;
  trainRankings: number;
  heldoutRankings: number;
}

export interface ResetDoneEvent {
  type: 'resetDone';
  requestId: string;
  stage: StageName;
}

export interface RestoredEvent {
  type: 'restored';
  requestId: string;
  /** Stages whose checkpoint loaded, with the step it was saved at. */
  stages: { stage: StageName; step: number }[];
}

export type WorkerEvent =
  | StageStateEvent
  | MetricsEvent
  | SamplesEvent
  | PpoSamplesEvent
  | RankSamplesEvent
  | SimulatedRankingsEvent
  | EvaluationEvent
  | ResetDoneEvent
  | RestoredEvent
  | ReadyEvent
  | GeneratedEvent
  | CheckpointEvent
  | CheckpointLoadedEvent
  | ProgressEvent
  | ErrorEvent;

/** Events that answer a request (carry a requestId by construction). */
export type ResponseEvent =
  | GeneratedEvent
  | CheckpointEvent
  | CheckpointLoadedEvent
  | SamplesEvent
  | RankSamplesEvent
  | SimulatedRankingsEvent
  | EvaluationEvent
  | ResetDoneEvent
  | RestoredEvent;

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
