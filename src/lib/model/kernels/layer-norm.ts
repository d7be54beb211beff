// LayerNorm on WebGPU: forward as one kernel (a row per thread), backward as four (the rows'
// mean and 1/std again, dx per row, dgain per column, dbias as a column sum), instead of about
// nine kernels forward and twelve backward as composite ops. Recomputing the statistics in the
// backward pass keeps inference (sampling, one token at a time) at one dispatch per LayerNorm.
import * as tf from '@tensorflow/tfjs';
import { callKernel, registerWebGpuKernel, runKernel } from './program';
import { webGpuColumnSums } from './column-sums';

// WGSL: mean and rstd of row `index` of x [rows, d] (d and eps in the uniforms).
const ROW_STATS = `
      let d = uniforms.d;
      let base = index * d;
      var mean = 0.0;
      for (var k = 0; k < d; k++) { mean += x[base + k]; }
      mean = mean / f32(d);
      var variance = 0.0;
      for (var k = 0; k < d; k++) { let c = x[base + k] - mean; variance += c * c; }
      let rstd = inverseSqrt(variance / f32(d) + uniforms.eps);`;

registerWebGpuKernel('RlhfLayerNormStats', (inputs, attrs, backend) => {
  const [rows, d] = inputs.x.shape;
  return runKernel(backend, {
    key: 'ln_stats',
    inputs: ['x'],
    outputShape: [rows, 2],
    threads: rows,
    uniforms: [{ name: 'd', type: 'i32', value: d }, { name: 'eps', type: 'f32', value: attrs.eps }],
    main: `${ROW_STATS}
      result[2 * index] = mean;
      result[2 * index + 1] = rstd;`,
  }, [inputs.x]);
});

registerWebGpuKernel('RlhfLayerNorm', (inputs, attrs, backend) => {
  const [rows, d] = inputs.x.shape;
  return runKernel(backend, {
    key: 'ln_forward',
    inputs: ['x', 'g', 'b'],
    outputShape: [rows, d],
    threads: rows,
    uniforms: [{ name: 'd', type: 'i32', value: d }, { name: 'eps', type: 'f32', value: attrs.eps }],
    main: `${ROW_STATS}
      for (var k = 0; k < d; k++) { result[base + k] = (x[base + k] - mean) * rstd * g[k] + b[k]; }`,
  }, [inputs.x, inputs.g, inputs.b]);
});

// dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g; one row per thread.
registerWebGpuKernel('RlhfLayerNormGradX', (inputs, _attrs, backend) => {
  const [rows, d] = inputs.x.shape;
  return runKernel(backend, {
    key: 'ln_grad_x',
    inputs: ['dy', 'x', 'stats', 'g'],
    outputShape: [rows, d],
    threads: rows,
    uniforms: [{ name: 'd', type: 'i32', value: d }],
    main: `
      let d = uniforms.d;
      let base = index * d;
      let mean = stats[2 * index];
      let rstd = stats[2 * index + 1];
      var s1 = 0.0;
      var s2 = 0.0;
      for (var k = 0; k < d; k++) {
        let dxh = dy[base + k] * g[k];
        s1 += dxh;
        s2 += dxh * (x[base + k] - mean) * rstd;
      }
      s1 = s1 / f32(d);
      s2 = s2 / f32(d);
      for (var k = 0; k < d; k++) {
        let xh = (x[base + k] - mean) * rstd;
        result[base + k] = rstd * (dy[base + k] * g[k] - s1 - xh * s2);
      }`,
  }, [inputs.dy, inputs.x, inputs.stats, inputs.g]);
});

// dgain[c] = sum over rows of dy * xhat; one column per thread.
registerWebGpuKernel('RlhfLayerNormGradGain', (inputs, _attrs, backend) => {
  const [rows, d] = inputs.x.shape;
  return runKernel(backend, {
    key: 'ln_grad_gain',
    inputs: ['dy', 'x', 'stats'],
    outputShape: [d],
    threads: d,
    uniforms: [{ name: 'd', type: 'i32', value: d }, { name: 'rows', type: 'i32', value: rows }],
    main: `
      var s = 0.0;
      for (var r = 0; r < uniforms.rows; r++) {
        let at = r * uniforms.d + index;
        s += dy[at] * (x[at] - stats[2 * r]) * stats[2 * r + 1];
      }
      result[index] = s;`,
  }, [inputs.dy, inputs.x, inputs.stats]);
});

/** LayerNorm over the last axis of x [N, D] on WebGPU, and its gradients for x, g and b. */
export const webGpuLayerNorm = {
  forward: (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor2D => callKernel('RlhfLayerNorm', { x, g, b }, { eps }) as tf.Tensor2D,
  grads: (dy: tf.Tensor2D, x: tf.Tensor2D, g: tf.Tensor1D, eps: number): tf.Tensor[] => {
    const stats = callKernel('RlhfLayerNormStats', { x }, { eps });
    const out = [callKernel('RlhfLayerNormGradX', { dy, x, stats, g }), callKernel('RlhfLayerNormGradGain', { dy, x, stats }), webGpuColumnSums(dy)];
    stats.dispose();
    return out;
  },
};
