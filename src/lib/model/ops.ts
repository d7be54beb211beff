// The model's building blocks, each a few large ops with a hand-written gradient. Why custom
// gradients: TF.js's matMul gradient uses transposeA/B, which the wasm backend runs 10-25x slower
// than an explicit transpose followed by a plain matMul; autograd of LayerNorm and GELU makes
// many more kernels than the closed forms below; and the wasm backend's batched matMul (batch > 1)
// misses XNNPACK and runs at ~3 GFLOP/s, so on wasm attention loops over heads with 2-D matMuls.
// On WebGPU the same ops run as the fused kernels of ./kernels (a few dispatches each); cpu and
// wasm keep the composite ops below, so their results are unchanged.
import * as tf from '@tensorflow/tfjs';
import { onWebGpu } from './kernels/program';
import { webGpuLayerNorm } from './kernels/layer-norm';
import { webGpuGelu } from './kernels/gelu';
import { webGpuAttention } from './kernels/attention';
import { webGpuColumnSums } from './kernels/column-sums';

const onWasm = (): boolean => tf.getBackend() === 'wasm';

/** tf.tidy for results that hold tensors in typed objects (tf's TensorContainer type is too narrow). */
export function tidy<T>(f: () => T): T {
  return tf.tidy(f as unknown as () => tf.TensorContainer) as unknown as T;
}

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

/** Whether any gradient is being recorded (inside tf.grad, tf.variableGrads, an optimizer's minimize). */
function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

const noSave: tf.GradSaveFunc = () => {};

/**
 * tf.customGrad with typed inputs: f gets the input tensors and save, returns value and gradients.
 * The gradient runs inside tf.tidy, so its intermediates (transposes, softmax terms) are freed as
 * soon as it returns instead of living until the whole backward pass ends. Where no gradient is
 * recorded (sampling, evaluation, scoring) the same ops run without the customGrad wrapper: the
 * same kernels and values, and generation on wasm about 10% faster.
 */
function custom(f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFunc }, ...inputs: tf.Tensor[]): tf.Tensor {
  if (!recordingGradients()) return tf.tidy(() => f(inputs, noSave).value);
  const g = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, gradFunc } = f(args.slice(0, -1) as tf.Tensor[], save);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tidy(() => gradFunc(dy, saved)) };
  }) as Parameters<typeof tf.customGrad>[0]);
  return g(...inputs);
}

/**
 * Transpose of a 2-D tensor. On wasm a plain 2-D transpose walks memory with a large stride
 * (9 ms for 2048x512); doing it in row blocks (two cache-friendly 3-D transposes) takes ~1 ms.
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = x.shape;
  if (!onWasm() || rows < 256 || cols < 8) return tf.transpose(x);
  const block = [64, 32, 16, 8].find((b) => rows % b === 0);
  if (block === undefined) return tf.transpose(x);
  return tf.tidy(() => {
    const blocks = tf.transpose(tf.reshape(x, [rows / block, block, cols]), [0, 2, 1]); // [n, cols, block]
    return tf.reshape(tf.transpose(blocks, [1, 0, 2]), [cols, rows]);
  });
}

/** Column sums of a 2-D tensor as a matMul (sum over axis 0 is ~10x slower on wasm). */
function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  const ones = tf.ones([1, x.shape[0]]);
  return tf.reshape(tf.matMul(ones, x), [x.shape[1]]);
}

/**
 * Rows of `table` [V, D] picked by `ids` [N], as oneHot(ids) x table (gather's gradient is missing
 * on wasm). Off WebGPU the table's gradient transposes the one-hot explicitly: TF.js's own matMul
 * gradient reads it transposed, which took 32 ms per call on wasm for a 512-token PPO minibatch
 * (about 12% of a PPO iteration) against about 2 ms this way.
 */
export function embed(ids: tf.Tensor1D, table: tf.Tensor2D): tf.Tensor2D {
  if (onWebGpu()) return tf.matMul(tf.oneHot(ids, table.shape[0]), table);
  return custom(([t], save) => {
    const rows = tf.oneHot(ids, table.shape[0]);
    save([rows]);
    const value = tf.matMul(rows, t as tf.Tensor2D);
    rows.dispose(); // save() keeps its own reference when the tape is on
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(transpose2d(saved[0] as tf.Tensor2D), dy as tf.Tensor2D)] };
  }, table) as tf.Tensor2D;
}

