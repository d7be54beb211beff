// Adam with gradient clipping folded in. On WebGPU each weight's update is two fused kernels (its
// moments, then its value) and the global gradient norm is one kernel per six gradients, instead
// of about fourteen small kernels per weight: on a real GPU a model this small is bound by the
// number of dispatches, not by arithmetic. On cpu and wasm it is tf.train.adam on the scaled
// gradients, the same arithmetic as before the fused path existed, so those runs reproduce.
import * as tf from '@tensorflow/tfjs';
import { WORKGROUP, callKernel, onWebGpu, registerWebGpuKernel, runKernel } from '../model/kernels/program';

export interface AdamConfig {
  learningRate: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
}

/** Gradients per sum-of-squares kernel: 8 storage buffers per stage, less output and carry. */
const NORM_GROUP = 6;

registerWebGpuKernel('RlhfSumSquares', (inputs, attrs, backend) => {
  const names = Object.keys(inputs).filter((n) => n !== 'carry').sort();
  const loops = names.map((n, i) => `for (var k = i; k < uniforms.n${i}; k += ${WORKGROUP}) { let x = ${n}[k]; s += x * x; }`).join('\n');
  return runKernel(backend, {
    key: `sumsq_${names.length}`,
    inputs: ['carry', ...names],
    outputShape: [1],
    threads: WORKGROUP,
    guard: false,
    uniforms: names.map((n, i) => ({ name: `n${i}`, type: 'i32' as const, value: inputs[n].shape.reduce((a, b) => a * b, 1) })),
    prelude: `var<workgroup> partial : array<f32, ${WORKGROUP}>;`,
    main: `
      let i = i32(localIndex);
      var s = 0.0;
      ${loops}
      partial[i] = s;
      workgroupBarrier();
      for (var half = ${WORKGROUP / 2}; half > 0; half = half / 2) {
        if (i < half) { partial[i] = partial[i] + partial[i + half]; }
        workgroupBarrier();
      }
      if (i == 0) { result[0] = carry[0] + partial[0]; }`,
  }, [inputs.carry, ...names.map((n) => inputs[n])]);
  void attrs;
});

// Moments of one weight, packed [m; v] in one tensor of 2n, from its gradient times the clip scale.
registerWebGpuKernel('RlhfAdamMoments', (inputs, attrs, backend) =>
  runKernel(backend, {
    key: 'adam_moments',
    inputs: ['g', 'mv', 'scale'],
    outputShape: inputs.mv.shape,
    threads: 2 * attrs.n,
    uniforms: [
      { name: 'n', type: 'i32', value: attrs.n },
      { name: 'beta1', type: 'f32', value: attrs.beta1 },
      { name: 'beta2', type: 'f32', value: attrs.beta2 },
    ],
    main: `
      let n = uniforms.n;
      if (index < n) {
        result[index] = uniforms.beta1 * mv[index] + (1.0 - uniforms.beta1) * g[index] * scale[0];
      } else {
        let gs = g[index - n] * scale[0];
        result[index] = uniforms.beta2 * mv[index] + (1.0 - uniforms.beta2) * gs * gs;
      }`,
  }, [inputs.g, inputs.mv, inputs.scale]),
);

// The weight's new value from the new moments, bias-corrected as tf.train.adam does.
registerWebGpuKernel('RlhfAdamApply', (inputs, attrs, backend) =>
  runKernel(backend, {
    key: 'adam_apply',
    inputs: ['w', 'mv'],
    outputShape: inputs.w.shape,
    threads: attrs.n,
    uniforms: [
      { name: 'n', type: 'i32', value: attrs.n },
      { name: 'lr', type: 'f32', value: attrs.lr },
      { name: 'c1', type: 'f32', value: attrs.c1 },
      { name: 'c2', type: 'f32', value: attrs.c2 },
      { name: 'eps', type: 'f32', value: attrs.eps },
    ],
    main: `
      let m = mv[index] / uniforms.c1;
      let v = mv[index + uniforms.n] / uniforms.c2;
      result[index] = w[index] - uniforms.lr * m / (sqrt(v) + uniforms.eps);`,
  }, [inputs.w, inputs.mv]),
);

/** Sum of many scalars as a tree of pairwise adds (tf.addN on WebGPU binds a buffer per input). */
export function sumScalars(values: readonly tf.Tensor[]): tf.Tensor {
  if (values.length === 0) return tf.scalar(0);
  let level = [...values];
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tf.add(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

/** The L2 norm over all gradients together. */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (!onWebGpu()) return tf.sqrt(sumScalars(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    let carry: tf.Tensor = tf.zeros([1]);
    for (let i = 0; i < grads.length; i += NORM_GROUP) {
      const inputs: tf.NamedTensorMap = { carry };
      grads.slice(i, i + NORM_GROUP).forEach((g, j) => (inputs[`g${j}`] = tf.reshape(g, [-1])));
      carry = callKernel('RlhfSumSquares', inputs);
    }
    return tf.sqrt(tf.reshape(carry, [])) as tf.Scalar;
  });
}

/** The factor min(1, maxNorm / norm) that clips gradients to a global norm of maxNorm. */
export function clipScale(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  return tf.tidy(() => tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))) as tf.Scalar);
}

/** Adam over named variables; applyGradients takes an optional clip scale for all gradients. */
export class Adam {
  private readonly fused = onWebGpu();
  private readonly fallback: tf.Optimizer | null;
  private readonly moments = new Map<string, tf.Tensor>();
  private step = 0;

  constructor(private readonly config: AdamConfig) {
    this.fallback = this.fused ? null : tf.train.adam(config.learningRate, config.adamBeta1, config.adamBeta2, config.adamEpsilon);
  }

  /** One Adam step for each variable named in grads (by tf.Variable name), gradients x scale. */
  applyGradients(grads: tf.NamedTensorMap, scale?: tf.Scalar): void {
    if (this.fallback) {
      if (scale === undefined) {
        this.fallback.applyGradients(grads);
        return;
      }
      const scaled = tf.tidy(() => {
        const out: tf.NamedTensorMap = {};
        for (const [n, g] of Object.entries(grads)) out[n] = tf.mul(g, scale);
        return out;
      });
      this.fallback.applyGradients(scaled);
      tf.dispose(Object.values(scaled));
      return;
    }
    this.step++;
    const { learningRate, adamBeta1: b1, adamBeta2: b2, adamEpsilon: eps } = this.config;
    const attrs = { lr: learningRate, beta1: b1, beta2: b2, eps, c1: 1 - b1 ** this.step, c2: 1 - b2 ** this.step };
    const variables = tf.engine().registeredVariables;
    tf.tidy(() => {
      const s = scale === undefined ? tf.ones([1]) : tf.reshape(scale, [1]);
      for (const [name, g] of Object.entries(grads)) {
        const v = variables[name];
        if (v === undefined) throw new Error(`Adam: no variable named ${name}`);
        const n = v.size;
        const old = this.moments.get(name) ?? tf.zeros([2 * n]);
        const mv = callKernel('RlhfAdamMoments', { g: tf.reshape(g, [n]), mv: old, scale: s }, { ...attrs, n });
        v.assign(tf.reshape(callKernel('RlhfAdamApply', { w: tf.reshape(v, [n]), mv }, { ...attrs, n }), v.shape));
        old.dispose();
        this.moments.set(name, tf.keep(mv));
      }
    });
  }

  dispose(): void {
    this.fallback?.dispose();
    tf.dispose([...this.moments.values()]);
    this.moments.clear();
  }
}
