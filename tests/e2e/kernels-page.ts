// Runs the fused-kernel cases (tests/webgpu/kernel-cases.ts) on the browser's WebGPU and leaves
// the measurements on window for kernels.test.ts to read and assert.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { runAdamCase, runNormCase, runOpCases } from '../webgpu/kernel-cases';

const page = window as unknown as { kernelResults?: unknown };

async function main(): Promise<void> {
  try {
    if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU did not start');
    page.kernelResults = { backend: tf.getBackend(), ops: await runOpCases(), adam: await runAdamCase(), norm: await runNormCase() };
  } catch (err) {
    page.kernelResults = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

void main();