/** y = x w (+ b), x [N, in], w [in, out], b [out]; gradients with explicit transposes. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (onWebGpu()) return linearWebGpu(x, w, b);
  if (b === undefined) {
    return custom(([xi, wi], save) => {
      save([xi, wi]);
      return {
        value: tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, ws] = saved as tf.Tensor2D[];
          const d = dy as tf.Tensor2D;
          return [tf.matMul(d, transpose2d(ws)), tf.matMul(transpose2d(xs), d)];
        },
      };
    }, x, w) as tf.Tensor2D;
  }
  return custom(([xi, wi, bi], save) => {
    save([xi, wi]);
    return {
      value: tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D), bi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const d = dy as tf.Tensor2D;
        return [tf.matMul(d, transpose2d(ws)), tf.matMul(transpose2d(xs), d), columnSums(d)];
      },
    };
  }, x, w, b) as tf.Tensor2D;
}

/**
 * linear on WebGPU, whose matMul reads either operand transposed at no cost: the bias is fused
 * into the forward matMul and the gradients are two matMuls and a column sum.
 */
function linearWebGpu(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const inputs = b === undefined ? [x, w] : [x, w, b];
  return custom((args, save) => {
    const [xi, wi, bi] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
    save([xi, wi]);
    return {
      value: tf.fused.matMul({ a: xi, b: wi, bias: bi }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const d = dy as tf.Tensor2D;
        const grads = [tf.matMul(d, ws, false, true), tf.matMul(xs, d, true, false)];
        return bi === undefined ? grads : [...grads, webGpuColumnSums(d)];
      },
    };
  }, ...inputs) as tf.Tensor2D;
}

/** Logits of a language-model head tied to the embedding table wte [V, D]: hidden wte^T. */
export function tiedHead(hidden: tf.Tensor2D, wte: tf.Tensor2D): tf.Tensor2D {
  if (!onWebGpu()) return linear(hidden, tf.transpose(wte));
  return custom(([h, w], save) => {
    save([h, w]);
    return {
      value: tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D, false, true),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hs, ws] = saved as tf.Tensor2D[];
        return [tf.matMul(dy as tf.Tensor2D, ws), tf.matMul(dy as tf.Tensor2D, hs, true, false)];
      },
    };
  }, hidden, wte) as tf.Tensor2D;
}

const LN_EPS = 1e-5;

function layerNormWebGpu(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  return custom(([xi, gi, bi], save) => {
    save([xi, gi]);
    return {
      value: webGpuLayerNorm.forward(xi as tf.Tensor2D, gi as tf.Tensor1D, bi as tf.Tensor1D, LN_EPS),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => webGpuLayerNorm.grads(dy as tf.Tensor2D, saved[0] as tf.Tensor2D, saved[1] as tf.Tensor1D, LN_EPS),
    };
  }, x, g, b) as tf.Tensor2D;
}

