// Column sums of a 2-D tensor on WebGPU in one dispatch (a bias gradient). tf.sum over axis 0
// costs two there: TF.js transposes the axis last, then reduces.
import * as tf from '@tensorflow/tfjs';
import { callKernel, registerWebGpuKernel, runKernel } from './program';

registerWebGpuKernel('RlhfColumnSums', (inputs, _attrs, backend) => {
  const [rows, cols] = inputs.x.shape;
  return runKernel(backend, {
    key: 'column_sums',
    inputs: ['x'],
    outputShape: [cols],
    threads: cols,
    uniforms: [{ name: 'rows', type: 'i32', value: rows }, { name: 'cols', type: 'i32', value: cols }],
    main: `
      var s = 0.0;
      for (var r = 0; r < uniforms.rows; r++) { s += x[r * uniforms.cols + index]; }
      result[index] = s;`,
  }, [inputs.x]);
});

export const webGpuColumnSums = (x: tf.Tensor2D): tf.Tensor1D => callKernel('RlhfColumnSums', { x }) as tf.Tensor1D;
