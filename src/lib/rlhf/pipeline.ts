// The whole InstructGPT loop, headless: base -> SFT (early-stopped on held-out demonstrations) ->
// rounds of [rankings by the simulated labeler on the current model's samples -> reward model on
// all rankings so far -> PPO from the current policy]. The CLI (scripts/pipeline.ts) and the
// tests run this; the page drives the same trainers step by step through the worker.
import * as tf from '@tensorflow/tfjs';
import type { GPT } from '../model';
import { createRng } from '../random';
import { encode } from '../tokenizer';
import { encodePrompt, encodeResponse } from '../world/format';
import { demonstrations, heldoutPrompts, pretrainCorpus, trainPrompts } from '../world';
import type { Family, PromptItem } from '../world/types';
import { EarlyStopping, PpoTrainer, RewardTrainer, SftTrainer, type Metrics } from '../train';
import { goldReport, goldScores, hedgeRate, pairwiseAgreement, sampleResponses, winRate } from '../eval';
import type { Ranking } from '../io/rankings';
import { collectSimulatedRankings, sampleK } from './collect';
import { sftExamplesFrom, stableSplit, tokenRankingFrom } from './data';
import { goldRewardFn } from './gold-reward';
import { scoreAnswerGroups } from './score';
import type { PipelineSettings } from './presets';

export interface StageScores {
  win_rate_vs_sft: number;
  gold_score: number;
  /** Gold score per prompt family: where a stage gains or loses. */
  by_family: Partial<Record<Family, number>>;
  /** Answers to answerable prompts that say "i do not know" or decline (see eval's hedgeRate). */
  hedge_rate: number;
}

export interface EvalPoint {
  round: number;
  iteration: number;
  'objective/scores': number;
  'objective/kl': number;
  'eval/win_rate': number;
  'eval/gold_score': number;
}

export interface PipelineSummary {
  base: StageScores;
  sft: StageScores & { steps: number; heldout_loss: number };
  ppo: StageScores & { kl: number; iterations: number };
  /**
   * gold_agreement: the RM orders fresh samples as gold does, over pairs whose gold scores differ;
   * clear_*: only pairs at least CLEAR_GAP apart (a near-tie is a coin flip for the labeler too).
   */
  rm: { heldout_accuracy: number; gold_agreement: number; pairs: number; gold_agreement_clear: number; clear_pairs: number; rankings: number };
  labeler_agreement_on_sft: number;
  eval_history: EvalPoint[];
  wall_seconds: number;
  settings: PipelineSettings;
}

export interface PipelineHooks {
  /** Every logged step: one line of the metrics log. */
  onLog?: (record: Record<string, number | string>) => void;
  onProgress?: (stage: string, done: number, total: number, detail?: string) => void;
  /** The trained models, once, before they are disposed (e.g. to save them as checkpoints). */
  onModels?: (models: { sft: GPT; rm: GPT; policy: GPT }) => Promise<void>;
}