/** LayerNorm over the last axis of x [N, D], with the closed-form backward. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  if (onWebGpu()) return layerNormWebGpu(x, g, b);
  return custom(([xi, gi, bi], save) => {
    const [xhat, rstd] = tidy(() => {
      const mean = tf.mean(xi, -1, true);
      const xc = tf.sub(xi, mean);
      const r = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), LN_EPS));
      return [tf.mul(xc, r), r] as const;
    });
    save([xhat, rstd, gi]);
    const value = tf.add(tf.mul(xhat, gi), bi);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gs] = saved;
        const d = dy as tf.Tensor2D;
        const dxhat = tf.mul(d, gs);
        // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
        const dx = tf.mul(
          rs,
          tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), -1, true))),
        );
        return [dx, columnSums(tf.mul(d, xh) as tf.Tensor2D), columnSums(d)];
      },
    };
  }, x, g, b) as tf.Tensor2D;
}

// GELU, tanh approximation, in its exact sigmoid form: 0.5x(1+tanh(u)) = x*sigmoid(2u) (tanh is
// 25x slower than sigmoid on wasm). 2u = x*(C1 + C2*x^2).
const C1 = 2 * Math.sqrt(2 / Math.PI);
const C2 = C1 * 0.044715;

export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  if (onWebGpu()) {
    return custom(([xi], save) => {
      save([xi]);
      return {
        value: webGpuGelu.forward(xi, C1, C2),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [webGpuGelu.grad(dy, saved[0], C1, C2)],
      };
    }, x) as tf.Tensor2D;
  }
  return custom(([xi], save) => {
    const s = tf.tidy(() => tf.sigmoid(tf.mul(xi, tf.add(tf.mul(tf.square(xi), C2), C1))));
    save([xi, s]);
    return {
      value: tf.mul(xi, s),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ss] = saved;
        // d/dx x*s(z) = s + x*s*(1-s)*dz/dx, dz/dx = C1 + 3*C2*x^2
        const dz = tf.add(tf.mul(tf.square(xs), 3 * C2), C1);
        const inner = tf.mul(tf.mul(tf.mul(ss, tf.sub(1, ss)), xs), dz);
        return [tf.mul(dy, tf.add(ss, inner))];
      },
    };
  }, x) as tf.Tensor2D;
}

/** 'fused': WebGPU's attention kernels; 'batched': batched matMuls; 'per-head': 2-D matMuls per head. */
export type AttentionImpl = 'fused' | 'batched' | 'per-head';

/** Batched matMul of [B,H,M,K] x [B,H,K,N]; on wasm ('per-head') as one 2-D matMul per head. */
function bmm(a: tf.Tensor4D, b: tf.Tensor4D, impl: AttentionImpl): tf.Tensor4D {
  if (impl === 'batched') return tf.matMul(a, b);
  const [B, H, M, K] = a.shape;
  const N = b.shape[3];
  const a3 = tf.reshape(a, [B * H, M, K]);
  const b3 = tf.reshape(b, [B * H, K, N]);
  const outs: tf.Tensor2D[] = [];
  for (let i = 0; i < B * H; i++) {
    const ai = tf.reshape(tf.slice(a3, [i, 0, 0], [1, M, K]), [M, K]) as tf.Tensor2D;
    const bi = tf.reshape(tf.slice(b3, [i, 0, 0], [1, K, N]), [K, N]) as tf.Tensor2D;
    outs.push(tf.matMul(ai, bi));
  }
  return tf.reshape(tf.concat(outs, 0), [B, H, M, N]);
}

/** Swaps the last two axes of a 4-D tensor. */
const swapLast = (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 1, 3, 2]);

/** Splits fused qkv [B*T, 3D] into q (scaled by 1/sqrt(hd)), k, v, each [B,H,T,hd]. */
export function splitHeads(qkv: tf.Tensor2D, batch: number, nHead: number): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const T = qkv.shape[0] / batch;
  const hd = qkv.shape[1] / (3 * nHead);
  return tidy(() => {
    const heads = tf.transpose(tf.reshape(qkv, [batch, T, 3 * nHead, hd]), [0, 2, 1, 3]); // [B,3H,T,hd]
    const part = (i: number): tf.Tensor4D => tf.slice(heads as tf.Tensor4D, [0, i * nHead, 0, 0], [batch, nHead, T, hd]);
    return [tf.mul(part(0), 1 / Math.sqrt(hd)) as tf.Tensor4D, part(1), part(2)] as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  });
}

/** Merges heads [B,H,T,hd] back to [B*T, H*hd]. */
function mergeHeads(o: tf.Tensor4D): tf.Tensor2D {
  const [B, H, T, hd] = o.shape;
  return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B * T, H * hd]);
}

/**
 * Causal multi-head attention core: qkv [B*T, 3D] (the fused projection's output) to the merged
 * head outputs [B*T, D]. `bias` [B,1,T,T] is 0 where a query may attend and -1e9 elsewhere.
 * One custom gradient covers head split, scores, softmax, weighted sum and merge.
 */
