// Model benchmark: training step speed and MFU, sampling speed with and without the KV cache,
// one PPO iteration at the default pipeline settings, kernel counts, peak memory, and on WebGPU
// the GPU program dispatches of each (what bounds a model this small on a real GPU).
//   npm run bench -- [--backend cpu|wasm|webgpu] [--batch 16] [--seq 64] [--steps 5] [--gen-tokens 32] [--json FILE]
// MFU = (3 * flopsPerToken * tokens / step time) / (this backend's own 1024^3 matMul rate).
// The train step is the trainers' own (guardedStep: Adam, global-norm clipping, NaN guard).
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, GPT, crossEntropyLoss, flopsPerToken, generate, generateRecompute, paramCount } from '../src/lib/model';
import { createAdam, guardedStep } from '../src/lib/train';
import { PpoTrainer } from '../src/lib/train/ppo';
import { DEFAULT_SETTINGS } from '../src/lib/rlhf/settings';
import { countDispatches } from './lib/gpu-dispatches';
import { createRng } from '../src/lib/random';
import { BOS } from '../src/lib/tokenizer';
import { UsageError, parseChoice, parsePositiveInt, runCli, writeJsonFile } from './lib/cli';
import { initNodeBackend } from '../src/lib/backend-node';
import { isSoftwareRenderer } from '../src/lib/backend';

type NodeBackendName = 'cpu' | 'wasm' | 'webgpu';