const EVAL_TEMPERATURE = 0.7;
/** Gold-score gap of a "clear" pair: the simulated labeler orders it right at least 60% of the time. */
export const CLEAR_GAP = 0.1;
const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Runs the pipeline on `base` (left untouched); returns the summary. Caller owns tf's backend. */
export async function runPipeline(base: GPT, settings: PipelineSettings, hooks: PipelineHooks = {}): Promise<PipelineSummary> {
  const started = Date.now();
  const log = (record: Record<string, number | string>): void => hooks.onLog?.(record);
  const progress = hooks.onProgress ?? (() => undefined);
  const seed = settings.seed;

  // Each held-out prompt is answered evalSamples times: one sample per prompt moves a 120-prompt
  // win rate by about 0.03 from seed to seed, more than the effects being measured.
  const evalPrompts = settings.evalPrompts === null ? heldoutPrompts() : spreadFamilies(heldoutPrompts(), settings.evalPrompts);
  const evalSubset = Array.from({ length: settings.evalSamples }, () => evalPrompts).flat();
  const evaluate = async (model: GPT, evalSeed: number): Promise<string[]> =>
    sampleResponses(model, evalSubset.map((i) => i.prompt), { temperature: EVAL_TEMPERATURE, maxNewTokens: settings.responseLength, seed: evalSeed, batchSize: 40 });

  // Shapes: every prompt in the pools fits promptLength; sequences fit seqLength.
  const promptPool = trainPrompts(seed, 3000);
  const promptLength = roundUp(Math.max(...[...promptPool, ...heldoutPrompts()].map((i) => encodePrompt(i.prompt).length)), 8);
  const seqLength = Math.min(base.config.contextLength, roundUp(promptLength + settings.responseLength + 1, 8));

  // --- base
  progress('base', 0, 1, 'evaluating the base model');
  const baseResponses = await evaluate(base, seed + 11);

  // --- SFT, trained until held-out loss stops improving
  const sft = base.clone();
  const demos = demonstrations(seed).map((d) => ({ prompt: d.item.prompt, response: d.response }));
  const demoSplit = stableSplit(demos, (d) => d.prompt, 0.1);
  const sftTrainer = new SftTrainer(sft, sftExamplesFrom(demoSplit.train), {
    batchSize: settings.sftBatchSize,
    learningRate: settings.sftLearningRate,
    maxLength: seqLength,
    seed,
  });
  const heldoutExamples = sftExamplesFrom(demoSplit.heldout);
  const stopper = new EarlyStopping(settings.sftPatience, 1e-3);
  const best = sft.clone();
  let sftSteps = 0;
  for (let step = 1; step <= settings.sftMaxSteps; step++) {
    const m = await sftTrainer.step();
    sftSteps = step;
    log({ stage: 'sft', step, ...m });
    if (step % settings.sftEvalEvery === 0) {
      const heldoutLoss = (await sftTrainer.evaluate(heldoutExamples))['eval/loss'];
      log({ stage: 'sft', step, 'eval/loss': heldoutLoss });
      if (stopper.update(heldoutLoss, step)) best.assignFrom(sft);
      if (stopper.shouldStop) break;
    }
    progress('sft', step, settings.sftMaxSteps, `loss ${m.loss.toFixed(3)} best held-out ${stopper.best.toFixed(3)}`);
  }
  sft.assignFrom(best);
  best.dispose();
  sftTrainer.dispose();
  progress('sft', settings.sftMaxSteps, settings.sftMaxSteps, `stopped at step ${sftSteps}, best held-out loss ${stopper.best.toFixed(3)} at step ${stopper.bestStep}`);
  const sftResponses = await evaluate(sft, seed + 12);
  // Centred on SFT's own gold score, as the reward model is centred on demonstrations.
  const goldReward = settings.reward === 'gold' ? goldRewardFn(promptPool, goldReport(evalSubset, sftResponses).gold_score) : null;

  // --- rounds of rankings -> RM -> PPO
  const rm = sft.clone();
  const policy = sft.clone();
  const value = sft.clone();
  const rankings: Ranking[] = [];
  const calibrationDemos = demoSplit.train.map((d) => ({ prompt: encodePrompt(d.prompt), response: encodeResponse(d.response) }));
  const rmConfig = { batchSize: settings.rmBatchSize, learningRate: settings.rmLearningRate, maxResponses: settings.k, maxLength: seqLength, seed };
  let rmTrainer: RewardTrainer | null = null;
  const corpus = pretrainCorpus(seed + 99, 4000).map((d) => encode(d, { bos: true, eos: true }));
  const ptxRng = createRng(seed + 5);
  let ppo: PpoTrainer | null = null;
  const history: EvalPoint[] = [];
  let lastKl = 0;
  let rmAccuracy = Number.NaN;
  let goldAgreement = { accuracy: Number.NaN, pairs: 0, clearAccuracy: Number.NaN, clearPairs: 0 };
  let labelerAgreement = Number.NaN;
  let iterationsDone = 0;

  for (let round = 0; round < settings.rounds; round++) {
    const source = round === 0 ? sft : policy;
    const modelName = round === 0 ? 'sft' : `policy@r${round}`;
    progress(`rankings r${round}`, 0, settings.rankingsPerRound, `sampling ${settings.k} answers per prompt from ${modelName}`);
    const items = trainPrompts(seed * 7919 + round, settings.rankingsPerRound);
    const collected = await collectSimulatedRankings(source, items, {
      k: settings.k,
      temperature: settings.samplingTemperature,
      maxNewTokens: settings.responseLength,
      seed: seed * 31 + round,
      round,
      modelName,
      labelerTemperature: settings.labelerTemperature,
      labelerTieGap: settings.labelerTieGap,
    });
    rankings.push(...collected);
    if (round === 0) labelerAgreement = labelerGoldAgreement(items, collected);
    progress(`rankings r${round}`, settings.rankingsPerRound, settings.rankingsPerRound, `${rankings.length} rankings so far`);

    // Reward model: retrained on every ranking so far, held-out accuracy on a stable split.
    const split = stableSplit(rankings, (r) => r.prompt, 0.1);
    const rmTrain = split.train.map(tokenRankingFrom);
    if (rmTrainer) rmTrainer.setRankings(rmTrain);
    else rmTrainer = new RewardTrainer(rm, rmTrain, rmConfig);
    const trainer = rmTrainer;
    const rmSteps = Math.max(1, Math.ceil((settings.rmEpochs * split.train.length) / settings.rmBatchSize));
    for (let step = 1; step <= rmSteps; step++) {
      const m = await trainer.step();
      log({ stage: 'rm', round, step, ...m });
      progress(`reward model r${round}`, step, rmSteps, `loss ${m.loss.toFixed(3)} acc ${m.accuracy.toFixed(2)}`);
    }
    await trainer.calibrate(calibrationDemos);
    rmAccuracy = (await trainer.evaluate(split.heldout.map(tokenRankingFrom)))['eval/accuracy'];
    goldAgreement = await rewardGoldAgreement(rm, source, spreadFamilies(heldoutPrompts(), 60), settings, seed + round, seqLength);
    log({ stage: 'rm', round, 'eval/accuracy': rmAccuracy, 'eval/gold_agreement': goldAgreement.accuracy, 'eval/gold_agreement_clear': goldAgreement.clearAccuracy });

    // PPO from the current policy; the value model starts from the reward model in round 0.
    if (round === 0) value.assignFrom(rm);
    ppo?.dispose();
    ppo = new PpoTrainer(
      { policy, ref: sft, value },
      {
        rewardFn: goldReward ?? ((prompts, responses) => trainer.score(prompts, responses)),
        prompts: promptPool.map((i) => encodePrompt(i.prompt)),
        ptxBatch: settings.ptxCoef > 0 ? () => Array.from({ length: 16 }, () => corpus[ptxRng.int(corpus.length)].slice(0, 64)) : undefined,
      },
      {
        batchSize: settings.ppoBatchSize,
        learningRate: settings.ppoLearningRate,
        ppoEpochs: settings.ppoEpochs,
        promptLength,
        responseLength: settings.responseLength,
        temperature: settings.samplingTemperature,
        klCoef: settings.beta,
        adaptiveKl: settings.klTarget === null ? null : { target: settings.klTarget, horizon: 10_000 },
        ptxCoef: settings.ptxCoef,
        seed: seed * 101 + round,
      },
    );
    let last: Metrics = {};
    for (let it = 1; it <= settings.ppoIterations; it++) {
      last = await ppo.step();
      iterationsDone++;
      lastKl = last['objective/kl'];
      log({ stage: 'ppo', round, iteration: iterationsDone, ...last });
      if (it % settings.evalEvery === 0 || it === settings.ppoIterations) {
        const responses = await evaluate(policy, seed + 13);
        const point: EvalPoint = {
          round,
          iteration: iterationsDone,
          'objective/scores': last['objective/scores'],
          'objective/kl': last['objective/kl'],
          'eval/win_rate': winRate(evalSubset, responses, sftResponses),
          'eval/gold_score': goldReport(evalSubset, responses).gold_score,
        };
        history.push(point);
        log({ stage: 'eval', ...point });
      }
      progress(`ppo r${round}`, it, settings.ppoIterations, `score ${last['objective/scores'].toFixed(2)} kl ${last['objective/kl'].toFixed(2)}`);
    }
  }

  const policyResponses = await evaluate(policy, seed + 14);
  const scores = (responses: string[]): StageScores => {
    const report = goldReport(evalSubset, responses);
    const byFamily = Object.fromEntries(Object.entries(report.by_family).map(([family, stats]) => [family, stats.gold_score]));
    return {
      win_rate_vs_sft: winRate(evalSubset, responses, sftResponses),
      gold_score: report.gold_score,
      by_family: byFamily,
      hedge_rate: hedgeRate(report),
    };
  };
  const summary: PipelineSummary = {
    base: scores(baseResponses),
    sft: { ...scores(sftResponses), steps: sftSteps, heldout_loss: stopper.best },
    ppo: {
      ...scores(policyResponses),
      kl: lastKl,
      iterations: iterationsDone,
    },
    rm: {
      heldout_accuracy: rmAccuracy,
      gold_agreement: goldAgreement.accuracy,
      pairs: goldAgreement.pairs,
      gold_agreement_clear: goldAgreement.clearAccuracy,
      clear_pairs: goldAgreement.clearPairs,
      rankings: rankings.length,
    },
    labeler_agreement_on_sft: labelerAgreement,
    eval_history: history,
    wall_seconds: (Date.now() - started) / 1000,
    settings,
  };
  await hooks.onModels?.({ sft, rm, policy });
  ppo?.dispose();
  rmTrainer?.dispose();
  tf.dispose([sft, rm, policy, value].flatMap((m) => [...m.weights.values()]));
  return summary;
}