export function attention(qkv: tf.Tensor2D, bias: tf.Tensor4D, batch: number, nHead: number, impl: AttentionImpl): tf.Tensor2D {
  if (impl === 'fused') {
    const dims = { batch, heads: nHead };
    return custom(([qkvIn], save) => {
      const probs = webGpuAttention.probs(qkvIn as tf.Tensor2D, bias, dims);
      save([qkvIn, probs]);
      return {
        value: webGpuAttention.output(qkvIn as tf.Tensor2D, probs, dims),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [webGpuAttention.grad(dy as tf.Tensor2D, saved[0] as tf.Tensor2D, saved[1] as tf.Tensor4D, dims)],
      };
    }, qkv) as tf.Tensor2D;
  }
  return custom(([qkvIn], save) => {
    const [value, q, k, v, p] = tidy(() => {
      const [qs, ks, vs] = splitHeads(qkvIn as tf.Tensor2D, batch, nHead);
      const scores = tf.add(bmm(qs, swapLast(ks), impl), bias);
      const probs = tf.softmax(scores) as tf.Tensor4D;
      return [mergeHeads(bmm(probs, vs, impl)), qs, ks, vs, probs] as const;
    });
    save([q, k, v, p]);
    tf.dispose([q, k, v, p]); // save() keeps its own references when the tape is on
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [qs, ks, vs, ps] = saved as tf.Tensor4D[];
        const [B, H, T, hd] = qs.shape;
        const dO = tf.transpose(tf.reshape(dy, [B, T, H, hd]), [0, 2, 1, 3]) as tf.Tensor4D;
        const dP = bmm(dO, swapLast(vs), impl);
        const dV = bmm(swapLast(ps), dO, impl);
        // softmax backward: dS = P * (dP - rowsum(dP * P))
        const dS = tf.mul(ps, tf.sub(dP, tf.sum(tf.mul(dP, ps), -1, true))) as tf.Tensor4D;
        const dQ = tf.mul(bmm(dS, ks, impl), 1 / Math.sqrt(hd)) as tf.Tensor4D;
        const dK = swapLast(bmm(swapLast(qs), dS, impl));
        const dHeads = tf.concat([dQ, dK, dV], 1); // [B,3H,T,hd]
        return [tf.reshape(tf.transpose(dHeads, [0, 2, 1, 3]), [B * T, 3 * H * hd])];
      },
    };
  }, qkv) as tf.Tensor2D;
}

/** The attention implementation that is fastest on the active backend. */
export function defaultAttentionImpl(): AttentionImpl {
  if (onWebGpu()) return 'fused';
  return onWasm() ? 'per-head' : 'batched';
}

// ---- wasm Slice without the full-input copy -------------------------------------------------
// The wasm backend's Slice reads its input through readSync, which copies the whole tensor out
// of the heap, so slicing one head out of [64,T,T] costs as much as copying all 64. This kernel
// copies only the slice, inside the heap. Same results; installed once, only for wasm.

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let fastSliceInstalled = false;

export function installWasmFastSlice(): void {
  if (fastSliceInstalled || !onWasm()) return;
  const original = tf.getKernel('Slice', 'wasm');
  if (original === undefined) return;
  fastSliceInstalled = true;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc(args);
      const attrs = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
      const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs.begin, attrs.size);
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput(size, x.dtype);
      // Views are taken after makeOutput, which may grow (and so detach) the heap.
      const src = backend.typedArrayFromHeap(x);
      const dst = backend.typedArrayFromHeap(out);
      copySlice(src, x.shape, begin, size, dst);
      return out;
    },
  });
}

function copySlice(
  src: Float32Array | Int32Array | Uint8Array,
  shape: number[],
  begin: number[],
  size: number[],
  dst: Float32Array | Int32Array | Uint8Array,
): void {
  const rank = shape.length;
  if (dst.length === 0) return;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  // Merge trailing axes that are taken whole into one contiguous run.
  let inner = rank - 1;
  let run = size[rank - 1];
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner];
  }
  const idx = new Array<number>(inner).fill(0);
  let base = 0;
  for (let i = 0; i <= inner; i++) base += begin[i] * strides[i];
  let outOffset = 0;
  for (;;) {
    let offset = base;
    for (let i = 0; i < inner; i++) offset += idx[i] * strides[i];
    dst.set(src.subarray(offset, offset + run), outOffset);
    outOffset += run;
    // odometer over the outer axes [0, inner)
    let axis = inner - 1;
    while (axis >= 0) {
      idx[axis]++;
      if (idx[axis] < size[axis]) break;
      idx[axis] = 0;
      axis--;
    }
    if (axis < 0) break;
  }
}
