// Causal multi-head attention on WebGPU over all heads at once, from the fused projection qkv
// [B*T, 3D] (columns q | k | v, heads contiguous in each). Forward: the probabilities P [B,H,T,T]
// (one query row per thread), then the merged output [B*T, D]. Backward: dS = P * (dP - rowsum(P dP))
// per row, then dq, dk, dv in one kernel writing d(qkv). Four dispatches in all, where the
// composite ops need about thirty-five (head split, transposes, matMuls, softmax and its gradient).
import * as tf from '@tensorflow/tfjs';
import { callKernel, registerWebGpuKernel, runKernel } from './program';

interface Dims { batch: number; heads: number }

function shapeUniforms(qkv: tf.TensorInfo, attrs: Record<string, number>) {
  const T = qkv.shape[0] / attrs.batch;
  const D = qkv.shape[1] / 3;
  const hd = D / attrs.heads;
  const uniforms = [
    { name: 't', type: 'i32' as const, value: T },
    { name: 'h', type: 'i32' as const, value: attrs.heads },
    { name: 'hd', type: 'i32' as const, value: hd },
    { name: 'dm', type: 'i32' as const, value: D },
    { name: 'scale', type: 'f32' as const, value: 1 / Math.sqrt(hd) },
  ];
  return { T, D, hd, uniforms };
}

// Shared WGSL: the row (b, h, i) of thread `index` and where head h's q/k/v start in qkv.
const ROW = `
  let T = uniforms.t;
  let H = uniforms.h;
  let hd = uniforms.hd;
  let D3 = 3 * uniforms.dm;
  let b = index / (H * T);
  let hh = (index / T) % H;
  let i = index % T;
  let qAt = (b * T + i) * D3 + hh * hd;`;

registerWebGpuKernel('RlhfAttentionProbs', (inputs, attrs, backend) => {
  const { T, uniforms } = shapeUniforms(inputs.qkv, attrs);
  return runKernel(backend, {
    key: 'attn_probs',
    inputs: ['qkv', 'bias'],
    outputShape: [attrs.batch, attrs.heads, T, T],
    threads: attrs.batch * attrs.heads * T,
    uniforms: [...uniforms, { name: 'biasRows', type: 'i32', value: inputs.bias.shape[0] }],
    main: `${ROW}
      let outAt = index * T;
      let biasAt = ((b % uniforms.biasRows) * T + i) * T;
      var mx = -3.0e38;
      for (var j = 0; j < T; j++) {
        let kAt = (b * T + j) * D3 + uniforms.dm + hh * hd;
        var s = 0.0;
        for (var d = 0; d < hd; d++) { s += qkv[qAt + d] * qkv[kAt + d]; }
        s = s * uniforms.scale + bias[biasAt + j];
        result[outAt + j] = s;
        mx = max(mx, s);
      }
      var total = 0.0;
      for (var j = 0; j < T; j++) { let e = exp(result[outAt + j] - mx); result[outAt + j] = e; total += e; }
      for (var j = 0; j < T; j++) { result[outAt + j] = result[outAt + j] / total; }`,
  }, [inputs.qkv, inputs.bias]);
});

// o[b*T + i, h*hd + d] = sum_j P[b,h,i,j] v[b,j,h,d]; one output element per thread.
registerWebGpuKernel('RlhfAttentionOutput', (inputs, attrs, backend) => {
  const { T, D, uniforms } = shapeUniforms(inputs.qkv, attrs);
  return runKernel(backend, {
    key: 'attn_output',
    inputs: ['qkv', 'probs'],
    outputShape: [attrs.batch * T, D],
    threads: attrs.batch * T * D,
    uniforms,
    main: `
      let T = uniforms.t;
      let hd = uniforms.hd;
      let D = uniforms.dm;
      let row = index / D;
      let c = index - row * D;
      let b = row / T;
      let i = row - b * T;
      let hh = c / hd;
      let pAt = ((b * uniforms.h + hh) * T + i) * T;
      var o = 0.0;
      for (var j = 0; j < T; j++) { o += probs[pAt + j] * qkv[(b * T + j) * 3 * D + 2 * D + c]; }
      result[index] = o;`,
  }, [inputs.qkv, inputs.probs]);
});

