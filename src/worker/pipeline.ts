// The worker's side of the program: a thin adapter over lib's RlhfSession (the same object
// runPipeline drives in the CLI). It creates the run, steps it one unit at a time under `lock`,
// stops between steps when paused, reports each step to the page, and saves the run at every
// phase boundary so a reload can continue it. It has no training rules of its own; pretraining a
// new base model from scratch (the base card) is the one trainer outside the program.
//
// Concurrency: the worker's message queue hands `train` here and moves on; the loop below runs
// detached, one step at a time under `lock`, so sampling/ranking/saving commands interleave
// between steps and `pause` (handled outside the queue) takes effect after the current step.
import { GPT, type GPTConfig } from '../lib/model';
import { PretrainTrainer, TrainingError, packWindows, scoreWithModel } from '../lib/train';
import {
  PHASES,
  RlhfSession,
  bestOfNAnswers,
  SettingsError,
  sampleK,
  type Phase,
  type PipelineSettings,
  type SessionPosition,
  type SessionSnapshot,
  type SessionStep,
} from '../lib/rlhf';
import { judge, parsePrompt, pretrainCorpus, type PromptItem } from '../lib/world';
import { encodePrompt, encodeResponse } from '../lib/world/format';
import { BOS, EOS, decode, encode } from '../lib/tokenizer';
import { sampleResponses } from '../lib/eval';
import { applyCheckpoint, parseCheckpoint, serializeCheckpoint } from '../lib/io/checkpoint';
import { deleteCheckpoint, loadCheckpoint, loadProgramState, saveCheckpoint, saveProgramState } from '../lib/io/store-idb';
import type { Ranking } from '../lib/io/rankings';
import { Lock, Throttle } from './lock';
import {
  MODEL_LABELS,
  PTX_PREFIX,
  type AnsweringModel,
  type AutoRankCommand,
  type MetricPoint,
  type ModelName,
  type ProgramEvent,
  type ProgramStage,
  type RankCommand,
  type RankSamplesEvent,
  type ResetCommand,
  type RestoreCommand,
  type RestoredEvent,
  type SampleCommand,
  type SamplesEvent,
  type SimulatedRankingsEvent,
  type StageName,
  type StageState,
  type TrainCommand,
  type WorkerEvent,
  type JudgedText,
} from './protocol';

/** An error whose message is already written for the user. */
export class PipelineError extends Error {}

export interface PipelineHooks {
  post(event: WorkerEvent): void;
  /** The base model (the shipped checkpoint, an upload, or a fresh init). */
  getBase(): GPT;
  /** Replaces the base: a fresh model to pretrain, or the shipped one back (reloadShippedBase's). */
  setBase(model: GPT, source: 'pretrain' | 'shipped'): void;
  /** The shipped base model again (Reset on the base card), or null when none ships. */
  reloadShippedBase(): Promise<GPT | null>;
  /** True once the GPU device is gone. */
  lost(): boolean;
  errorMessage(err: unknown): string;
}

/** The card each phase belongs to ('summary' is the PPO card's final evaluation). */
const CARD_OF_PHASE: Record<Phase, StageName | null> = { base: 'sft', sft: 'sft', rankings: 'reward', reward: 'reward', ppo: 'ppo', ptx: 'ppo', summary: 'ppo', done: null };
const PROGRAM_CARDS = ['sft', 'reward', 'ppo'] as const;
/** IndexedDB names of the saved run's models (the session's names for them). */
const RUN_MODELS = ['sft', 'rm', 'policy', 'value', 'ptxPolicy', 'ptxValue'] as const;
/** The stage each saved model's checkpoint says it is of (value models are scalar-headed like the reward model). */
const CHECKPOINT_STAGE: Record<(typeof RUN_MODELS)[number], string> = { sft: 'sft', rm: 'rm', policy: 'policy', value: 'rm', ptxPolicy: 'policy-ptx', ptxValue: 'rm' };

/**
 * Lets queued messages in between two steps. A step's tf work resolves its promises as microtasks,
 * so without a macrotask turn a 'pause' message would wait until the whole stage ended.
 */
const yieldToMessages = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

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

