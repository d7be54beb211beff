// One decoding step's kernels on WebGPU: the token and position embeddings as one gather, this
// step's keys and values written into the fixed-length cache in place, attention of the one new
// query over the cache (the key mask applied in the kernel), and the next-token pick. About a
// dozen dispatches per layer in all, where the composite ops rewrote the whole cache each step.
import * as tf from '@tensorflow/tfjs';
import { callKernel, registerWebGpuKernel, runKernel } from './program';

/** Token [B] and position [B] embeddings summed: x[b] = wte[token[b]] + wpe[position[b]]. */
registerWebGpuKernel('RlhfEmbed', (inputs, _attrs, backend) => {
  const [B] = inputs.tokens.shape;
  const D = inputs.wte.shape[1];
  return runKernel(backend, {
    key: 'embed',
    inputs: ['tokens', 'positions', 'wte', 'wpe'],
    outputShape: [B, D],
    threads: B * D,
    uniforms: [{ name: 'd', type: 'i32', value: D }],
    main: `
      let b = index / uniforms.d;
      let c = index - b * uniforms.d;
      result[index] = wte[tokens[b] * uniforms.d + c] + wpe[positions[b] * uniforms.d + c];`,
  }, [inputs.tokens, inputs.positions, inputs.wte, inputs.wpe]);
});

/**
 * Attention of one query per row over a cache of L slots: qkv [B, 3D] (this step's projection),
 * kT [B,H,hd,L], v [B,H,L,hd], keyMask [B,L]; slots after t are not yet written and are masked.
 */
registerWebGpuKernel('RlhfDecodeAttention', (inputs, attrs, backend) => {
  const [B, D3] = inputs.qkv.shape;
  const [, H, hd, L] = inputs.kT.shape;
  return runKernel(backend, {
    key: `decode_attention_${L}`,
    inputs: ['qkv', 'kT', 'v', 'keyMask'],
    outputShape: [B, D3 / 3],
    threads: B * H,
    uniforms: [
      { name: 'h', type: 'i32', value: H },
      { name: 'hd', type: 'i32', value: hd },
      { name: 'l', type: 'i32', value: L },
      { name: 't', type: 'i32', value: attrs.t },
      { name: 'scale', type: 'f32', value: 1 / Math.sqrt(hd) },
      { name: 'negative', type: 'f32', value: attrs.negative },
    ],
    main: `
      var scores : array<f32, ${L}>;
      let H = uniforms.h;
      let hd = uniforms.hd;
      let L = uniforms.l;
      let b = index / H;
      let hh = index - b * H;
      let qAt = b * 3 * H * hd + hh * hd;
      let head = (b * H + hh) * hd;
      var mx = -3.0e38;
      for (var j = 0; j < L; j++) {
        var s = 0.0;
        for (var d = 0; d < hd; d++) { s += qkv[qAt + d] * kT[(head + d) * L + j]; }
        var allowed = keyMask[b * L + j];
        if (j > uniforms.t) { allowed = 0.0; }
        s = s * uniforms.scale + (1.0 - allowed) * uniforms.negative;
        scores[j] = s;
        mx = max(mx, s);
      }
      var total = 0.0;
      for (var j = 0; j < L; j++) { scores[j] = exp(scores[j] - mx); total += scores[j]; }
      let vHead = (b * H + hh) * L;
      for (var d = 0; d < hd; d++) {
        var o = 0.0;
        for (var j = 0; j < L; j++) { o += scores[j] * v[(vHead + j) * hd + d]; }
        result[b * H * hd + hh * hd + d] = o / total;
      }`,
  }, [inputs.qkv, inputs.kT, inputs.v, inputs.keyMask]);
});

/** The next token [B] int32: argmax of logits/temperature + Gumbel noise (greedy: of logits); PAD for finished rows. */
registerWebGpuKernel('RlhfPick', (inputs, attrs, backend) => {
  const [B, V] = inputs.logits.shape;
  return runKernel(backend, {
    key: 'pick',
    inputs: ['logits', 'noise', 'done'],
    outputShape: [B],
    threads: B,
    uniforms: [
      { name: 'v', type: 'i32', value: V },
      { name: 'invTemperature', type: 'f32', value: attrs.temperature > 0 ? 1 / attrs.temperature : 1 },
      { name: 'noisy', type: 'i32', value: attrs.temperature > 0 ? 1 : 0 },
      { name: 'pad', type: 'i32', value: attrs.pad },
    ],
    main: `
      let at = index * uniforms.v;
      var best = 0;
      var bestValue = -3.0e38;
      for (var k = 0; k < uniforms.v; k++) {
        var z = logits[at + k];
        if (uniforms.noisy == 1) { z = z * uniforms.invTemperature + noise[at + k]; }
        if (z > bestValue) { bestValue = z; best = k; }
      }
      if (done[index] > 0.0) { best = uniforms.pad; }
      result[index] = best;`,
  }, [inputs.logits, inputs.noise, inputs.done], 'int32');
});

/** done' = done or (token == EOS), as float32 [B]. */
registerWebGpuKernel('RlhfMarkDone', (inputs, attrs, backend) =>
  runKernel(backend, {
    key: 'mark_done',
    inputs: ['token', 'done'],
    outputShape: inputs.done.shape,
    threads: inputs.done.shape[0],
    uniforms: [{ name: 'eos', type: 'i32', value: attrs.eos }],
    main: `result[index] = select(done[index], 1.0, token[index] == uniforms.eos);`,
  }, [inputs.token, inputs.done]),
);

