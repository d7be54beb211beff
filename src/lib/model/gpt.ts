// The GPT: pre-LayerNorm transformer blocks (nanoGPT layout), learned position embeddings,
// lm head tied to the token embedding, plus a scalar head (reward / value) on the final hidden
// state. Everything is a few large ops per layer; see ops.ts for why the gradients are custom.
//
// Weight names (stable: checkpoints and other modules use them):
//   wte [V,D], wpe [C,D],
//   h{i}.ln1.g/b [D], h{i}.attn.qkv.w [D,3D] (columns: q | k | v, heads contiguous inside each),
//   h{i}.attn.qkv.b [3D], h{i}.attn.proj.w [D,D], h{i}.attn.proj.b [D], h{i}.ln2.g/b [D],
//   h{i}.mlp.fc.w [D,4D], h{i}.mlp.fc.b [4D], h{i}.mlp.proj.w [4D,D], h{i}.mlp.proj.b [D],
//   lnf.g/b [D], scalar.w [D,1], scalar.b [1].
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { type GPTConfig, validateConfig, weightShapes } from './config';
import { type AttentionImpl, attention, tidy, defaultAttentionImpl, embed, gelu, installWasmFastSlice, layerNorm, linear, splitHeads, tiedHead } from './ops';
import { onWebGpu } from './kernels/program';
import { webGpuDecode, writeKv } from './kernels/decode';

/** Added to attention scores a query must not see (not -Infinity: NaN-free on every backend). */
export const MASK_NEGATIVE = -1e9;

let modelCounter = 0;

/** Per-layer keys (transposed, [B,H,hd,T]) and values ([B,H,T,hd]), for the KV cache. */
export interface LayerKV {
  kT: tf.Tensor4D;
  v: tf.Tensor4D;
}

export interface ForwardOptions {
  /** Also return each layer's keys and values (prefill of the KV cache). */
  collectKV?: boolean;
  /** Override the attention implementation (tests compare both). */
  attentionImpl?: AttentionImpl;
}

export class GPT {
  readonly config: GPTConfig;
  readonly weights: ReadonlyMap<string, tf.Variable>;
  private readonly order: string[];

  private constructor(config: GPTConfig, values: Map<string, tf.Tensor>) {
    this.config = { ...config };
    const id = modelCounter++;
    const weights = new Map<string, tf.Variable>();
    for (const [name, value] of values) weights.set(name, tf.variable(value, true, `gpt${id}/${name}`));
    this.weights = weights;
    this.order = [...weights.keys()];
  }

  /** GPT-2 init: weights N(0, 0.02), residual projections N(0, 0.02/sqrt(2*nLayer)), biases 0, LN 1/0. */
  static create(config: GPTConfig, seed: number): GPT {
    const problems = validateConfig(config);
    if (problems.length > 0) throw new Error(`invalid GPT config: ${problems.join('; ')}`);
    const rng = createRng(seed);
    const values = new Map<string, tf.Tensor>();
    const residualStd = 0.02 / Math.sqrt(2 * config.nLayer);
    for (const [name, shape] of weightShapes(config)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      const last = name.slice(name.lastIndexOf('.') + 1);
      if (name.endsWith('.g')) data.fill(1);
      else if (name === 'wte' || name === 'wpe' || last === 'w') {
        const std = name.endsWith('attn.proj.w') || name.endsWith('mlp.proj.w') ? residualStd : 0.02;
        for (let i = 0; i < size; i++) data[i] = std * rng.normal();
      }
      values.set(name, tf.tensor(data, shape, 'float32'));
    }
    const model = new GPT(config, values);
    tf.dispose([...values.values()]);
    return model;
  }

  /** A model with the given weights (same names and shapes as create makes); copies them. */
  static fromWeights(config: GPTConfig, weights: ReadonlyMap<string, tf.Tensor>): GPT {
    const problems = validateConfig(config);
    if (problems.length > 0) throw new Error(`invalid GPT config: ${problems.join('; ')}`);
    const values = new Map<string, tf.Tensor>();
    for (const [name, shape] of weightShapes(config)) {
      const w = weights.get(name);
      if (w === undefined) throw new Error(`missing weight ${name}`);
      if (!tf.util.arraysEqual(w.shape, shape)) throw new Error(`weight ${name} has shape [${w.shape}], expected [${shape}]`);
      values.set(name, w);
    }
    return new GPT(config, values);
  }