interface BenchResult {
  backend: string;
  params: number;
  batch: number;
  seq_len: number;
  train_step_ms: number;
  train_tokens_per_s: number;
  matmul_gflops: number;
  train_mfu: number;
  gen_new_tokens: number;
  gen_tokens_per_s_kv: number;
  /** null on a software GPU (skipped: minutes there, and meaningless). */
  gen_tokens_per_s_recompute: number | null;
  gen_kv_speedup: number | null;
  kernels_per_train_step: number;
  kernels_per_token: number;
  /** Most tensor bytes alive at once during one train step (forward, backward, Adam). */
  peak_bytes_train_step: number;
  /** One PPO iteration (rollouts, scoring passes, the updates) at the default pipeline settings;
   *  on a software GPU the first one, shader compilation included. */
  ppo_iteration_ms: number;
  /** WebGPU only (null elsewhere): GPU program dispatches. */
  gpu_dispatches_per_train_step: number | null;
  gpu_dispatches_per_token: number | null;
  gpu_dispatches_per_ppo_iteration: number | null;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt(fn: () => Promise<void>, warmup: number, reps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The backend's large matMul rate in GFLOP/s (1024^3, result read back to include sync). */
async function matmulGflops(): Promise<number> {
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const ms = await timeIt(async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  }, 2, 5);
  tf.dispose([a, b]);
  return (2 * n ** 3) / (ms * 1e6);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      batch: { type: 'string' },
      seq: { type: 'string' },
      steps: { type: 'string' },
      'gen-tokens': { type: 'string' },
      json: { type: 'string' },
    },
  });
  const backend = parseChoice<NodeBackendName>('backend', values.backend, ['cpu', 'wasm', 'webgpu'], 'wasm');
  const B = parsePositiveInt('batch', values.batch, 16);
  const T = parsePositiveInt('seq', values.seq, DEFAULT_CONFIG.contextLength);
  // cpu, and webgpu on a software GPU (SwiftShader, where CI runs it), are slow: fewer repetitions.
  const steps = parsePositiveInt('steps', values.steps, backend === 'wasm' ? 5 : 2);
  // Half the context: a prompt of the other half, as long as the longest world prompt and more.
  const genNew = parsePositiveInt('gen-tokens', values['gen-tokens'], Math.floor(DEFAULT_CONFIG.contextLength / 2));
  const config = DEFAULT_CONFIG;
  if (T > config.contextLength) throw new UsageError(`--seq must be <= ${config.contextLength}`);
  if (genNew >= config.contextLength) throw new UsageError(`--gen-tokens must be < ${config.contextLength}`);
  await initNodeBackend(backend);
  process.stderr.write(`backend ${tf.getBackend()}, batch ${B} x ${T}\n`);

  const model = GPT.create(config, 1);
  const rng = createRng(7);
  const rows = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => 4 + rng.int(config.vocabSize - 4)));
  const ids = tf.tensor2d(rows.map((r) => r.slice(0, T)), [B, T], 'int32');
  const targets = tf.tensor2d(rows.map((r) => r.slice(1)), [B, T], 'int32');
  const weights = tf.ones([B, T]) as tf.Tensor2D;
  const optimizer = createAdam({ learningRate: 3e-4, adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8 });
  const vars = model.trainableVariables();
  const trainStep = async (): Promise<void> => {
    await guardedStep({
      optimizer,
      variables: vars,
      lossFn: () => ({ loss: crossEntropyLoss(model.forward(ids).logits, targets, weights), metrics: [] }),
      metricNames: [],
      maxGradNorm: 1,
      stage: 'bench',
      step: 0,
    });
  };
  const onWebGpu = backend === 'webgpu';
  // On a software GPU (SwiftShader, as in CI) times mean little and cost minutes: the bench then
  // skips warm-ups and the no-cache baseline, and keeps what does not depend on the machine.
  const adapter = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  const softwareGpu = onWebGpu && isSoftwareRenderer(`${adapter?.vendor ?? ''} ${adapter?.architecture ?? ''}`);
  if (softwareGpu) process.stderr.write(`software GPU (${adapter?.architecture}): no warm-ups, no recompute baseline\n`);
  const dispatchesOf = async (fn: () => Promise<unknown>): Promise<number | null> => (onWebGpu ? (await countDispatches(fn)).dispatches : null);

  const matmul = await matmulGflops();
  process.stderr.write(`matmul 1024^3: ${matmul.toFixed(1)} GFLOP/s\n`);
  const stepMs = await timeIt(trainStep, softwareGpu ? 1 : 2, steps);
  const tokensPerStep = B * T;
  const trainFlops = 3 * flopsPerToken(config, T) * tokensPerStep;
  const trainMfu = trainFlops / (stepMs / 1000) / (matmul * 1e9);
  process.stderr.write(`train step: ${stepMs.toFixed(0)} ms\n`);

  const trainProfile = await tf.profile(trainStep);
  const kernelsPerTrainStep = trainProfile.kernels.length;
  // The most tensor bytes alive at any kernel of the step, weights and Adam's moments included.
  const peakBytesTrainStep = trainProfile.peakBytes;

  // Sampling: prompts fill the context up to contextLength - genNew, then genNew new tokens.
  // (Room for the 6-token runs that count kernels per token, however few --gen-tokens asks for.)
  const promptLen = config.contextLength - Math.max(genNew, 6);
  const prompts = Array.from({ length: B }, () => [BOS, ...Array.from({ length: promptLen - 1 }, () => 4 + rng.int(config.vocabSize - 4))]);
  const sampleOptions = { maxNewTokens: genNew, temperature: 1, seed: 3, stopAtEos: false };
  const kvMs = await timeIt(async () => void (await generate(model, prompts, sampleOptions)), softwareGpu ? 0 : 1, backend === 'wasm' ? 3 : 1);
  process.stderr.write(`generate (kv): ${kvMs.toFixed(0)} ms\n`);
  const recomputeMs = softwareGpu ? null : await timeIt(async () => void (await generateRecompute(model, prompts, sampleOptions)), backend === 'cpu' ? 0 : 1, 1);
  if (recomputeMs !== null) process.stderr.write(`generate (recompute): ${recomputeMs.toFixed(0)} ms\n`);
  // Kernels per decoding step: the difference between two generation lengths (prefill cancels).
  const kernelsFor = async (n: number): Promise<number> =>
    (await tf.profile(async () => void (await generate(model, prompts, { ...sampleOptions, maxNewTokens: n })))).kernels.length;
  const kernelsPerToken = ((await kernelsFor(6)) - (await kernelsFor(2))) / 4;
  const dispatchesFor = async (n: number): Promise<number | null> =>
    dispatchesOf(() => generate(model, prompts, { ...sampleOptions, maxNewTokens: n }));
  const [d2, d6] = [await dispatchesFor(2), await dispatchesFor(6)];
  const dispatchesPerToken = d2 === null || d6 === null ? null : (d6 - d2) / 4;
  const dispatchesPerTrainStep = await dispatchesOf(trainStep);

  // One PPO iteration as the default pipeline runs it (first one warms up shaders and buffers).
  const ppo = await ppoIteration(model, rng, dispatchesOf, !softwareGpu);
  process.stderr.write(`ppo iteration: ${ppo.ms.toFixed(0)} ms\n`);

  const result: BenchResult = {
    backend: tf.getBackend(),
    params: paramCount(config),
    batch: B,
    seq_len: T,
    train_step_ms: stepMs,
    train_tokens_per_s: tokensPerStep / (stepMs / 1000),
    matmul_gflops: matmul,
    train_mfu: trainMfu,
    gen_new_tokens: genNew,
    gen_tokens_per_s_kv: (B * genNew) / (kvMs / 1000),
    gen_tokens_per_s_recompute: recomputeMs === null ? null : (B * genNew) / (recomputeMs / 1000),
    gen_kv_speedup: recomputeMs === null ? null : recomputeMs / kvMs,
    kernels_per_train_step: kernelsPerTrainStep,
    kernels_per_token: kernelsPerToken,
    peak_bytes_train_step: peakBytesTrainStep,
    ppo_iteration_ms: ppo.ms,
    gpu_dispatches_per_train_step: dispatchesPerTrainStep,
    gpu_dispatches_per_token: dispatchesPerToken,
    gpu_dispatches_per_ppo_iteration: ppo.dispatches,
  };
  const width = Math.max(...Object.keys(result).map((k) => k.length));
  for (const [key, value] of Object.entries(result)) {
    const shown = value === null ? '-' : typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(value < 10 ? 3 : 1) : String(value);
    process.stdout.write(`${key.padEnd(width)}  ${shown}\n`);
  }
  if (values.json) writeJsonFile(values.json, result);
  tf.dispose([ids, targets, weights]);
  optimizer.dispose();
  model.dispose();
}