/** A card's state from where the run is (running: the card whose run loop is going). */
export function cardState(
  card: (typeof PROGRAM_CARDS)[number],
  position: SessionPosition | null,
  running: StageName | null,
  finished: { step: number; target: number } | undefined,
): { state: StageState; step: number; target: number } {
  if (!position) return { state: running === card ? 'training' : 'not-started', step: 0, target: 0 };
  const order: readonly Phase[] = PHASES;
  const at = order.indexOf(position.phase);
  const first = ({ sft: 'base', reward: 'rankings', ppo: 'ppo' } as const)[card];
  const last = ({ sft: 'sft', reward: 'reward', ppo: 'summary' } as const)[card];
  // Done: the steps its phase ran (unknown after a restore: 0 of 0).
  if (at > order.indexOf(last)) return { state: 'done', step: finished?.step ?? 0, target: finished?.target ?? 0 };
  if (at < order.indexOf(first)) return { state: 'not-started', step: 0, target: 0 };
  const step = position.phase === 'base' || position.phase === 'rankings' ? 0 : position.step;
  const target = position.phase === 'base' || position.phase === 'rankings' ? 0 : position.total;
  if (running === card) return { state: 'training', step, target };
  const begun = !(position.phase === first && position.step === 0);
  return { state: begun ? 'paused' : 'not-started', step, target };
}

export class Pipeline {
  private readonly lock = new Lock();
  private session: RlhfSession | null = null;
  private running: { stage: StageName; stop: boolean } | null = null;
  private loop: Promise<void> = Promise.resolve();
  private readonly stepMs: Record<StageName, number[]> = { base: [], sft: [], reward: [], ppo: [] };
  /** Steps charted per card, over every round (so round 1 extends round 0's curve). */
  private readonly charted: Record<StageName, number> = { base: 0, sft: 0, reward: 0, ppo: 0 };
  /** PPO-ptx iterations charted: it runs as many as PPO each round, so its points share PPO's steps. */
  private chartedPtx = 0;
  /** The steps each card's training phase ran when it last ended (this round). */
  private finished: Partial<Record<StageName, { step: number; target: number }>> = {};
  /** Pretraining from scratch (the base card): not part of the measured program. */
  private pretrain: { trainer: PretrainTrainer; step: number; target: number; key: string } | null = null;

  constructor(private readonly hooks: PipelineHooks) {}

  /** The model answering as `name`; a stage not trained yet falls back to the one before it. */
  modelFor(name: ModelName): GPT {
    return this.session ? this.session.modelFor(name) : this.hooks.getBase();
  }

  /** Which model answers as `name` (see RlhfSession.answering); the base before a run exists. */
  answeringAs(name: AnsweringModel): AnsweringModel {
    return this.session ? (this.session.answering(name) as AnsweringModel) : 'base';
  }

  /** The model saved as `name`, only once it is a model of its own (not the one it starts from). */
  checkpointModel(name: ModelName): GPT {
    const exists = name === 'base' || (name === 'rm' ? this.session?.rewardModel : this.session?.answering(name) === name);
    if (!exists) throw new PipelineError(`There is no ${MODEL_LABELS[name]} yet: train it first.`);
    return this.modelFor(name);
  }

  withLock<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.lock.run(fn);
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  pause(): void {
    if (this.running) this.running.stop = true;
  }

  /**
   * A person's rankings, taken by the run at once (no lock: adding is synchronous, and a phase
   * that trains on rankings fixed its set when it began). Each carries the round it was made for.
   */
  addHumanRankings(rankings: readonly Ranking[]): void {
    if (!this.session) return;
    const added = this.session.addRankings(rankings.filter((r) => r.source === 'human'));
    if (added.length > 0) this.postAll();
  }

  private async stopRun(): Promise<void> {
    this.pause();
    await this.loop;
  }

  // -------------------------------------------------------------------------------------------
  // Reporting

  private postProgram(): void {
    const s = this.session;
    const event: ProgramEvent = {
      type: 'program',
      position: s ? s.position() : null,
      rankingRound: s ? s.rankingRound : 0,
      summary: s?.summary ?? null,
      locked: s ? Object.fromEntries(s.lockedSettings()) : {},
      ptxPolicy: s?.hasPtxPolicy ?? false,
    };
    this.hooks.post(event);
  }

