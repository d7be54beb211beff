// GELU (tanh approximation, as x * sigmoid(2u)) on WebGPU: one kernel forward, one backward,
// instead of six and seven composite ops. C1 and C2 are ops.ts's constants, passed in.
import * as tf from '@tensorflow/tfjs';
import { callKernel, registerWebGpuKernel, runKernel } from './program';

const uniforms = (attrs: Record<string, number>) => [
  { name: 'c1', type: 'f32' as const, value: attrs.c1 },
  { name: 'c2', type: 'f32' as const, value: attrs.c2 },
];
// sigmoid(x * (c1 + c2 x^2)); exp of a large argument is inf and the sigmoid 0, as it should be.
const SIGMOID = 'let s = 1.0 / (1.0 + exp(-v * (uniforms.c1 + uniforms.c2 * v * v)));';

registerWebGpuKernel('RlhfGelu', (inputs, attrs, backend) =>
  runKernel(backend, {
    key: 'gelu',
    inputs: ['x'],
    outputShape: inputs.x.shape,
    threads: tf.util.sizeFromShape(inputs.x.shape),
    uniforms: uniforms(attrs),
    main: `let v = x[index]; ${SIGMOID} result[index] = v * s;`,
  }, [inputs.x]),
);

registerWebGpuKernel('RlhfGeluGrad', (inputs, attrs, backend) =>
  runKernel(backend, {
    key: 'gelu_grad',
    inputs: ['dy', 'x'],
    outputShape: inputs.x.shape,
    threads: tf.util.sizeFromShape(inputs.x.shape),
    uniforms: uniforms(attrs),
    main: `
      let v = x[index];
      ${SIGMOID}
      let dz = uniforms.c1 + 3.0 * uniforms.c2 * v * v;
      result[index] = dy[index] * (s + s * (1.0 - s) * v * dz);`,
  }, [inputs.dy, inputs.x]),
);

export const webGpuGelu = {
  forward: (x: tf.Tensor, c1: number, c2: number): tf.Tensor => callKernel('RlhfGelu', { x }, { c1, c2 }),
  grad: (dy: tf.Tensor, x: tf.Tensor, c1: number, c2: number): tf.Tensor => callKernel('RlhfGeluGrad', { dy, x }, { c1, c2 }),
};
