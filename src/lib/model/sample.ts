// Batched sampling. `generate` uses a fixed-length KV cache (prefill once, then one token per
// step); `generateRecompute` runs the full forward each step (the bench baseline and a test
// oracle). On a GPU both keep tokens on the device and read back once per batch; on cpu and wasm
// the next token is picked on the host (pickOnHost), with the same tokens. Both draw the same
// Gumbel noise from the seed, so with the same model they pick the same tokens.
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../random';
import { EOS, PAD } from '../tokenizer';
import { leftPad } from './batch';
import type { GPT, LayerKV } from './gpt';
import { MASK_NEGATIVE } from './gpt';
import { tidy } from './ops';
import { onWebGpu } from './kernels/program';
import { webGpuDecode } from './kernels/decode';

export interface SampleOptions {
  maxNewTokens: number;
  /** 0 = greedy (argmax). */
  temperature: number;
  topK?: number;
  seed: number;
  /** Stop a row at its first EOS (later tokens are PAD and not returned). Default true. */
  stopAtEos?: boolean;
  /** Left-pad prompts to this length (default: the longest prompt). Fixed lengths keep WebGPU buffers reused. */
  promptLen?: number;
  /**
   * Called with each step's token per row (PAD once a row has ended), read back as it is made:
   * for showing an answer as it is written. A readback per step is slow on a GPU, so batch
   * sampling leaves this out.
   */
  onToken?: (step: number, tokens: Int32Array) => void | Promise<void>;
}

export interface SampleResult {
  /** Per prompt, the generated ids, up to and including EOS if produced. */
  responses: number[][];
  endedWithEos: boolean[];
}

interface Prepared {
  B: number;
  P: number;
  L: number;
  ids: number[][];
  mask: number[][];
  lengths: number[];
}

function prepare(model: GPT, prompts: number[][], options: SampleOptions): Prepared {
  if (prompts.length === 0) throw new Error('generate: no prompts');
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: empty prompt (start prompts with BOS)');
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) throw new Error('generate: maxNewTokens must be a positive integer');
  const P = options.promptLen ?? Math.max(...prompts.map((p) => p.length));
  const L = P + options.maxNewTokens;
  if (L > model.config.contextLength) {
    throw new Error(`generate: prompt length ${P} + ${options.maxNewTokens} new tokens exceeds contextLength ${model.config.contextLength}`);
  }
  const { ids, mask, lengths } = leftPad(prompts, P);
  return { B: prompts.length, P, L, ids, mask, lengths };
}

/**
 * Picks the next token [B] int32 from logits [B,V]: argmax at temperature 0, else Gumbel-max
 * over logits/temperature (optionally top-k), with uniform noise from `rng` (host side, so every
 * backend draws the same). Finished rows emit PAD; `done` tracks rows that produced EOS.
 */
function pick(logits: tf.Tensor2D, options: SampleOptions, rng: Rng, done: tf.Tensor1D): { token: tf.Tensor1D; done: tf.Tensor1D } {
  const [B, V] = logits.shape;
  if (hostPick.enabled && onHostBackend() && options.temperature > 0 && options.topK === undefined) return pickOnHost(logits, options, rng, done);
  const noise = new Float32Array(B * V);
  if (options.temperature > 0) {
    for (let i = 0; i < noise.length; i++) noise[i] = gumbelNoise(rng.next());
  }
  const stop = options.stopAtEos ?? true;
  if (onWebGpu() && options.topK === undefined) {
    // Two kernels: the pick (argmax over the noisy logits, PAD once done) and the done flags.
    return tf.tidy(() => {
      const token = webGpuDecode.pick(logits, tf.tensor2d(noise, [B, V]), done, options.temperature, PAD);
      return { token, done: stop ? webGpuDecode.markDone(token, done, EOS) : tf.clone(done) };
    });
  }
  return tf.tidy(() => {
    let raw: tf.Tensor1D;
    if (options.temperature <= 0) raw = tf.argMax(logits, -1) as tf.Tensor1D;
    else {
      let z = tf.div(logits, options.temperature) as tf.Tensor2D;
      if (options.topK !== undefined && options.topK > 0 && options.topK < V) {
        const kth = tf.slice(tf.topk(z, options.topK).values, [0, options.topK - 1], [B, 1]);
        z = tf.where(tf.less(z, kth), tf.fill([B, V], MASK_NEGATIVE), z);
      }
      raw = tf.argMax(tf.add(z, tf.tensor2d(noise, [B, V])), -1) as tf.Tensor1D;
    }
    const token = tf.where(tf.greater(done, 0), tf.fill([B], PAD, 'int32'), tf.cast(raw, 'int32')) as tf.Tensor1D;
    const nextDone = stop ? (tf.maximum(done, tf.cast(tf.equal(token, EOS), 'float32')) as tf.Tensor1D) : tf.clone(done);
    return { token, done: nextDone };
  });
}

