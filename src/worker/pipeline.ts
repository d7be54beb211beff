// The InstructGPT pipeline inside the worker: one model per stage (base, SFT, reward model, PPO
// policy plus its frozen reference and value model), one trainer per stage, and the loop that
// runs a stage step by step until its target, a pause, or an error.
//
// Concurrency: the worker's message queue hands `train` here and moves on; the loop below runs
// detached, one step at a time under `lock`, so sampling/ranking/saving commands interleave
// between steps and `pause` (handled outside the queue) takes effect after the current step.
import * as tf from '@tensorflow/tfjs';
import { GPT, type GPTConfig } from '../lib/model';
import {
  PpoTrainer,
  PretrainTrainer,
  RewardTrainer,
  SftTrainer,
  TrainingError,
  packWindows,
  scoreWithModel,
  type Metrics,
  type PpoConfig,
  type TokenRanking,
} from '../lib/train';
import { collectSimulatedRankings, sampleK, scoreAnswerGroups, sftExamplesFrom, stableSplit, tokenRankingFrom } from '../lib/rlhf';
import { demonstrations, heldoutPrompts, judge, parsePrompt, pretrainCorpus, trainPrompts, type PromptItem } from '../lib/world';
import { encodePrompt, encodeResponse } from '../lib/world/format';
import { BOS, EOS, decode, encode } from '../lib/tokenizer';
import { goldReport, goldScores, hedgeRate, pairwiseAgreement, sampleResponses, winRate } from '../lib/eval';
import { applyCheckpoint, configDifference, parseCheckpoint, serializeCheckpoint, type ParsedCheckpoint } from '../lib/io/checkpoint';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint } from '../lib/io/store-idb';
import type { Ranking } from '../lib/io/rankings';
import { createRng } from '../lib/random';
import { Lock, Throttle } from './lock';
import type {
  CheckpointKey,
  AutoRankCommand,
  EvaluateCommand,
  EvaluationEvent,
  JudgedText,
  MetricPoint,
  ModelKey,
  RankCommand,
  RankSamplesEvent,
  ResetCommand,
  RestoreCommand,
  RestoredEvent,
  SampleCommand,
  SamplesEvent,
  ShapeSettings,
  SimulatedRankingsEvent,
  StageName,
  StageState,
  TrainCommand,
  WorkerEvent,
} from './protocol';

/** An error whose message is already written for the user. */
export class PipelineError extends Error {}

export interface PipelineHooks {
  post(event: WorkerEvent): void;
  /** The base model (the shipped checkpoint, an upload, or a fresh init). */
  getBase(): GPT;
  setBase(model: GPT): void;
  /** True once the GPU device is gone. */
  lost(): boolean;
  errorMessage(err: unknown): string;
}

interface Trainer {
  step(): Promise<Metrics>;
  dispose(): void;
}

interface Slot {
  state: StageState;
  step: number;
  target: number;
  trainer: Trainer | null;
  /** JSON of the config the trainer was built with (a change rebuilds it, keeping the model). */
  trainerKey: string;
  recentMs: number[];
}

/** IndexedDB checkpoint names per stage. */
export const CHECKPOINT_NAMES: Record<StageName, string> = { base: 'base', sft: 'sft', reward: 'rm', ppo: 'policy' };
const META_STAGE: Record<StageName, string> = { base: 'pretrain', sft: 'sft', reward: 'rm', ppo: 'policy' };
const HELDOUT_FRACTION = 0.2;
const EVAL_SEED = 4242;
const AUTOSAVE_MS = 60_000;

function emptySlot(): Slot {
  return { state: 'not-started', step: 0, target: 0, trainer: null, trainerKey: '', recentMs: [] };
}

/** "q: what is 2 + 2?\na: " back to the user's prompt text. */
function promptFromIds(ids: readonly number[]): string {
  return decode(ids.filter((t) => t !== BOS))
    .replace(/^q: /, '')
    .replace(/\na: $/, '');
}

function judged(prompt: string | PromptItem | null, text: string): JudgedText {
  const item = typeof prompt === 'string' ? parsePrompt(prompt) : prompt;
  if (!item) return { text, gold: null, reasons: ['the gold judge does not know this prompt'] };
  const j = judge(item, text);
  return { text, gold: j.score, reasons: j.reasons };
}

