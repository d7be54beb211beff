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
import type { PipelineSettings, PipelineSummary, RewardModelReport, SessionModelName, SessionPosition } from '../lib/rlhf';

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
  | { kind: 'uploaded'; fileName?: string; stage?: string }
  /** Pretrained from scratch in this page. */
  | { kind: 'pretrained' }
  /** A base pretrained here or uploaded on an earlier visit, kept in this browser (IndexedDB). */
  | { kind: 'kept'; stage?: string };

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
  model?: AnsweringModel;
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
  model?: ModelName;
}

/**
 * The models, by the program's one vocabulary (lib's SessionModelName): the base model, the SFT
 * model, the reward model, the PPO policy and the PPO-ptx one. Checkpoint files name theirs the same way
 * (older files say 'pretrain' or 'init' for a base model).
 */
export const MODEL_NAMES = ['base', 'sft', 'rm', 'policy', 'policy-ptx'] as const satisfies readonly SessionModelName[];
export type ModelName = (typeof MODEL_NAMES)[number];
/** Each model's name in a sentence ("there is no PPO policy yet"). */
export const MODEL_LABELS: Readonly<Record<ModelName, string>> = { base: 'base model', sft: 'SFT model', rm: 'reward model', policy: 'PPO policy', 'policy-ptx': 'PPO-ptx policy' };
/** The models that write answers (the reward model only scores them). */
export const ANSWERING_MODELS = ['base', 'sft', 'policy', 'policy-ptx'] as const satisfies readonly ModelName[];
export type AnsweringModel = (typeof ANSWERING_MODELS)[number];

/** A stage's life: not started, training now, stopped part-way (or by an error), reached its target. */
export type StageState = 'not-started' | 'training' | 'paused' | 'done';

/** Pretraining from scratch (the base card only; the measured program starts from a base). */
export interface PretrainSettings {
  steps: number;
  learningRate: number;
  batchSize: number;
}

/** The stages of the program a card can run ('all': every stage to the end of the run). */
export type ProgramStage = Exclude<StageName, 'base'> | 'all';

export type TrainCommand =
  | { type: 'train'; stage: 'base'; mode: 'run' | 'step'; settings: PretrainSettings; seed: number }
  | {
      type: 'train';
      stage: ProgramStage;
      /** 'run' goes to the end of the stage (or a pause); 'step' does one step of the program. */
      mode: 'run' | 'step';
      /** The run's settings (the one settings tree); a change applies from the next phase that reads it. */
      settings: PipelineSettings;
      /** Every ranking a person made: the program adds those it has not seen (the round counts them). */
      humanRankings: Ranking[];
    };

/** A finished run goes on by one more round (new rankings on the policy's samples, RM, PPO). */
export interface NextRoundCommand {
  type: 'nextRound';
  requestId: string;
}

/**
 * Rankings a person just made (or imported): a run in progress takes them at once, so those made
 * while SFT trains count in round 0's reward model. Without a run they come with the next train.
 */
export interface AddRankingsCommand {
  type: 'addRankings';
  rankings: Ranking[];
}

/** Stops the running stage after its current step (its checkpoint is saved). */
export interface PauseCommand {
  type: 'pause';
}

/**
 * Forgets a stage's work: 'base' restores the shipped base model; any program stage ends the run
 * (every stage after the base starts again; the saved run is deleted). Rankings are kept.
 */
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
  models: AnsweringModel[];
  temperature: number;
  maxNewTokens: number;
  seed: number;
  /** Also SFT's best of this many answers by the reward model, once the run has one. */
  bestOfN?: number;
}

/**
 * K answers (the run's K, sampling temperature and response length) from the current model
 * (policy once PPO ran, else SFT, else base) for a person to rank.
 */
export interface RankCommand {
  type: 'rank';
  requestId: string;
  prompt: string;
  settings: PipelineSettings;
  seed: number;
}

/** The simulated labeler ranks the round's next N prompts on the current model's samples. */
export interface AutoRankCommand {
  type: 'autoRank';
  requestId: string;
  n: number;
  settings: PipelineSettings;
}

/** Continues the run saved in IndexedDB at its last phase boundary (resume after a reload). */
export interface RestoreCommand {
  type: 'restore';
  requestId: string;
}

export type WorkerCommand =
  | InitCommand
  | GenerateCommand
  | LoadCheckpointCommand
  | ExportCheckpointCommand
  | TrainCommand
  | NextRoundCommand
  | PauseCommand
  | AddRankingsCommand
  | ResetCommand
  | SampleCommand
  | RankCommand
  | AutoRankCommand
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
  /** wasm only: the threads it computes with (more than 1 when the page is cross-origin isolated). */
  threads?: number;
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
  /** The model that answered: the one asked for, or before it exists the one it starts from (the policy as SFT). */
  answeredBy: AnsweringModel;
}

/**
 * The answer of a generate request so far, as it is written. Named `forRequest`, not
 * `requestId`: it is not the request's answer (the `generated` event is).
 */