/** Clamp of the uniform draws, and the largest Gumbel noise it allows, -ln(-ln(1 - 1e-7)) ~ 16.1. */
const U_MIN = 1e-12;
const U_MAX = 1 - 1e-7;
const GUMBEL_MAX = gumbelNoise(1);

/** Gumbel noise of a uniform draw (clamped), in double precision: each path rounds it to float32. */
function gumbelNoise(u: number): number {
  return -Math.log(-Math.log(Math.min(Math.max(u, U_MIN), U_MAX)));
}

/** Off for a test that compares the two paths. */
export const hostPick = { enabled: true };

/** Backends whose tensors live in host memory, where reading the logits each step costs nothing (not WebGL or WebGPU). */
const onHostBackend = (): boolean => ['cpu', 'wasm'].includes(tf.getBackend());

/**
 * `pick` on the host, for the cpu and wasm backends: the same draws and the same float32
 * arithmetic as the device path (z = logits / T, z + noise, first argmax), so the same tokens,
 * but the two logarithms of a draw's Gumbel noise are taken only where it could win: an answer
 * whose z lies more than the largest possible noise below the best z + noise so far cannot. That
 * skips most of the vocabulary; the noise took a tenth of generation's time on wasm.
 */
function pickOnHost(logits: tf.Tensor2D, options: SampleOptions, rng: Rng, done: tf.Tensor1D): { token: tf.Tensor1D; done: tf.Tensor1D } {
  const [B, V] = logits.shape;
  const values = logits.dataSync() as Float32Array;
  const finished = done.dataSync();
  const t = Math.fround(options.temperature);
  const stop = options.stopAtEos ?? true;
  const u = new Float64Array(V);
  const tokens = new Int32Array(B);
  const nextDone = new Float32Array(B);
  const gumbel = (v: number): number => Math.fround(gumbelNoise(u[v]));
  for (let b = 0; b < B; b++) {
    // Every draw is taken, in the device path's order, so later rows and steps see the same stream.
    for (let v = 0; v < V; v++) u[v] = rng.next();
    const row = b * V;
    let top = 0;
    for (let v = 1; v < V; v++) if (values[row + v] > values[row + top]) top = v;
    let best = Math.fround(Math.fround(values[row + top] / t) + gumbel(top));
    let bestIndex = top;
    for (let v = 0; v < V; v++) {
      if (v === top) continue;
      const z = Math.fround(values[row + v] / t);
      // A margin keeps the bound safe from float32 rounding; what passes it is compared exactly.
      if (z + GUMBEL_MAX < best - 1e-3) continue;
      const score = Math.fround(z + gumbel(v));
      if (score > best || (score === best && v < bestIndex)) {
        best = score;
        bestIndex = v;
      }
    }
    tokens[b] = finished[b] > 0 ? PAD : bestIndex;
    nextDone[b] = stop ? Math.max(finished[b], tokens[b] === EOS ? 1 : 0) : finished[b];
  }
  return { token: tf.tensor1d(tokens, 'int32'), done: tf.tensor1d(nextDone, 'float32') };
}

/** Turns the [B, maxNew] token matrix into per-row responses. */
function finish(tokens: Int32Array, B: number, maxNew: number, options: SampleOptions): SampleResult {
  const stop = options.stopAtEos ?? true;
  const responses: number[][] = [];
  const endedWithEos: boolean[] = [];
  for (let b = 0; b < B; b++) {
    const row = Array.from(tokens.subarray(b * maxNew, (b + 1) * maxNew));
    const eos = row.indexOf(EOS);
    responses.push(stop && eos >= 0 ? row.slice(0, eos + 1) : row);
    endedWithEos.push(eos >= 0);
  }
  return { responses, endedWithEos };
}

async function readTokens(tokens: tf.Tensor1D[], B: number, maxNew: number, options: SampleOptions): Promise<SampleResult> {
  const stacked = tf.stack(tokens, 1);
  tf.dispose(tokens);
  const data = (await stacked.data()) as Int32Array; // the one readback of the batch
  stacked.dispose();
  return finish(data, B, maxNew, options);
}