  private w(name: string): tf.Variable {
    const v = this.weights.get(name);
    if (v === undefined) throw new Error(`no weight ${name}`);
    return v;
  }

  /**
   * ids int32 [B,T]; mask float32 [B,T] (1 real, 0 padding; default all ones). Positions are
   * cumsum(mask)-1, so left and right padding both work; no query attends to a padding key.
   */
  forward(ids: tf.Tensor2D, mask?: tf.Tensor2D): { logits: tf.Tensor3D; hidden: tf.Tensor3D } {
    const { logits, hidden } = this.forwardWith(ids, mask, {});
    return { logits, hidden };
  }

  /** forward, with the extra outputs of ForwardOptions. */
  forwardWith(
    ids: tf.Tensor2D,
    mask: tf.Tensor2D | undefined,
    options: ForwardOptions,
  ): { logits: tf.Tensor3D; hidden: tf.Tensor3D; kv: LayerKV[] } {
    const [B, T] = ids.shape;
    const { vocabSize: V, dModel: D, nHead: H, contextLength: C, nLayer } = this.config;
    if (T > C) throw new Error(`sequence length ${T} exceeds contextLength ${C}`);
    installWasmFastSlice();
    const impl = options.attentionImpl ?? defaultAttentionImpl();
    return tidy(() => {
      const tok = embed(tf.reshape(ids, [B * T]), this.w('wte') as tf.Tensor2D);
      let pos: tf.Tensor2D;
      let bias: tf.Tensor4D;
      const r = tf.range(0, T, 1, 'int32');
      const causal = tf.cast(tf.greaterEqual(r.reshape([T, 1]), r.reshape([1, T])), 'float32').reshape([1, 1, T, T]);
      if (mask === undefined) {
        pos = tf.tile(tf.slice(this.w('wpe') as tf.Tensor2D, [0, 0], [T, D]), [B, 1]);
        bias = tf.mul(tf.sub(1, causal), MASK_NEGATIVE) as tf.Tensor4D;
      } else {
        const posIds = tf.maximum(tf.sub(tf.cumsum(mask, 1), 1), 0).toInt();
        pos = embed(tf.reshape(posIds, [B * T]), this.w('wpe') as tf.Tensor2D);
        const allowed = tf.mul(causal, tf.reshape(mask, [B, 1, 1, T]));
        bias = tf.mul(tf.sub(1, allowed), MASK_NEGATIVE) as tf.Tensor4D;
      }
      let x = tf.add(tok, pos) as tf.Tensor2D; // residual stream [B*T, D]
      const kv: LayerKV[] = [];
      for (let i = 0; i < nLayer; i++) {
        const p = `h${i}.`;
        const h1 = layerNorm(x, this.w(`${p}ln1.g`) as tf.Tensor1D, this.w(`${p}ln1.b`) as tf.Tensor1D);
        const qkv = linear(h1, this.w(`${p}attn.qkv.w`) as tf.Tensor2D, this.w(`${p}attn.qkv.b`) as tf.Tensor1D);
        if (options.collectKV) {
          const [, k, v] = splitHeads(qkv, B, H);
          kv.push({ kT: tf.transpose(k, [0, 1, 3, 2]), v });
        }
        const att = attention(qkv, bias, B, H, impl);
        x = tf.add(x, linear(att, this.w(`${p}attn.proj.w`) as tf.Tensor2D, this.w(`${p}attn.proj.b`) as tf.Tensor1D));
        const h2 = layerNorm(x, this.w(`${p}ln2.g`) as tf.Tensor1D, this.w(`${p}ln2.b`) as tf.Tensor1D);
        const fc = gelu(linear(h2, this.w(`${p}mlp.fc.w`) as tf.Tensor2D, this.w(`${p}mlp.fc.b`) as tf.Tensor1D));
        x = tf.add(x, linear(fc, this.w(`${p}mlp.proj.w`) as tf.Tensor2D, this.w(`${p}mlp.proj.b`) as tf.Tensor1D));
      }
      const hidden2d = layerNorm(x, this.w('lnf.g') as tf.Tensor1D, this.w('lnf.b') as tf.Tensor1D);
      const logits2d = tiedHead(hidden2d, this.w('wte') as tf.Tensor2D);
      return {
        logits: tf.reshape(logits2d, [B, T, V]) as tf.Tensor3D,
        hidden: tf.reshape(hidden2d, [B, T, D]) as tf.Tensor3D,
        kv,
      };
    });
  }

