// Works around a TF.js 4.22 WebGPU limit: its AddN kernel binds every input as a storage buffer
// in one shader, and WebGPU's default limit is 8 storage buffers per stage (SwiftShader and many
// real GPUs keep the default). tf.addN over more than 7 tensors (e.g. the squared norms of all
// gradients in clipByGlobalNorm) then fails validation and the result is garbage. This re-registers
// AddN for webgpu so it sums at most `maxInputs` tensors per shader, in a tree.
import * as tf from '@tensorflow/tfjs';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap | tf.TensorInfo[];
  backend: { disposeData(dataId: unknown): unknown; device?: GPUDevice };
  attrs?: tf.NamedAttrMap;
}

/** Chunked AddN for the webgpu backend. Safe to call more than once. */
export function installWebGpuAddNFix(): void {
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original || (original.kernelFunc as { chunked?: boolean }).chunked) return;
  const base = original.kernelFunc as unknown as (args: KernelArgs) => tf.TensorInfo;
  const chunked = (args: KernelArgs): tf.TensorInfo => {
    const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as tf.TensorInfo[];
    const limit = args.backend.device?.limits.maxStorageBuffersPerShaderStage ?? 8;
    const maxInputs = Math.max(2, limit - 1);
    if (inputs.length <= maxInputs) return base(args);
    let level = inputs;
    const temporaries: tf.TensorInfo[] = [];
    while (level.length > maxInputs) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += maxInputs) {
        const group = level.slice(i, i + maxInputs);
        if (group.length === 1) {
          next.push(group[0]);
          continue;
        }
        const sum = base({ ...args, inputs: group });
        temporaries.push(sum);
        next.push(sum);
      }
      level = next;
    }
    const out = base({ ...args, inputs: level });
    for (const t of temporaries) args.backend.disposeData(t.dataId);
    return out;
  };
  (chunked as { chunked?: boolean }).chunked = true;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...original, kernelFunc: chunked as unknown as tf.KernelFunc });
}
