// Adam with gradient clipping folded in. On WebGPU one kernel updates the moments of six weights
// in place and one kernel per weight writes its new value; the global gradient norm is one kernel
// per six gradients. That is about 1.3 dispatches per weight instead of about fourteen: on a real
// GPU a model this small is bound by the number of dispatches, not by arithmetic. On cpu and wasm it is tf.train.adam on the scaled
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

registerWebGpuKernel('RlhfSumSquares', (inputs, _attrs, backend) => {
  const names = Object.keys(inputs).filter((n) => n !== 'carry').sort();
  const loops = names.map((n, i) => `for (var k = i; k < uniforms.n${i}; k += ${WORKGROUP}) { let x = ${n}[k]; s += x * x; }`).join('\n');
  return runKernel(backend, {
    key: `sumsq_${names.length}`,
    inputs: ['carry', ...names],
    outputShape: [1],
    threads: WORKGROUP,
    guard: false,
    uniforms: names.map((n, i) => ({ name: `n${i}`, type: 'i32' as const, value: tf.util.sizeFromShape(inputs[n].shape) })),
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
});

/**
 * The moments of a group of weights, updated in place in one buffer [m (total); v (total)] from
 * their gradients (1-D) times the clip scale: one dispatch. The moments belong to the optimizer
 * alone, so writing them in place is safe (the weights are not: a clone shares their memory).
 * In-place writes bypass the engine, so this is a plain function, not a registered kernel.
 */
function updateMomentsInPlace(group: MomentGroup, grads: tf.Tensor1D[], scale: tf.Tensor1D, beta1: number, beta2: number): void {
  const { moments, starts } = group;
  const total = moments.size / 2;
  // The gradient element of thread `index`: from the last weight whose start is <= index.
  const read = grads.map((_, i) => (i === 0 ? 'g = g0[index];' : `if (index >= uniforms.start${i}) { g = g${i}[index - uniforms.start${i}]; }`)).join('\n');
  runKernel(tf.backend(), {
    key: `adam_moments_${grads.length}`,
    inputs: [...grads.map((_, i) => `g${i}`), 'scale'],
    outputShape: [2 * total],
    threads: total,
    uniforms: [
      { name: 'total', type: 'i32', value: total },
      { name: 'beta1', type: 'f32', value: beta1 },
      { name: 'beta2', type: 'f32', value: beta2 },
      ...starts.slice(1).map((value, i) => ({ name: `start${i + 1}`, type: 'i32' as const, value })),
    ],
    main: `
      var g = 0.0;
      ${read}
      let gs = g * scale[0];
      result[index] = uniforms.beta1 * result[index] + (1.0 - uniforms.beta1) * gs;
      let j = index + uniforms.total;
      result[j] = uniforms.beta2 * result[j] + (1.0 - uniforms.beta2) * gs * gs;`,
  }, [...grads, scale], 'float32', moments);
}

// One weight's new value from its group's new moments, bias-corrected as tf.train.adam does.
registerWebGpuKernel('RlhfAdamApply', (inputs, attrs, backend) =>
  runKernel(backend, {
    key: 'adam_apply',
    inputs: ['w', 'moments'],
    outputShape: inputs.w.shape,
    threads: attrs.n,
    uniforms: [
      { name: 'start', type: 'i32', value: attrs.start },
      { name: 'total', type: 'i32', value: attrs.total },
      { name: 'lr', type: 'f32', value: attrs.lr },
      { name: 'c1', type: 'f32', value: attrs.c1 },
      { name: 'c2', type: 'f32', value: attrs.c2 },
      { name: 'eps', type: 'f32', value: attrs.eps },
    ],
    main: `
      let m = moments[uniforms.start + index] / uniforms.c1;
      let v = moments[uniforms.total + uniforms.start + index] / uniforms.c2;
      result[index] = w[index] - uniforms.lr * m / (sqrt(v) + uniforms.eps);`,
  }, [inputs.w, inputs.moments]),
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

/** Every gradient times scale (the clip factor), as new tensors. */
export function scaleGradients(grads: tf.NamedTensorMap, scale: tf.Scalar): tf.NamedTensorMap {
  return tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.mul(g, scale)])));
}

/** The factor min(1, maxNorm / norm) that clips gradients to a global norm of maxNorm. */
export function clipScale(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  return tf.tidy(() => tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))) as tf.Scalar);
}

/** Weights per moments kernel: 8 storage buffers per stage, less the scale input and the moments. */
const MOMENT_GROUP = 6;

/** Moments of a group of weights, packed [m of each weight; v of each weight]. */
interface MomentGroup {
  names: string[];
  starts: number[];
  moments: tf.Tensor1D;
}

/** Adam over named variables; applyGradients takes an optional clip scale for all gradients. */
export class Adam {
  private readonly fused = onWebGpu();
  private readonly fallback: tf.Optimizer | null;
  private groups: MomentGroup[] | null = null;
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
      const scaled = scaleGradients(grads, scale);
      this.fallback.applyGradients(scaled);
      tf.dispose(Object.values(scaled));
      return;
    }
    const variables = tf.engine().registeredVariables;
    const groups = this.groupsFor(Object.keys(grads), variables);
    this.step++;
    const { learningRate, adamBeta1: b1, adamBeta2: b2, adamEpsilon: eps } = this.config;
    const attrs = { lr: learningRate, eps, c1: 1 - b1 ** this.step, c2: 1 - b2 ** this.step };
    tf.tidy(() => {
      const s = scale === undefined ? tf.ones([1]) : tf.reshape(scale, [1]);
      for (const group of groups) {
        updateMomentsInPlace(group, group.names.map((n) => tf.reshape(grads[n], [-1]) as tf.Tensor1D), s as tf.Tensor1D, b1, b2);
        const total = group.moments.size / 2;
        group.names.forEach((name, i) => {
          const v = variables[name];
          const w = callKernel('RlhfAdamApply', { w: tf.reshape(v, [v.size]), moments: group.moments }, { ...attrs, n: v.size, start: group.starts[i], total });
          v.assign(tf.reshape(w, v.shape));
        });
      }
    });
  }

  /** The moment groups, made on the first step; every later step must update the same weights. */
  private groupsFor(names: string[], variables: Record<string, tf.Variable>): MomentGroup[] {
    if (this.groups) {
      const known = this.groups.flatMap((g) => g.names);
      if (known.length !== names.length || names.some((n) => !known.includes(n))) {
        throw new Error(`Adam: this optimizer updates ${known.length} weights and was given gradients for a different set (${names.length})`);
      }
      return this.groups;
    }
    const groups: MomentGroup[] = [];
    for (let i = 0; i < names.length; i += MOMENT_GROUP) {
      const chunk = names.slice(i, i + MOMENT_GROUP);
      const sizes = chunk.map((n) => {
        const v = variables[n];
        if (v === undefined) throw new Error(`Adam: no variable named ${n}`);
        return v.size;
      });
      const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
      const total = sizes.reduce((a, b) => a + b, 0);
      // Fresh memory of its own (zeros, never a view of another tensor): written in place.
      groups.push({ names: chunk, starts, moments: tf.keep(tf.zeros([2 * total])) as tf.Tensor1D });
    }
    this.groups = groups;
    return groups;
  }

  dispose(): void {
    this.fallback?.dispose();
    tf.dispose((this.groups ?? []).map((g) => g.moments));
    this.groups = null;
  }
}