/** The first n items taking families in turn, so a small evaluation still covers every family. */
export function spreadFamilies(items: readonly PromptItem[], n: number): PromptItem[] {
  const byFamily = new Map<string, PromptItem[]>();
  for (const item of items) byFamily.set(item.family, [...(byFamily.get(item.family) ?? []), item]);
  const queues = [...byFamily.values()];
  const out: PromptItem[] = [];
  for (let i = 0; out.length < Math.min(n, items.length); i++) {
    const q = queues[i % queues.length];
    const next = q.shift();
    if (next) out.push(next);
  }
  return out;
}

/** How often the simulated labeler's order agrees with gold on these rankings (pairs with distinct gold). */
function labelerGoldAgreement(items: readonly PromptItem[], rankings: readonly Ranking[]): number {
  const gold = goldScores(items, rankings.map((r) => r.responses));
  // The labeler's order as pseudo-rewards: a higher rank gets a higher number.
  const ranks = rankings.map((r) => {
    const score = new Array<number>(r.responses.length).fill(0);
    r.order.forEach((tier, position) => tier.forEach((index) => (score[index] = -position)));
    return score;
  });
  return pairwiseAgreement(ranks, gold).accuracy;
}

/** Reward model vs gold on fresh samples for held-out prompts (pairs whose gold scores differ). */
async function rewardGoldAgreement(
  rm: GPT,
  model: GPT,
  items: readonly PromptItem[],
  settings: PipelineSettings,
  seed: number,
  length: number,
): Promise<{ accuracy: number; pairs: number; clearAccuracy: number; clearPairs: number }> {
  const answers = await sampleK(model, items.map((i) => i.prompt), { k: settings.k, temperature: settings.samplingTemperature, maxNewTokens: settings.responseLength, seed });
  const rewards = await scoreAnswerGroups(rm, items.map((item, i) => ({ prompt: item.prompt, responses: answers[i] })), settings.rmBatchSize * settings.k, length);
  const gold = goldScores(items, answers);
  const clear = pairwiseAgreement(rewards, gold, CLEAR_GAP);
  return { ...pairwiseAgreement(rewards, gold), clearAccuracy: clear.accuracy, clearPairs: clear.pairs };
}
