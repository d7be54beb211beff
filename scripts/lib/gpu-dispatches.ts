// Counts GPU program dispatches on TF.js's WebGPU backend: the cost that bounds a model this small
// on a real GPU (each dispatch costs tens of microseconds of driver overhead, whatever it computes).
// Counted where the backend records a dispatch (recordAndSubmit), not from tf.profile's kernel
// list: a kernel can dispatch several programs or none (reshape), and fused kernels dispatch once.
import * as tf from '@tensorflow/tfjs';

interface RecordingBackend {
  recordAndSubmit: (...args: unknown[]) => unknown;
}

/** Runs fn and returns its result with the number of WebGPU programs it dispatched. */
export async function countDispatches<T>(fn: () => Promise<T> | T): Promise<{ result: T; dispatches: number }> {
  if (tf.getBackend() !== 'webgpu') throw new Error(`countDispatches: the active backend is ${tf.getBackend()}, not webgpu`);
  const backend = tf.backend() as unknown as RecordingBackend;
  const original = backend.recordAndSubmit;
  if (typeof original !== 'function') throw new Error('countDispatches: this tfjs-backend-webgpu has no recordAndSubmit to count');
  let dispatches = 0;
  backend.recordAndSubmit = function (this: unknown, ...args: unknown[]) {
    dispatches++;
    return original.apply(this, args);
  };
  try {
    const result = await fn();
    return { result, dispatches };
  } finally {
    backend.recordAndSubmit = original;
  }
}