/** Up to n held-out prompts spread over the families (the list is grouped by family). */
function evalItems(n: number): PromptItem[] {
  const all = heldoutPrompts();
  const stride = Math.max(1, Math.floor(all.length / Math.max(1, n)));
  const out: PromptItem[] = [];
  for (let i = 0; i < all.length && out.length < n; i += stride) out.push(all[i]);
  return out;
}

export class Pipeline {
  private readonly lock = new Lock();
  private readonly slots: Record<StageName, Slot> = { base: emptySlot(), sft: emptySlot(), reward: emptySlot(), ppo: emptySlot() };
  private sft: GPT | null = null;
  private rm: GPT | null = null;
  private policy: GPT | null = null;
  private ref: GPT | null = null;
  private value: GPT | null = null;
  private rmCalibrated = false;
  private round = 0;
  private shapes: ShapeSettings = { maxLength: 128, promptLength: 48 };
  private running: { stage: StageName; stop: boolean } | null = null;
  private loop: Promise<void> = Promise.resolve();
  /** SFT answers to the evaluation prompts, the win-rate baseline (recomputed when SFT changes). */
  private sftBaseline: { key: string; responses: string[] } | null = null;

  constructor(private readonly hooks: PipelineHooks) {}

  /** The model saved as `key` (the reward model only once it exists). */
  checkpointModel(key: CheckpointKey): GPT {
    if (key === 'rm') {
      if (!this.rm) throw new PipelineError('There is no reward model yet: train it first.');
      return this.rm;
    }
    return this.modelFor(key);
  }

  /** The model answering as `key`; a stage not trained yet falls back to the one before it. */
  modelFor(key: ModelKey): GPT {
    if (key === 'policy') return this.policy ?? this.sft ?? this.hooks.getBase();
    if (key === 'sft') return this.sft ?? this.hooks.getBase();
    return this.hooks.getBase();
  }

  /** Name of the model people rank now: the policy once PPO ran, else SFT, else base. */
  private currentModel(): { model: GPT; name: string } {
    if (this.policy) return { model: this.policy, name: `policy@r${this.round}` };
    if (this.sft) return { model: this.sft, name: 'sft' };
    return { model: this.hooks.getBase(), name: 'base' };
  }