  /**
   * One decoding step with a KV cache of fixed length L: tokens [B] int32 at sequence index t
   * (same for every row), positions [B] int32 (position ids), keyMask [B,L] (1 for keys that
   * exist: real prompt tokens and generated ones). Writes this step's keys and values into
   * `cache` at index t (in place; on a backend that cannot, by swapping in new tensors and
   * disposing the old) and returns the next-token logits [B,V]. `headT` is decodingHead()'s
   * result, made once per generation (null: the head is read from wte each step).
   */
  decodeStep(tokens: tf.Tensor1D, positions: tf.Tensor1D, t: number, cache: LayerKV[], keyMask: tf.Tensor2D, headT: tf.Tensor2D | null = null): tf.Tensor2D {
    const B = tokens.shape[0];
    const { dModel: D, nHead: H, nLayer } = this.config;
    const hd = D / H;
    const L = keyMask.shape[1];
    const fused = onWebGpu();
    return tidy(() => {
      let x = fused
        ? webGpuDecode.embed(tokens, positions, this.w('wte') as tf.Tensor2D, this.w('wpe') as tf.Tensor2D)
        : (tf.add(tf.gather(this.w('wte'), tokens), tf.gather(this.w('wpe'), positions)) as tf.Tensor2D); // no gradient here: gather is 4x faster than oneHot x table on wasm
      // The composite path's additive mask: keys that exist and are not after t (the fused
      // kernel applies keyMask and t itself).
      const seen = fused ? null : tf.cast(tf.lessEqual(tf.range(0, L, 1, 'int32'), t), 'float32');
      const maskBias = seen && (tf.reshape(tf.mul(tf.sub(1, tf.mul(keyMask, seen)), MASK_NEGATIVE), [B, 1, 1, L]) as tf.Tensor4D);
      for (let i = 0; i < nLayer; i++) {
        const p = `h${i}.`;
        const h1 = layerNorm(x, this.w(`${p}ln1.g`) as tf.Tensor1D, this.w(`${p}ln1.b`) as tf.Tensor1D);
        const qkv = linear(h1, this.w(`${p}attn.qkv.w`) as tf.Tensor2D, this.w(`${p}attn.qkv.b`) as tf.Tensor1D);
        cache[i] = writeKv(cache[i], qkv, t);
        const { kT, v } = cache[i];
        let o: tf.Tensor2D;
        if (fused) o = webGpuDecode.attention(qkv, kT, v, keyMask, t, MASK_NEGATIVE);
        else {
          // [B,3D] columns are q|k|v with heads contiguous: a plain reshape gives q's head layout.
          const q = tf.mul(tf.reshape(tf.slice(qkv, [0, 0], [B, D]), [B, H, 1, hd]), 1 / Math.sqrt(hd)) as tf.Tensor4D;
          const probs = tf.softmax(tf.add(tf.matMul(q, kT), maskBias as tf.Tensor4D)) as tf.Tensor4D; // [B,H,1,L]
          o = tf.reshape(tf.matMul(probs, v), [B, D]) as tf.Tensor2D;
        }
        x = tf.add(x, linear(o, this.w(`${p}attn.proj.w`) as tf.Tensor2D, this.w(`${p}attn.proj.b`) as tf.Tensor1D));
        const h2 = layerNorm(x, this.w(`${p}ln2.g`) as tf.Tensor1D, this.w(`${p}ln2.b`) as tf.Tensor1D);
        const fc = gelu(linear(h2, this.w(`${p}mlp.fc.w`) as tf.Tensor2D, this.w(`${p}mlp.fc.b`) as tf.Tensor1D));
        x = tf.add(x, linear(fc, this.w(`${p}mlp.proj.w`) as tf.Tensor2D, this.w(`${p}mlp.proj.b`) as tf.Tensor1D));
      }
      const hidden = layerNorm(x, this.w('lnf.g') as tf.Tensor1D, this.w('lnf.b') as tf.Tensor1D);
      return headT ? tf.matMul(hidden, headT) : tiedHead(hidden, this.w('wte') as tf.Tensor2D);
    });
  }