/** Batched generation with a KV cache; left-padded prompts; one readback per batch. */
export async function generate(model: GPT, prompts: number[][], options: SampleOptions): Promise<SampleResult> {
  const { B, P, L, ids, mask, lengths } = prepare(model, prompts, options);
  const maxNew = options.maxNewTokens;
  const rng = createRng(options.seed);
  const tokens: tf.Tensor1D[] = [];
  // Prefill: one forward over the prompts, keys/values copied into fixed-length [.., L] caches.
  const pre = tidy(() => {
    const idsT = tf.tensor2d(ids, [B, P], 'int32');
    const maskT = tf.tensor2d(mask, [B, P], 'float32');
    const { logits, kv } = model.forwardWith(idsT, maskT, { collectKV: true });
    const last = tf.reshape(tf.slice(logits, [0, P - 1, 0], [B, 1, logits.shape[2]]), [B, logits.shape[2]]) as tf.Tensor2D;
    const extra = L - P;
    const cache: LayerKV[] = kv.map(({ kT, v }) => ({
      kT: extra > 0 ? tf.concat([kT, tf.zeros([B, kT.shape[1], kT.shape[2], extra])], 3) : kT,
      v: extra > 0 ? tf.concat([v, tf.zeros([B, v.shape[1], extra, v.shape[3]])], 2) : v,
    }));
    const keyMask = tf.concat([maskT, tf.ones([B, extra])], 1) as tf.Tensor2D;
    return { last, cache, keyMask };
  });
  // Written in place by decodeStep: its tensors must own their memory (concat above makes them).
  const cache = pre.cache;
  let done = tf.zeros([B]) as tf.Tensor1D;
  let picked = pick(pre.last, options, rng, done);
  pre.last.dispose();
  done.dispose();
  done = picked.done;
  tokens.push(picked.token);
  if (options.onToken) await options.onToken(0, (await picked.token.data()) as Int32Array);
  const headT = model.decodingHead();
  for (let s = 0; s < maxNew - 1; s++) {
    const positions = tf.tensor1d(lengths.map((n) => n + s), 'int32');
    const logits = model.decodeStep(picked.token, positions, P + s, cache, pre.keyMask, headT);
    positions.dispose();
    picked = pick(logits, options, rng, done);
    logits.dispose();
    done.dispose();
    done = picked.done;
    tokens.push(picked.token);
    if (options.onToken) await options.onToken(s + 1, (await picked.token.data()) as Int32Array);
  }
  tf.dispose(cache.flatMap(({ kT, v }) => [kT, v]));
  tf.dispose([pre.keyMask, done, ...(headT ? [headT] : [])]);
  return readTokens(tokens, B, maxNew, options);
}

/** Same contract as generate, without a cache: the full forward over [B, P+maxNew] every step. */
export async function generateRecompute(model: GPT, prompts: number[][], options: SampleOptions): Promise<SampleResult> {
  const { B, P, L, ids, mask } = prepare(model, prompts, options);
  const maxNew = options.maxNewTokens;
  const V = model.config.vocabSize;
  const rng = createRng(options.seed);
  // Later slots hold PAD with mask 1: causality keeps them invisible, and positions come out right.
  let seq = tf.tensor2d(ids.map((row) => [...row, ...new Array<number>(maxNew).fill(PAD)]), [B, L], 'int32');
  const fullMask = tf.tensor2d(mask.map((row) => [...row, ...new Array<number>(maxNew).fill(1)]), [B, L], 'float32');
  const tokens: tf.Tensor1D[] = [];
  let done = tf.zeros([B]) as tf.Tensor1D;
  for (let s = 0; s < maxNew; s++) {
    const t = P + s;
    const last = tf.tidy(() => {
      const { logits } = model.forward(seq, fullMask);
      return tf.reshape(tf.slice(logits, [0, t - 1, 0], [B, 1, V]), [B, V]) as tf.Tensor2D;
    });
    const picked = pick(last, options, rng, done);
    last.dispose();
    done.dispose();
    done = picked.done;
    tokens.push(picked.token);
    if (s < maxNew - 1) {
      const nextSeq = tf.tidy(() => {
        const at = tf.reshape(tf.oneHot(tf.tensor1d([t], 'int32'), L), [1, L]).toBool().tile([B, 1]);
        return tf.where(at, tf.tile(tf.reshape(picked.token, [B, 1]), [1, L]), seq) as tf.Tensor2D;
      });
      seq.dispose();
      seq = nextSeq;
    }
  }
  tf.dispose([seq, fullMask, done]);
  return readTokens(tokens, B, maxNew, options);
}