  private postCard(stage: StageName, message?: string): void {
    const running = this.running?.stage ?? null;
    const recent = this.stepMs[stage];
    const msPerStep = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined;
    const s =
      stage === 'base'
        ? this.pretrain
          ? { state: (running === 'base' ? 'training' : this.pretrain.step >= this.pretrain.target ? 'done' : 'paused') as StageState, step: this.pretrain.step, target: this.pretrain.target }
          : { state: (running === 'base' ? 'training' : 'not-started') as StageState, step: 0, target: 0 }
        : cardState(stage, this.session?.position() ?? null, running, this.finished[stage]);
    this.hooks.post({ type: 'stageState', stage, ...s, msPerStep, ...(message ? { message } : {}) });
  }

  private postAll(message?: { stage: StageName; text: string }): void {
    for (const stage of ['base', ...PROGRAM_CARDS] as const) this.postCard(stage, message?.stage === stage ? message.text : undefined);
    this.postProgram();
  }

  // -------------------------------------------------------------------------------------------
  // Training

  async train(cmd: TrainCommand): Promise<void> {
    await this.stopRun();
    if (cmd.stage === 'base') {
      await this.trainBase(cmd);
      return;
    }
    const card: StageName = cmd.stage === 'all' ? this.currentCard() : cmd.stage;
    try {
      await this.lock.run(() => this.prepare(cmd.stage, cmd.settings, cmd.humanRankings));
    } catch (err) {
      // Could not start (an impossible setting, an earlier stage not done, ...): the card says why.
      this.postCard(card, this.hooks.errorMessage(err));
      return;
    }
    this.loop = this.runProgram(cmd.stage, cmd.mode);
  }

  /** The card of the phase the run is in (SFT before any run). */
  private currentCard(): StageName {
    const phase = this.session?.position().phase ?? 'base';
    return CARD_OF_PHASE[phase] ?? 'ppo';
  }

  private async prepare(stage: ProgramStage, settings: PipelineSettings, humanRankings: readonly Ranking[]): Promise<void> {
    if (!this.session) this.session = new RlhfSession(this.hooks.getBase(), settings);
    else this.session.updateSettings(settings);
    this.session.addRankings(humanRankings.filter((r) => r.source === 'human'));
    if (stage === 'all') return;
    const phase = this.session.position().phase;
    const card = CARD_OF_PHASE[phase];
    if (card === stage) return;
    if (phase === 'done') throw new PipelineError('The run is finished: start the next round to go on.');
    const names = { sft: 'SFT', reward: 'the reward model', ppo: 'PPO' } as const;
    const order = ['sft', 'reward', 'ppo'];
    if (card && order.indexOf(card) < order.indexOf(stage)) throw new PipelineError(`Finish ${names[card as keyof typeof names]} first.`);
    throw new PipelineError(`${names[stage]} is done for this round.`);
  }

  private async runProgram(stage: ProgramStage, mode: 'run' | 'step'): Promise<void> {
    const session = this.session as RlhfSession;
    const card = stage === 'all' ? this.currentCard() : stage;
    const run = { stage: card, stop: false };
    this.running = run;
    this.postAll();
    const metricsThrottle = new Throttle(300);
    const stateThrottle = new Throttle(250);
    const buffers = new Map<StageName, MetricPoint[]>();
    const flush = (force: boolean): void => {
      if (!metricsThrottle.ready(force)) return;
      for (const [s, points] of buffers) if (points.length > 0) this.hooks.post({ type: 'metrics', stage: s, points });
      buffers.clear();
    };
    let message: string | undefined;
    let uncounted = 0;
    try {
      while (!run.stop && !session.done) {
        await yieldToMessages();
        if (run.stop) break;
        if (this.hooks.lost()) throw new PipelineError('The GPU device was lost; reload the page to start again.');
        const phaseCard = CARD_OF_PHASE[session.position().phase] as StageName;
        if (stage !== 'all' && phaseCard !== stage) break;
        run.stage = phaseCard;
        const started = performance.now();
        const result = await this.lock.run(() => session.step());
        // A progress report (an evaluation part-way) counts toward the step it belongs to.
        uncounted += performance.now() - started;
        if (result.metrics || result.phaseEnded) {
          const times = this.stepMs[phaseCard];
          times.push(uncounted);
          if (times.length > 10) times.shift();
          uncounted = 0;
        }
        this.report(phaseCard, result, buffers);
        if (result.phaseEnded && (result.phase === 'sft' || result.phase === 'reward' || result.phase === 'ppo')) this.finished[phaseCard] = { step: result.step, target: result.total };
        flush(false);
        if (result.phaseEnded) {
          await this.lock.run(() => this.saveRunOrWarn());
          this.postAll();
        } else if (stateThrottle.ready()) this.postCard(phaseCard);
        if (mode === 'step') break;
      }
    } catch (err) {
      message =
        err instanceof TrainingError
          ? `Training paused: ${err.message}. The weights are as before that step; a stage's learning rate is fixed once it begins, so to lower it, reset the run.`
          : err instanceof SettingsError
            ? this.hooks.errorMessage(err)
            : `Training paused: ${this.hooks.errorMessage(err)}`;
    }
    flush(true);
    const stoppedAt = run.stage;
    if (this.running === run) this.running = null;
    this.postAll(message ? { stage: stoppedAt, text: message } : undefined);
  }