/** Prompt and response lengths of the default pipeline (sessionShapes: prompts fit 16 tokens). */
const PPO_PROMPT_LENGTH = 16;

async function ppoIteration(
  model: GPT,
  rng: ReturnType<typeof createRng>,
  dispatchesOf: (fn: () => Promise<unknown>) => Promise<number | null>,
  warmUp: boolean,
): Promise<{ ms: number; dispatches: number | null }> {
  const s = DEFAULT_SETTINGS;
  const policy = model.clone();
  const ref = model.clone();
  const value = model.clone();
  const prompts = Array.from({ length: 64 }, () => [BOS, ...Array.from({ length: 4 + rng.int(10) }, () => 7 + rng.int(model.config.vocabSize - 7))]);
  // A reward with some spread (longer answers score higher) so the advantages are not all zero.
  const rewardFn = async (_p: number[][], responses: number[][]): Promise<number[]> => responses.map((r) => r.length / s.responseLength);
  const trainer = new PpoTrainer({ policy, ref, value }, { rewardFn, prompts }, {
    batchSize: s.ppoBatchSize,
    learningRate: s.ppoLearningRate,
    ppoEpochs: s.ppoEpochs,
    promptLength: PPO_PROMPT_LENGTH,
    responseLength: s.responseLength,
    temperature: s.samplingTemperature,
    klCoef: s.beta,
    seed: 1,
  });
  if (warmUp) await trainer.step();
  const t0 = performance.now();
  const dispatches = await dispatchesOf(() => trainer.step());
  // Off WebGPU the counted run is not made; time a plain iteration instead.
  if (dispatches === null) await trainer.step();
  const ms = performance.now() - t0;
  trainer.dispose();
  [policy, ref, value].forEach((m) => m.dispose());
  return { ms, dispatches };
}

runCli(main);