export const webGpuDecode = {
  embed: (tokens: tf.Tensor1D, positions: tf.Tensor1D, wte: tf.Tensor2D, wpe: tf.Tensor2D): tf.Tensor2D =>
    callKernel('RlhfEmbed', { tokens, positions, wte, wpe }) as tf.Tensor2D,
  attention: (qkv: tf.Tensor2D, kT: tf.Tensor4D, v: tf.Tensor4D, keyMask: tf.Tensor2D, t: number, negative: number): tf.Tensor2D =>
    callKernel('RlhfDecodeAttention', { qkv, kT, v, keyMask }, { t, negative }) as tf.Tensor2D,
  pick: (logits: tf.Tensor2D, noise: tf.Tensor2D, done: tf.Tensor1D, temperature: number, pad: number): tf.Tensor1D =>
    callKernel('RlhfPick', { logits, noise, done }, { temperature, pad }) as tf.Tensor1D,
  markDone: (token: tf.Tensor1D, done: tf.Tensor1D, eos: number): tf.Tensor1D => callKernel('RlhfMarkDone', { token, done }, { eos }) as tf.Tensor1D,
};

// ---- writing this step's keys and values into the cache, in place ------------------------------
// Every backend here can write into an existing tensor's memory: the GPU buffer (a kernel whose
// result binding is the cache), the wasm heap, the cpu backend's typed array. The cache's tensors
// must own their memory (made by concat at prefill; never a reshape or clone of another tensor).

interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}
interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
}

/** One layer's cache: keys transposed [B,H,hd,L] and values [B,H,L,hd] (gpt.ts's LayerKV). */
interface CacheLayer {
  kT: tf.Tensor4D;
  v: tf.Tensor4D;
}

/**
 * This step's keys and values of qkv [B, 3D] (columns q | k | v, heads contiguous) written at
 * slot t of a layer's cache. Returns the same layer, written in place, or (webgl, which has no
 * in-place write) a new one, kept out of the caller's tidy, with the old tensors disposed.
 */
export function writeKv(layer: CacheLayer, qkv: tf.Tensor2D, t: number): CacheLayer {
  if (writeKvInPlace(qkv, layer.kT, layer.v, t)) return layer;
  const [B, H, hd, L] = layer.kT.shape;
  const D = H * hd;
  const next = tf.tidy(() => {
    const at = tf.reshape(tf.oneHot(tf.tensor1d([t], 'int32'), L), [L]);
    const kNew = tf.reshape(tf.slice(qkv, [0, D], [B, D]), [B, H, hd, 1]);
    const vNew = tf.reshape(tf.slice(qkv, [0, 2 * D], [B, D]), [B, H, 1, hd]);
    const kT = tf.add(tf.mul(layer.kT, tf.reshape(tf.sub(1, at), [1, 1, 1, L])), tf.mul(kNew, tf.reshape(at, [1, 1, 1, L]))) as tf.Tensor4D;
    const v = tf.add(tf.mul(layer.v, tf.reshape(tf.sub(1, at), [1, 1, L, 1])), tf.mul(vNew, tf.reshape(at, [1, 1, L, 1]))) as tf.Tensor4D;
    return { kT, v };
  });
  tf.dispose([layer.kT, layer.v]);
  return { kT: tf.keep(next.kT), v: tf.keep(next.v) };
}

/** writeKv's in-place write; false where the backend has none. */
function writeKvInPlace(qkv: tf.Tensor2D, kT: tf.Tensor4D, v: tf.Tensor4D, t: number): boolean {
  const [B, H, hd, L] = kT.shape;
  const D = H * hd;
  const backendName = tf.getBackend();
  if (backendName === 'webgpu') {
    for (const [cache, part] of [[kT, 1], [v, 2]] as const) {
      const target = part === 1 ? `((b * ${H} + hh) * ${hd} + d) * ${L} + uniforms.t` : `((b * ${H} + hh) * ${L} + uniforms.t) * ${hd} + d`;
      runKernel(tf.backend(), {
        key: `kv_write_${part}_${H}_${hd}_${L}`,
        inputs: ['qkv'],
        outputShape: cache.shape,
        threads: B * D,
        uniforms: [{ name: 't', type: 'i32', value: t }],
        main: `
          let b = index / ${D};
          let c = index - b * ${D};
          let hh = c / ${hd};
          let d = c - hh * ${hd};
          result[${target}] = qkv[b * ${3 * D} + ${part * D} + c];`,
      }, [qkv], 'float32', cache);
    }
    return true;
  }
  let views: { src: Float32Array; k: Float32Array; v: Float32Array };
  if (backendName === 'wasm') {
    const backend = tf.backend() as unknown as HeapBackend;
    views = { src: backend.typedArrayFromHeap(qkv), k: backend.typedArrayFromHeap(kT), v: backend.typedArrayFromHeap(v) };
  } else if (backendName === 'cpu') {
    const data = (tf.backend() as unknown as CpuBackend).data;
    views = { src: data.get(qkv.dataId).values, k: data.get(kT.dataId).values, v: data.get(v.dataId).values };
  } else return false;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let d = 0; d < hd; d++) {
        const c = h * hd + d;
        views.k[((b * H + h) * hd + d) * L + t] = views.src[b * 3 * D + D + c];
        views.v[((b * H + h) * L + t) * hd + d] = views.src[b * 3 * D + 2 * D + c];
      }
    }
  }
  return true;
}