  /** One step's events: metrics for the charts, new rankings, the reward model's report, samples. */
  private report(card: StageName, result: SessionStep, buffers: Map<StageName, MetricPoint[]>): void {
    const values: Record<string, number> = { ...(result.metrics ?? {}) };
    if (result.eval) Object.assign(values, { 'eval/win_rate': result.eval['eval/win_rate'], 'eval/gold_score': result.eval['eval/gold_score'], 'eval/hedge_rate': result.eval['eval/hedge_rate'] });
    if (result.metrics) {
      // PPO-ptx's points go on PPO's charts as their own lines: the same names under 'ptx/'.
      const ptx = result.phase === 'ptx';
      const step = ptx ? ++this.chartedPtx : ++this.charted[card];
      const named = ptx ? Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PTX_PREFIX}${k}`, v])) : values;
      buffers.set(card, [...(buffers.get(card) ?? []), { step, values: { ...named, round: result.round } }]);
    }
    if (result.rankings && result.rankings.length > 0) {
      const event: SimulatedRankingsEvent = { type: 'simulatedRankings', rankings: result.rankings };
      this.hooks.post(event);
    }
    if (result.rewardModel) this.hooks.post({ type: 'rewardModel', report: result.rewardModel });
    if (result.phase === 'ppo') this.postPpoSamples();
  }

  private postPpoSamples(): void {
    const samples = this.session?.lastPpoSamples;
    if (!samples) return;
    const rows = samples.prompts.slice(0, 4).map((ids, i) => {
      const prompt = promptFromIds(ids);
      const response = decode(samples.responses[i].filter((t) => t !== EOS));
      return { prompt, response, reward: samples.rawScores[i], gold: judged(prompt, response).gold };
    });
    this.hooks.post({ type: 'ppoSamples', step: this.charted.ppo, rows });
  }

  /** A finished run goes on by one round. */
  async nextRound(): Promise<number> {
    await this.stopRun();
    return this.lock.run(() => {
      const session = this.session;
      if (!session) throw new PipelineError('There is no run yet: start SFT first.');
      if (!session.done) throw new PipelineError('The run has rounds left: train the reward model of the next round.');
      session.extendRounds(1);
      this.postAll();
      return session.position().round;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Pretraining from scratch (the base card)

  private async trainBase(cmd: Extract<TrainCommand, { stage: 'base' }>): Promise<void> {
    const s = cmd.settings;
    try {
      await this.lock.run(() => {
        const L = this.hooks.getBase().config.contextLength;
        const key = JSON.stringify({ lr: s.learningRate, b: s.batchSize });
        if (this.pretrain && this.pretrain.key === key) return;
        if (!this.pretrain) {
          // A fresh model of the base's shape replaces the base; the run on the old base ends.
          this.endRun();
          const old = this.hooks.getBase();
          this.hooks.setBase(GPT.create(old.config as GPTConfig, cmd.seed >>> 0), 'pretrain');
          old.dispose();
        }
        const step = this.pretrain?.step ?? 0;
        this.pretrain?.trainer.dispose();
        const docs = pretrainCorpus(cmd.seed >>> 0, 4000);
        const tokens = docs.flatMap((d) => [BOS, ...encode(d), EOS]);
        const trainer = new PretrainTrainer(this.hooks.getBase(), packWindows(tokens, L), { learningRate: s.learningRate, batchSize: s.batchSize, maxLength: L, seed: cmd.seed >>> 0 });
        this.pretrain = { trainer, step, target: step, key };
      });
    } catch (err) {
      this.postCard('base', this.hooks.errorMessage(err));
      return;
    }
    this.postAll();
    const p = this.pretrain!;
    // A finished target is not extended silently: Start on a done card trains `steps` more.
    p.target = cmd.mode === 'step' ? p.step + 1 : p.step >= p.target ? p.step + Math.max(1, Math.round(s.steps)) : p.target;
    this.loop = this.runPretrain(cmd.mode);
  }

  private async runPretrain(mode: 'run' | 'step'): Promise<void> {
    const p = this.pretrain!;
    const run = { stage: 'base' as StageName, stop: false };
    this.running = run;
    this.postCard('base');
    let message: string | undefined;
    const points: MetricPoint[] = [];
    try {
      while (!run.stop && p.step < p.target) {
        await yieldToMessages();
        if (run.stop) break;
        const started = performance.now();
        const values = await this.lock.run(() => p.trainer.step());
        p.step++;
        this.stepMs.base.push(performance.now() - started);
        if (this.stepMs.base.length > 10) this.stepMs.base.shift();
        points.push({ step: p.step, values: { ...values } });
        if (points.length >= 5 || p.step >= p.target) this.hooks.post({ type: 'metrics', stage: 'base', points: points.splice(0) });
        this.postCard('base');
        if (mode === 'step') break;
      }
      if (points.length > 0) this.hooks.post({ type: 'metrics', stage: 'base', points });
      await this.lock.run(async () => saveCheckpoint('base', await serializeCheckpoint(this.hooks.getBase(), { stage: 'pretrain', step: p.step })));
    } catch (err) {
      message = `Training paused: ${this.hooks.errorMessage(err)}`;
    }
    if (this.running === run) this.running = null;
    this.postCard('base', message);
  }

  // -------------------------------------------------------------------------------------------
  // Reset, save, restore

  /** Ends the run (its models and saved state go; rankings stay with the page). Call under the lock. */
  private endRun(): void {
    this.session?.dispose();
    this.session = null;
    this.charted.sft = this.charted.reward = this.charted.ppo = this.chartedPtx = 0;
    this.finished = {};
    void Promise.all([...RUN_MODELS.map((n) => deleteCheckpoint(n)), saveProgramState(null)]).catch(() => undefined);
  }

  async reset(cmd: ResetCommand): Promise<void> {
    await this.stopRun();
    await this.lock.run(async () => {
      if (cmd.stage === 'base') {
        // The shipped base comes back; a run on the pretrained one ends with it.
        const shipped = await this.hooks.reloadShippedBase();
        this.pretrain?.trainer.dispose();
        this.pretrain = null;
        await deleteCheckpoint('base').catch(() => undefined);
        if (shipped) {
          this.endRun();
          const old = this.hooks.getBase();
          this.hooks.setBase(shipped, 'shipped');
          old.dispose();
        }
        return;
      }
      this.endRun();
    });
    this.postAll();
  }

  /** The base model was replaced (an upload): the run on the old base ends. Call under the lock. */
  onBaseReplaced(): void {
    if (this.running) this.running.stop = true;
    this.endRun();
    this.postAll();
  }

  private saveWarned = false;

  /** Saving is a convenience: a browser without storage (private mode) trains on, told once. */
  private async saveRunOrWarn(): Promise<void> {
    try {
      await this.saveRun();
    } catch (err) {
      if (this.saveWarned) return;
      this.saveWarned = true;
      this.hooks.post({ type: 'error', fatal: false, message: `The run could not be saved in this browser (${this.hooks.errorMessage(err)}); it goes on, but a reload will not resume it.` });
    }
  }

  /** Saves the run at a phase boundary: its state and the models it needs. Call under the lock. */
  private async saveRun(): Promise<void> {
    const session = this.session;
    if (!session || !session.atBoundary || this.hooks.lost()) return;
    const { state, models } = session.snapshot();
    for (const name of RUN_MODELS) {
      const model = models[name];
      if (model) await saveCheckpoint(name, await serializeCheckpoint(model, { stage: CHECKPOINT_STAGE[name], round: state.round, phase: state.phase }));
    }
    await saveProgramState(state);
  }

  async restore(cmd: RestoreCommand): Promise<RestoredEvent> {
    await this.stopRun();
    const outcome = await this.lock.run(async (): Promise<{ position: SessionPosition | null; reason?: string }> => {
      const state = (await loadProgramState()) as SessionSnapshot | null;
      if (!state) return { position: null, reason: 'no saved run was found' };
      const base = this.hooks.getBase();
      const models: Record<string, GPT | null> = {};
      try {
        for (const name of RUN_MODELS) {
          const bytes = await loadCheckpoint(name);
          if (!bytes) {
            models[name] = null;
            continue;
          }
          const model = GPT.create(base.config as GPTConfig, 0);
          try {
            applyCheckpoint(model, parseCheckpoint(bytes));
          } catch (err) {
            model.dispose();
            throw err;
          }
          models[name] = model;
        }
        const session = RlhfSession.restore(base, state, models as Record<(typeof RUN_MODELS)[number], GPT | null>);
        this.session?.dispose();
        this.session = session;
        return { position: session.position() };
      } catch (err) {
        return { position: null, reason: this.hooks.errorMessage(err) };
      } finally {
        for (const m of Object.values(models)) m?.dispose();
      }
    });
    this.postAll();
    return { type: 'restored', requestId: cmd.requestId, ...outcome };
  }

  // -------------------------------------------------------------------------------------------
  // Sampling and ranking

  async sample(cmd: SampleCommand): Promise<SamplesEvent> {
    return this.lock.run(async () => {
      const rows: JudgedText[][] = [];
      const rm = this.session?.rewardModel ?? null;
      const longestPrompt = Math.max(...cmd.prompts.map((p) => encodePrompt(p).length));
      const tokensFor = (model: GPT): number => Math.max(1, Math.min(cmd.maxNewTokens, model.config.contextLength - longestPrompt));
      for (const key of cmd.models) {
        const model = this.modelFor(key as AnsweringModel);
        const maxNewTokens = tokensFor(model);
        const texts = await sampleResponses(model, cmd.prompts, { temperature: cmd.temperature, maxNewTokens, seed: cmd.seed >>> 0, batchSize: Math.max(1, cmd.prompts.length) });
        const rewards = rm
          ? await scoreWithModel(rm, cmd.prompts.map(encodePrompt), texts.map(encodeResponse), Math.max(1, cmd.prompts.length), rm.config.contextLength)
          : null;
        rows.push(texts.map((t, i) => ({ ...judged(cmd.prompts[i], t), ...(rewards ? { reward: rewards[i] } : {}) })));
      }
      const n = cmd.bestOfN ?? 0;
      if (n < 2 || !rm) return { type: 'samples', requestId: cmd.requestId, prompts: cmd.prompts, models: cmd.models, rows };
      const sft = this.modelFor('sft');
      // A seed of its own: the n draws are fresh answers, not SFT's column above and n - 1 more.
      const best = await bestOfNAnswers(sft, rm, cmd.prompts, { n, temperature: cmd.temperature, maxNewTokens: tokensFor(sft), seed: (cmd.seed + 7919) >>> 0 });
      const row = best.texts.map((t, i) => ({ ...judged(cmd.prompts[i], t), reward: best.rewards[i] }));
      return { type: 'samples', requestId: cmd.requestId, prompts: cmd.prompts, models: cmd.models, rows, bestOfN: { n, row } };
    });
  }

  /** The run's current model (base before a run exists). */
  private current(): { model: GPT; name: string } {
    return this.session ? this.session.currentModel() : { model: this.hooks.getBase(), name: 'base' };
  }

  async rank(cmd: RankCommand): Promise<RankSamplesEvent> {
    return this.lock.run(async () => {
      const { model, name } = this.current();
      const s = cmd.settings;
      const room = model.config.contextLength - encodePrompt(cmd.prompt).length;
      if (s.responseLength > room) {
        throw new PipelineError(`The response length must be at most ${room} tokens for this prompt (the model reads ${model.config.contextLength}); it is ${s.responseLength}.`);
      }
      const [responses] = await sampleK(model, [cmd.prompt], { k: s.k, temperature: s.samplingTemperature, maxNewTokens: s.responseLength, seed: cmd.seed >>> 0, promptsPerBatch: 1 });
      return { type: 'rankSamples', requestId: cmd.requestId, responses, model: name };
    });
  }

  async autoRank(cmd: AutoRankCommand): Promise<SimulatedRankingsEvent> {
    return this.lock.run(async () => {
      if (!this.session) this.session = new RlhfSession(this.hooks.getBase(), cmd.settings);
      else this.session.updateSettings(cmd.settings);
      const rankings = await this.session.collectRankings(cmd.n);
      this.postAll();
      return { type: 'simulatedRankings', requestId: cmd.requestId, rankings };
    });
  }
}