// dS[b,h,i,j] = P_ij (dP_ij - sum_j' P_ij' dP_ij'), dP_ij = dO_i . v_j (head h); one row per thread.
registerWebGpuKernel('RlhfAttentionScoresGrad', (inputs, attrs, backend) => {
  const { T, uniforms } = shapeUniforms(inputs.qkv, attrs);
  return runKernel(backend, {
    key: 'attn_scores_grad',
    inputs: ['dy', 'qkv', 'probs'],
    outputShape: [attrs.batch, attrs.heads, T, T],
    threads: attrs.batch * attrs.heads * T,
    uniforms,
    main: `${ROW}
      let outAt = index * T;
      let dyAt = (b * T + i) * uniforms.dm + hh * hd;
      var rowDot = 0.0;
      for (var j = 0; j < T; j++) {
        let vAt = (b * T + j) * D3 + 2 * uniforms.dm + hh * hd;
        var dp = 0.0;
        for (var d = 0; d < hd; d++) { dp += dy[dyAt + d] * qkv[vAt + d]; }
        result[outAt + j] = dp;
        rowDot += dp * probs[outAt + j];
      }
      for (var j = 0; j < T; j++) { result[outAt + j] = probs[outAt + j] * (result[outAt + j] - rowDot); }`,
  }, [inputs.dy, inputs.qkv, inputs.probs]);
});

// d(qkv)[b*T + t, part*D + h*hd + d]: part 0 dq = scale dS k, part 1 dk = scale dS^T q, part 2 dv = P^T dO.
registerWebGpuKernel('RlhfAttentionQkvGrad', (inputs, attrs, backend) => {
  const { T, D, uniforms } = shapeUniforms(inputs.qkv, attrs);
  return runKernel(backend, {
    key: 'attn_qkv_grad',
    inputs: ['dscores', 'probs', 'dy', 'qkv'],
    outputShape: [attrs.batch * T, 3 * D],
    threads: attrs.batch * T * 3 * D,
    uniforms,
    main: `
      let T = uniforms.t;
      let hd = uniforms.hd;
      let D = uniforms.dm;
      let D3 = 3 * D;
      let row = index / D3;
      let col = index - row * D3;
      let part = col / D;
      let c = col - part * D;
      let b = row / T;
      let t = row - b * T;
      let head = ((b * uniforms.h + c / hd) * T) * T;
      var s = 0.0;
      if (part == 0) {
        for (var j = 0; j < T; j++) { s += dscores[head + t * T + j] * qkv[(b * T + j) * D3 + D + c]; }
        s = s * uniforms.scale;
      } else if (part == 1) {
        for (var i = 0; i < T; i++) { s += dscores[head + i * T + t] * qkv[(b * T + i) * D3 + c]; }
        s = s * uniforms.scale;
      } else {
        for (var i = 0; i < T; i++) { s += probs[head + i * T + t] * dy[(b * T + i) * D + c]; }
      }
      result[index] = s;`,
  }, [inputs.dscores, inputs.probs, inputs.dy, inputs.qkv]);
});

export const webGpuAttention = {
  probs: (qkv: tf.Tensor2D, bias: tf.Tensor4D, d: Dims): tf.Tensor4D => callKernel('RlhfAttentionProbs', { qkv, bias }, { ...d }) as tf.Tensor4D,
  output: (qkv: tf.Tensor2D, probs: tf.Tensor4D, d: Dims): tf.Tensor2D => callKernel('RlhfAttentionOutput', { qkv, probs }, { ...d }) as tf.Tensor2D,
  grad: (dy: tf.Tensor2D, qkv: tf.Tensor2D, probs: tf.Tensor4D, d: Dims): tf.Tensor2D =>
    tf.tidy(() => {
      const dscores = callKernel('RlhfAttentionScoresGrad', { dy, qkv, probs }, { ...d });
      return callKernel('RlhfAttentionQkvGrad', { dscores, probs, dy, qkv }, { ...d }) as tf.Tensor2D;
    }),
};