  /**
   * The tied lm head as [D, V] for decoding, or null where tiedHead reads wte transposed at no
   * cost (WebGPU). On wasm, transposing wte at every step took 0.3 ms of a 4.5 ms step (16 rows).
   * The caller disposes it; it is stale once the weights change.
   */
  decodingHead(): tf.Tensor2D | null {
    return onWebGpu() ? null : tf.transpose(this.w('wte') as tf.Tensor2D);
  }

  /** Scalar head at every position: [B,T,D] -> [B,T]. */
  scalar(hidden: tf.Tensor3D): tf.Tensor2D {
    const [B, T, D] = hidden.shape;
    return tf.tidy(() =>
      tf.reshape(linear(tf.reshape(hidden, [B * T, D]), this.w('scalar.w') as tf.Tensor2D, this.w('scalar.b') as tf.Tensor1D), [B, T]),
    );
  }

  /** Scalar head read at positions[b] of each row [B] (one-hot mask, differentiable). */
  scalarAt(hidden: tf.Tensor3D, positions: tf.Tensor1D): tf.Tensor1D {
    const T = hidden.shape[1];
    return tf.tidy(() => tf.sum(tf.mul(this.scalar(hidden), tf.oneHot(tf.cast(positions, 'int32'), T)), 1) as tf.Tensor1D);
  }

  /**
   * [B,T-1] log p(ids[:,t+1] | ids[:,:t+1]) and the entropy of that next-token distribution,
   * plus the hidden states [B,T,D] (for a value head on the same pass).
   */
  tokenLogProbs(ids: tf.Tensor2D, mask?: tf.Tensor2D): { logProbs: tf.Tensor2D; entropy: tf.Tensor2D; hidden: tf.Tensor3D } {
    const [B, T] = ids.shape;
    const V = this.config.vocabSize;
    return tf.tidy(() => {
      const { logits, hidden } = this.forward(ids, mask);
      const logp = tf.logSoftmax(tf.slice(logits, [0, 0, 0], [B, T - 1, V]));
      const targets = tf.oneHot(tf.slice(ids, [0, 1], [B, T - 1]), V);
      const logProbs = tf.sum(tf.mul(logp, targets), -1) as tf.Tensor2D;
      const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D;
      return { logProbs, entropy, hidden };
    });
  }

  /** All weights, in a stable order (for optimizers). */
  trainableVariables(): tf.Variable[] {
    return this.order.map((name) => this.w(name));
  }

  /** Deep copy of the weights (a frozen reference model, a value model from the reward model). */
  clone(): GPT {
    return GPT.fromWeights(this.config, this.weights);
  }

  /** Copies another model's weights into this one, in place. */
  assignFrom(other: GPT): void {
    for (const key of ['vocabSize', 'contextLength', 'nLayer', 'nHead', 'dModel'] as const) {
      if (other.config[key] !== this.config[key]) throw new Error(`assignFrom: ${key} differs (${other.config[key]} vs ${this.config[key]})`);
    }
    for (const [name, v] of this.weights) v.assign(other.w(name));
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
  }
}

/**
 * Weighted mean next-token cross-entropy. logits [B,T,V]; targets [B,T] int32 (targets[b,t] is
 * the token that should follow position t); weights [B,T] (0 ignores a position).
 */
export function crossEntropyLoss(logits: tf.Tensor3D, targets: tf.Tensor2D, weights: tf.Tensor2D): tf.Scalar {
  const V = logits.shape[2];
  return tf.tidy(() => {
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.cast(targets, 'int32'), V)), -1));
    return tf.div(tf.sum(tf.mul(nll, weights)), tf.maximum(tf.sum(weights), 1e-9)) as tf.Scalar;
  });
}