  withLock<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.lock.run(fn);
  }

  // -------------------------------------------------------------------------------------------
  // Training

  async train(cmd: TrainCommand): Promise<void> {
    await this.stopRun();
    this.shapes = cmd.shapes;
    if (cmd.round !== undefined) this.round = cmd.round;
    const slot = this.slots[cmd.stage];
    try {
      await this.lock.run(() => this.prepare(cmd));
    } catch (err) {
      // Could not start (no rankings, no reward model, ...): the stage card says why.
      this.postState(cmd.stage, this.hooks.errorMessage(err));
      return;
    }
    const steps = Math.max(1, Math.round(cmd.settings.steps));
    slot.target = steps > slot.step ? steps : slot.step + steps;
    if (cmd.mode === 'step') slot.target = Math.max(slot.target, slot.step + 1);
    this.loop = this.runLoop(cmd, cmd.mode === 'step' ? 1 : Infinity);
  }

  pause(): void {
    if (this.running) this.running.stop = true;
  }

  /** True while a stage's training loop runs. */
  get isRunning(): boolean {
    return this.running !== null;
  }

  private async stopRun(): Promise<void> {
    this.pause();
    await this.loop;
  }

  private postState(stage: StageName, message?: string): void {
    const s = this.slots[stage];
    const recent = s.recentMs;
    const msPerStep = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined;
    this.hooks.post({ type: 'stageState', stage, state: s.state, step: s.step, target: s.target, msPerStep, ...(message ? { message } : {}) });
  }

  private async runLoop(cmd: TrainCommand, maxSteps: number): Promise<void> {
    const stage = cmd.stage;
    const slot = this.slots[stage];
    const run = { stage, stop: false };
    this.running = run;
    slot.state = 'training';
    this.postState(stage);
    const metricsThrottle = new Throttle(300);
    const stateThrottle = new Throttle(250);
    let buffer: MetricPoint[] = [];
    const flush = (force: boolean): void => {
      if (buffer.length > 0 && metricsThrottle.ready(force)) {
        this.hooks.post({ type: 'metrics', stage, points: buffer });
        buffer = [];
      }
    };
    let message: string | undefined;
    let done = 0;
    let lastSave = performance.now();
    try {
      while (!run.stop && done < maxSteps && slot.step < slot.target) {
        if (this.hooks.lost()) throw new PipelineError('The GPU device was lost; reload the page to start again.');
        const trainer = slot.trainer;
        if (!trainer) throw new PipelineError('The stage has no trainer.');
        const started = performance.now();
        const values = await this.lock.run(() => trainer.step());
        slot.step++;
        done++;
        if (stage === 'ppo') {
          this.postPpoSamples(trainer as PpoTrainer);
          const settings = cmd.stage === 'ppo' ? cmd.settings : null;
          if (settings && (slot.step === 1 || slot.step % Math.max(1, settings.evalEvery) === 0 || slot.step === slot.target)) {
            Object.assign(values, await this.lock.run(() => this.evaluatePolicy(settings.evalPrompts, settings.responseLength)));
          }
        }
        slot.recentMs.push(performance.now() - started);
        if (slot.recentMs.length > 10) slot.recentMs.shift();
        buffer.push({ step: slot.step, values: { ...values } });
        flush(false);
        // A long run also saves now and then, so a crash or a closed tab loses at most a minute.
        if (performance.now() - lastSave > AUTOSAVE_MS && slot.step < slot.target) {
          await this.lock.run(() => this.saveStage(stage));
          lastSave = performance.now();
        }
        if (stateThrottle.ready()) this.postState(stage);
      }
      if (stage === 'reward' && slot.step >= slot.target) await this.lock.run(() => this.calibrate());
    } catch (err) {
      message =
        err instanceof TrainingError
          ? `Training paused: ${err.message}.`
          : `Training paused: ${this.hooks.errorMessage(err)}`;
    }
    flush(true);
    slot.state = slot.step >= slot.target && !message ? 'done' : slot.step > 0 ? 'paused' : message ? 'paused' : 'not-started';
    if (slot.step > 0 && !this.hooks.lost()) {
      try {
        await this.lock.run(() => this.saveStage(stage));
      } catch (err) {
        message = `${message ? `${message} ` : ''}The checkpoint could not be saved: ${this.hooks.errorMessage(err)}`;
      }
    }
    if (this.running === run) this.running = null;
    this.postState(stage, message);
  }

  private async prepare(cmd: TrainCommand): Promise<void> {
    const seed = cmd.seed >>> 0;
    const L = cmd.shapes.maxLength;
    switch (cmd.stage) {
      case 'base': {
        const s = cmd.settings;
        const slot = this.slots.base;
        const key = JSON.stringify({ lr: s.learningRate, b: s.batchSize, L });
        if (slot.trainer && slot.trainerKey === key) return;
        if (!slot.trainer) {
          // Pretraining from scratch: a fresh model of the base's shape replaces the base.
          const old = this.hooks.getBase();
          const fresh = GPT.create(old.config as GPTConfig, seed);
          this.hooks.setBase(fresh);
          old.dispose();
          slot.step = 0;
        }
        slot.trainer?.dispose();
        const docs = pretrainCorpus(seed, 4000);
        const tokens = docs.flatMap((d) => [BOS, ...encode(d), EOS]);
        slot.trainer = new PretrainTrainer(this.hooks.getBase(), packWindows(tokens, L), {
          learningRate: s.learningRate,
          batchSize: s.batchSize,
          maxLength: L,
          seed,
        });
        slot.trainerKey = key;
        return;
      }
      case 'sft': {
        const s = cmd.settings;
        const slot = this.slots.sft;
        const key = JSON.stringify({ lr: s.learningRate, b: s.batchSize, L });
        if (!this.sft) {
          this.sft = this.hooks.getBase().clone();
          slot.step = 0;
          this.sftBaseline = null;
        }
        if (slot.trainer && slot.trainerKey === key) return;
        slot.trainer?.dispose();
        const demos = demonstrations(seed).map((d) => ({ prompt: d.item.prompt, response: d.response }));
        slot.trainer = new SftTrainer(this.sft, sftExamplesFrom(demos), { learningRate: s.learningRate, batchSize: s.batchSize, maxLength: L, seed });
        slot.trainerKey = key;
        return;
      }
      case 'reward': {
        const s = cmd.settings;
        const slot = this.slots.reward;
        const rankings = (cmd.rankings ?? []).filter((r) => r.responses.length >= 2);
        if (rankings.length === 0) {
          throw new PipelineError(
            s.sources === 'both'
              ? 'The reward model needs rankings: rank some answers or auto-rank a few prompts first.'
              : `The reward model needs ${s.sources} rankings: there are none yet (or switch the source to "both").`,
          );
        }
        const { train } = stableSplit(rankings, (r) => r.id, HELDOUT_FRACTION);
        const tokenRankings: TokenRanking[] = (train.length > 0 ? train : rankings).map(tokenRankingFrom);
        const maxResponses = Math.max(...tokenRankings.map((r) => r.responses.length));
        if (!this.rm) {
          // InstructGPT initialises the reward model from the SFT model.
          this.rm = (this.sft ?? this.hooks.getBase()).clone();
          slot.step = 0;
          this.rmCalibrated = false;
        }
        const key = JSON.stringify({ lr: s.learningRate, b: s.batchSize, L, maxResponses });
        if (slot.trainer && slot.trainerKey === key) {
          (slot.trainer as RewardTrainer).setRankings(tokenRankings);
          return;
        }
        slot.trainer?.dispose();
        slot.trainer = new RewardTrainer(this.rm, tokenRankings, {
          learningRate: s.learningRate,
          batchSize: s.batchSize,
          maxResponses,
          maxLength: L,
          seed,
        });
        slot.trainerKey = key;
        return;
      }
      case 'ppo': {
        const s = cmd.settings;
        const slot = this.slots.ppo;
        if (!this.rm) throw new PipelineError('PPO needs a reward model: train the reward model first.');
        if (!this.rmCalibrated) await this.calibrate();
        const start = this.sft ?? this.hooks.getBase();
        if (!this.policy) {
          this.policy = start.clone();
          slot.step = 0;
        }
        this.ref ??= start.clone();
        this.value ??= this.rm.clone();
        const P = cmd.shapes.promptLength;
        const R = s.responseLength;
        const miniBatches = s.batchSize >= 4 && s.batchSize % 2 === 0 ? 2 : 1;
        const config: Partial<PpoConfig> = {
          learningRate: s.learningRate,
          batchSize: s.batchSize,
          miniBatches,
          ppoEpochs: s.batchSize <= 4 ? 1 : 4,
          promptLength: P,
          responseLength: R,
          klCoef: s.beta,
          adaptiveKl: s.adaptiveKl ? { target: s.klTarget, horizon: 10_000 } : null,
          ptxCoef: s.ptxCoef,
          ptxBatchSize: Math.min(16, Math.max(2, s.batchSize)),
          ptxLength: Math.min(64, L),
          seed,
        };
        const key = JSON.stringify(config);
        if (slot.trainer && slot.trainerKey === key) return;
        slot.trainer?.dispose();
        const scoreLength = Math.max(L, P + R);
        const rows = s.batchSize;
        const prompts = trainPrompts(seed, 600).map((i) => encodePrompt(i.prompt));
        const corpusTokens = pretrainCorpus(seed + 1, 600).flatMap((d) => [BOS, ...encode(d), EOS]);
        const windows = packWindows(corpusTokens, config.ptxLength ?? 64);
        const rng = createRng(seed ^ 0x9e37);
        slot.trainer = new PpoTrainer(
          { policy: this.policy, ref: this.ref, value: this.value },
          {
            // Reads this.rm at call time: a retrained reward model (next round) is used at once.
            rewardFn: (p, r) => scoreWithModel(this.requireRm(), p, r, rows, scoreLength),
            prompts,
            ptxBatch: () => Array.from({ length: config.ptxBatchSize ?? 16 }, () => windows[rng.int(windows.length)]),
          },
          config,
        );
        slot.trainerKey = key;
        return;
      }
    }
  }

  private requireRm(): GPT {
    if (!this.rm) throw new PipelineError('The reward model is gone (was it reset?).');
    return this.rm;
  }

  /** Shifts the RM head's bias so demonstrations score mean 0 (InstructGPT), once per trained RM. */
  private async calibrate(): Promise<void> {
    const rm = this.rm;
    if (!rm) return;
    const demos = demonstrations(0).slice(0, 16);
    const s = await scoreWithModel(
      rm,
      demos.map((d) => encodePrompt(d.item.prompt)),
      demos.map((d) => encodeResponse(d.response)),
      demos.length,
      Math.min(rm.config.contextLength, this.shapes.maxLength),
    );
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const bias = rm.weights.get('scalar.b');
    if (bias && Number.isFinite(mean)) {
      tf.tidy(() => bias.assign(tf.sub(bias, mean)));
    }
    this.rmCalibrated = true;
  }

  private postPpoSamples(trainer: PpoTrainer): void {
    const samples = trainer.lastSamples;
    if (!samples) return;
    const rows = samples.prompts.slice(0, 4).map((ids, i) => {
      const prompt = promptFromIds(ids);
      const response = decode(samples.responses[i].filter((t) => t !== EOS));
      return { prompt, response, reward: samples.rawScores[i], gold: judged(prompt, response).gold };
    });
    this.hooks.post({ type: 'ppoSamples', step: this.slots.ppo.step, rows });
  }

  /** eval/win_rate (policy vs SFT, gold judge) and eval/gold_score on a few held-out prompts. */
  private async evaluatePolicy(n: number, maxNewTokens: number): Promise<Metrics> {
    const policy = this.policy;
    if (!policy) return {};
    const items = evalItems(n);
    const prompts = items.map((i) => i.prompt);
    const options = { temperature: 0.7, maxNewTokens, seed: EVAL_SEED, batchSize: prompts.length };
    const key = `${this.slots.sft.step}:${n}:${maxNewTokens}`;
    if (!this.sftBaseline || this.sftBaseline.key !== key) {
      this.sftBaseline = { key, responses: await sampleResponses(this.sft ?? this.hooks.getBase(), prompts, options) };
    }
    const responses = await sampleResponses(policy, prompts, options);
    const report = goldReport(items, responses);
    return {
      'eval/win_rate': winRate(items, responses, this.sftBaseline.responses),
      'eval/gold_score': report.gold_score,
      'eval/hedge_rate': hedgeRate(report),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Reset, save, restore

  async reset(cmd: ResetCommand): Promise<void> {
    if (this.running?.stage === cmd.stage) await this.stopRun();
    await this.lock.run(async () => {
      const slot = this.slots[cmd.stage];
      slot.trainer?.dispose();
      this.slots[cmd.stage] = emptySlot();
      switch (cmd.stage) {
        case 'base':
          break; // the pretrained weights stay as the base; only the run's progress is forgotten
        case 'sft':
          this.sft?.dispose();
          this.sft = null;
          this.sftBaseline = null;
          break;
        case 'reward':
          this.rm?.dispose();
          this.rm = null;
          this.rmCalibrated = false;
          break;
        case 'ppo':
          for (const m of [this.policy, this.ref, this.value]) m?.dispose();
          this.policy = this.ref = this.value = null;
          break;
      }
      await deleteCheckpoint(CHECKPOINT_NAMES[cmd.stage]).catch(() => undefined);
    });
    this.postState(cmd.stage);
  }

  private modelOfStage(stage: StageName): GPT | null {
    if (stage === 'base') return this.hooks.getBase();
    if (stage === 'sft') return this.sft;
    if (stage === 'reward') return this.rm;
    return this.policy;
  }

  private async saveStage(stage: StageName): Promise<void> {
    const model = this.modelOfStage(stage);
    if (!model) return;
    const slot = this.slots[stage];
    const bytes = await serializeCheckpoint(model, {
      stage: META_STAGE[stage],
      step: slot.step,
      target: slot.target,
      state: slot.state,
      round: this.round,
      calibrated: stage === 'reward' ? this.rmCalibrated : undefined,
    });
    await saveCheckpoint(CHECKPOINT_NAMES[stage], bytes);
  }

  /**
   * Installs a parsed checkpoint as a stage's model (restore, or an uploaded stage checkpoint) and
   * returns the step it was saved at. Refuses (changing nothing) when it does not fit the base's shape.
   */
  private install(stage: StageName, parsed: ParsedCheckpoint): number {
    const base = this.hooks.getBase();
    const model = GPT.create(base.config as GPTConfig, 0);
    try {
      applyCheckpoint(model, parsed);
    } catch (err) {
      model.dispose();
      throw err;
    }
    const meta = parsed.meta as Record<string, unknown>;
    const step = typeof meta.step === 'number' ? meta.step : 0;
    const target = typeof meta.target === 'number' ? meta.target : step;
    if (stage === 'base') {
      this.hooks.setBase(model);
      base.dispose();
    } else if (stage === 'sft') {
      this.sft?.dispose();
      this.sft = model;
    } else if (stage === 'reward') {
      this.rm?.dispose();
      this.rm = model;
      this.rmCalibrated = meta.calibrated === true;
    } else {
      this.policy?.dispose();
      this.policy = model;
      if (typeof meta.round === 'number') this.round = meta.round;
    }
    const slot = this.slots[stage];
    slot.trainer?.dispose();
    // A checkpoint holds a trained model: 'paused' only when it stopped short of its target.
    Object.assign(slot, emptySlot(), { step, target, state: step > 0 && step < target ? 'paused' : 'done' });
    return step;
  }

  /** PPO's frozen reference and value model restart from the current SFT and reward models. */
  private refreshPpoHelpers(): void {
    if (!this.policy) return;
    this.ref?.dispose();
    this.value?.dispose();
    this.ref = (this.sft ?? this.hooks.getBase()).clone();
    this.value = this.rm ? this.rm.clone() : null;
    this.slots.ppo.trainer?.dispose();
    this.slots.ppo.trainer = null;
  }

  /** An uploaded checkpoint saved from a stage becomes that stage's model; null for base checkpoints. */
  async adopt(parsed: ParsedCheckpoint): Promise<StageName | null> {
    const byMeta: Record<string, StageName> = { sft: 'sft', rm: 'reward', policy: 'ppo' };
    const stage = byMeta[parsed.meta.stage];
    // Only a checkpoint of the base's shape can be a stage of this pipeline; another shape
    // replaces the base model (and with it the whole pipeline, see onBaseReshaped).
    if (!stage || configDifference(parsed.config, this.hooks.getBase().config) !== null) return null;
    this.install(stage, parsed);
    this.refreshPpoHelpers();
    this.postState(stage);
    return stage;
  }

  /**
   * The base model was replaced by one of another shape: the stage models (and their trainers)
   * no longer fit it, so they are dropped here (their IndexedDB checkpoints stay). Call under the lock.
   */
  onBaseReshaped(): void {
    if (this.running) this.running.stop = true;
    for (const stage of ['sft', 'reward', 'ppo'] as const) {
      this.slots[stage].trainer?.dispose();
      this.slots[stage] = emptySlot();
    }
    for (const m of [this.sft, this.rm, this.policy, this.ref, this.value]) m?.dispose();
    this.sft = this.rm = this.policy = this.ref = this.value = null;
    this.sftBaseline = null;
    this.rmCalibrated = false;
    for (const stage of ['sft', 'reward', 'ppo'] as const) this.postState(stage);
  }

  async restore(cmd: RestoreCommand): Promise<RestoredEvent> {
    await this.stopRun();
    const restored: { stage: StageName; step: number }[] = [];
    await this.lock.run(async () => {
      for (const stage of cmd.stages) {
        const bytes = await loadCheckpoint(CHECKPOINT_NAMES[stage]);
        if (!bytes) continue;
        restored.push({ stage, step: this.install(stage, parseCheckpoint(bytes)) });
      }
      this.refreshPpoHelpers();
    });
    for (const r of restored) this.postState(r.stage);
    return { type: 'restored', requestId: cmd.requestId, stages: restored };
  }

  // -------------------------------------------------------------------------------------------
  // Sampling, ranking, evaluation

  async sample(cmd: SampleCommand): Promise<SamplesEvent> {
    return this.lock.run(async () => {
      const rows: JudgedText[][] = [];
      for (const key of cmd.models) {
        const model = this.modelFor(key);
        const maxNewTokens = Math.max(1, Math.min(cmd.maxNewTokens, model.config.contextLength - 60));
        const texts = await sampleResponses(model, cmd.prompts, {
          temperature: cmd.temperature,
          maxNewTokens,
          seed: cmd.seed >>> 0,
          batchSize: Math.max(1, cmd.prompts.length),
        });
        let rewards: number[] | null = null;
        if (this.rm) {
          rewards = await scoreWithModel(
            this.rm,
            cmd.prompts.map(encodePrompt),
            texts.map(encodeResponse),
            Math.max(1, cmd.prompts.length),
            this.rm.config.contextLength,
          );
        }
        rows.push(texts.map((t, i) => ({ ...judged(cmd.prompts[i], t), ...(rewards ? { reward: rewards[i] } : {}) })));
      }
      return { type: 'samples', requestId: cmd.requestId, prompts: cmd.prompts, models: cmd.models, rows };
    });
  }

  async rank(cmd: RankCommand): Promise<RankSamplesEvent> {
    return this.lock.run(async () => {
      const { model, name } = this.currentModel();
      const [responses] = await sampleK(model, [cmd.prompt], {
        k: cmd.k,
        temperature: cmd.temperature,
        maxNewTokens: cmd.maxNewTokens,
        seed: cmd.seed >>> 0,
        promptsPerBatch: 1,
      });
      return { type: 'rankSamples', requestId: cmd.requestId, responses, model: name };
    });
  }

  async autoRank(cmd: AutoRankCommand): Promise<SimulatedRankingsEvent> {
    return this.lock.run(async () => {
      const { model, name } = this.currentModel();
      const pool = trainPrompts(cmd.seed >>> 0, Math.max(cmd.n, 1));
      const rankings: Ranking[] = await collectSimulatedRankings(model, pool.slice(0, cmd.n), {
        k: cmd.k,
        temperature: cmd.temperature,
        maxNewTokens: cmd.maxNewTokens,
        seed: cmd.seed >>> 0,
        round: cmd.round,
        modelName: name,
        promptsPerBatch: Math.max(1, Math.min(cmd.n, Math.floor(32 / cmd.k))),
      });
      return { type: 'simulatedRankings', requestId: cmd.requestId, rankings };
    });
  }

  async evaluate(cmd: EvaluateCommand): Promise<EvaluationEvent> {
    return this.lock.run(async () => {
      const rm = this.rm;
      if (!rm) throw new PipelineError('There is no reward model to evaluate yet: train it first.');
      const rankings = cmd.rankings.filter((r) => r.responses.length >= 2);
      const { train, heldout } = stableSplit(rankings, (r) => r.id, HELDOUT_FRACTION);
      const L = Math.min(rm.config.contextLength, this.shapes.maxLength);
      let heldoutAccuracy = Number.NaN;
      let heldoutPairs = 0;
      if (heldout.length > 0) {
        const tokens = heldout.map(tokenRankingFrom);
        const maxResponses = Math.max(...tokens.map((r) => r.responses.length));
        const evaluator = new RewardTrainer(rm, tokens, { batchSize: 4, maxResponses, maxLength: L });
        try {
          const m = await evaluator.evaluate(tokens);
          heldoutAccuracy = m['eval/accuracy'];
          heldoutPairs = m['eval/pairs'];
        } finally {
          evaluator.dispose();
        }
      }
      // Gold agreement over the held-out rankings (all of them while none is held out).
      const pool = (heldout.length > 0 ? heldout : rankings).map((r) => ({ r, item: parsePrompt(r.prompt) })).filter((x) => x.item !== null);
      const rewards = await scoreAnswerGroups(rm, pool.map((x) => x.r), Math.max(...pool.map((x) => x.r.responses.length), 1), L);
      const gold = goldScores(
        pool.map((x) => x.item as PromptItem),
        pool.map((x) => x.r.responses),
      );
      const agreement = pairwiseAgreement(rewards, gold);
      return {
        type: 'evaluation',
        requestId: cmd.requestId,
        heldoutAccuracy,
        heldoutPairs,
        goldAgreement: agreement.accuracy,
        goldPairs: agreement.pairs,
        trainRankings: train.length,
        heldoutRankings: heldout.length,
      };
    });
  }
}