export interface GeneratingEvent {
  type: 'generating';
  forRequest: string;
  text: string;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  requestId: string;
  /** The serialized checkpoint (transferred). */
  bytes: Uint8Array;
  fileName: string;
}

/** An uploaded checkpoint became the base model (the run on the old base ended). */
export interface CheckpointLoadedEvent {
  type: 'checkpointLoaded';
  requestId: string;
  config: ModelSummary;
  params: number;
  trained: boolean;
  origin: ModelOrigin;
}

/** The base model changed without a request for it (pretraining began, or Reset brought the shipped one back). */
export interface BaseChangedEvent {
  type: 'baseChanged';
  config: ModelSummary;
  params: number;
  trained: boolean;
  origin: ModelOrigin;
}

/** How fast this device samples, measured once after start-up (the whole run's time estimate). */
export interface SpeedEvent {
  type: 'speed';
  /** measureSamplingSpeed's milliseconds per answer on this device and backend. */
  msPerAnswer: number;
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

/** PPO-ptx's metrics ride on the PPO card's points under their PPO names with this prefix. */
export const PTX_PREFIX = 'ptx/';

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

/** Where the run is, after every step and state change (the stage cards' states derive from it). */
export interface ProgramEvent {
  type: 'program';
  /** null: no run yet (nothing trained since the base). */
  position: SessionPosition | null;
  /** The round a ranking made now belongs to. */
  rankingRound: number;
  /** The run's summary, once its final evaluation ran. */
  summary: PipelineSummary | null;
  /** Settings the run can no longer change, each with why. */
  locked: Partial<Record<keyof PipelineSettings, string>>;
  /** The run trains a PPO-ptx policy beside PPO and it has begun (it answers as 'policy-ptx'). */
  ptxPolicy: boolean;
}

/** The reward model's report at the end of a reward phase. */
export interface RewardModelEvent {
  type: 'rewardModel';
  report: RewardModelReport;
}

/** Answers of each model to each prompt (SampleCommand). */
export interface SamplesEvent {
  type: 'samples';
  requestId: string;
  prompts: string[];
  /** rows[m][p]: model models[m]'s answer to prompts[p]. */
  models: AnsweringModel[];
  rows: JudgedText[][];
  /** SFT's best of n answers to each prompt by the reward model (asked for, and it exists). */
  bestOfN?: { n: number; row: JudgedText[] };
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

/** Rankings the simulated labeler made (an auto-rank answer, or a run's rankings phase: no requestId). */
export interface SimulatedRankingsEvent {
  type: 'simulatedRankings';
  requestId?: string;
  rankings: Ranking[];
}

export interface NextRoundEvent {
  type: 'nextRound';
  requestId: string;
  round: number;
}

export interface ResetDoneEvent {
  type: 'resetDone';
  requestId: string;
  stage: StageName;
}

export interface RestoredEvent {
  type: 'restored';
  requestId: string;
  /** Where the restored run stands (null: nothing saved could be restored). */
  position: SessionPosition | null;
  /** Why nothing was restored, in words, when position is null. */
  reason?: string;
}

export type WorkerEvent =
  | StageStateEvent
  | MetricsEvent
  | SamplesEvent
  | PpoSamplesEvent
  | RankSamplesEvent
  | SimulatedRankingsEvent
  | ProgramEvent
  | RewardModelEvent
  | NextRoundEvent
  | ResetDoneEvent
  | RestoredEvent
  | ReadyEvent
  | GeneratedEvent
  | CheckpointEvent
  | CheckpointLoadedEvent
  | BaseChangedEvent
  | ProgressEvent
  | GeneratingEvent
  | SpeedEvent
  | ErrorEvent;

/** Events that answer a request (carry a requestId by construction). */
export type ResponseEvent =
  | GeneratedEvent
  | CheckpointEvent
  | CheckpointLoadedEvent
  | SamplesEvent
  | RankSamplesEvent
  | SimulatedRankingsEvent
  | NextRoundEvent
  | ResetDoneEvent
  | RestoredEvent;

/** Limits the UI and the worker both enforce. */
export const GENERATION_LIMITS = {
  temperature: { min: 0, max: 2, default: 0.8 },
  maxNewTokens: { min: 1, max: 256, default: 24 },
} as const;

/** Clamps generation settings into range; NaN falls back to the default. */
export function clampGeneration(temperature: number, maxNewTokens: number): { temperature: number; maxNewTokens: number } {
  const t = GENERATION_LIMITS.temperature;
  const m = GENERATION_LIMITS.maxNewTokens;
  const temp = Number.isFinite(temperature) ? Math.min(t.max, Math.max(t.min, temperature)) : t.default;
  const max = Number.isFinite(maxNewTokens) ? Math.min(m.max, Math.max(m.min, Math.round(maxNewTokens))) : m.default;
  return { temperature: temp, maxNewTokens: max };
}
