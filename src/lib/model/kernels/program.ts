// A tiny layer over TF.js's WebGPU program machinery for this model's fused kernels. TF.js writes
// the shader's prelude (one storage buffer per input, named as in `inputs`, a read-write `result`,
// and a uniform struct with every shape plus the program's own uniforms); a kernel here supplies
// only its main function. Typed structurally, so the model code does not import the webgpu
// backend package (it is loaded, or not, by backend.ts).
import * as tf from '@tensorflow/tfjs';

/** The fields of tfjs-backend-webgpu's WebGPUProgram that a flat (1-D dispatch) program sets. */
interface FlatProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms?: string;
  getUserCode: () => string;
}

interface WebGpuBackendLike {
  runWebGPUProgram(
    program: FlatProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: Array<{ type: string; data: number[] }>,
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
}

export type Uniform = { name: string; type: 'f32' | 'i32'; value: number };

export interface KernelSpec {
  /** Unique per shader source: include every constant baked into `main`. */
  key: string;
  /** Input names in the shader, in the order of the tensors passed to runKernel. */
  inputs: string[];
  outputShape: number[];
  /** Threads to launch; each gets `index` in [0, threads) and checks it against uniforms.threads. */
  threads: number;
  uniforms?: Uniform[];
  /** The body of main(index : i32). */
  main: string;
  /** Module-scope WGSL before main (workgroup arrays, helper functions). */
  prelude?: string;
  /**
   * Return early in threads past `threads` (default). A kernel that calls workgroupBarrier() must
   * launch exactly a whole number of workgroups and set this false (barriers need uniform flow).
   */
  guard?: boolean;
}

/** Threads per workgroup of every kernel here. */
export const WORKGROUP = 64;

/**
 * Runs one kernel: a single GPU dispatch of `threads` invocations writing `result`. With `into`,
 * result is that existing tensor's buffer, written in place (elements the kernel does not write
 * keep their values); its shape must be spec.outputShape.
 */
export function runKernel(backend: unknown, spec: KernelSpec, inputs: tf.TensorInfo[], dtype: tf.DataType = 'float32', into?: tf.TensorInfo): tf.TensorInfo {
  if (inputs.length !== spec.inputs.length) throw new Error(`${spec.key}: ${inputs.length} tensors for inputs ${spec.inputs.join(', ')}`);
  const uniforms: Uniform[] = [{ name: 'threads', type: 'i32', value: spec.threads }, ...(spec.uniforms ?? [])];
  const program: FlatProgram = {
    outputShape: spec.outputShape,
    shaderKey: `rlhf_${spec.key}`,
    dispatchLayout: { x: spec.outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(spec.threads / WORKGROUP), 1, 1],
    variableNames: spec.inputs,
    workgroupSize: [WORKGROUP, 1, 1],
    size: false,
    uniforms: uniforms.map((u) => `${u.name} : ${u.type},`).join(' '),
    getUserCode: () => `
      ${spec.prelude ?? ''}
      fn main(index : i32) {
        ${spec.guard === false ? '' : 'if (index >= uniforms.threads) { return; }'}
        ${spec.main}
      }`,
  };
  const data = uniforms.map((u) => ({ type: u.type === 'f32' ? 'float32' : 'int32', data: [u.value] }));
  return (backend as WebGpuBackendLike).runWebGPUProgram(program, inputs, dtype, data, into);
}

/** True when the fused kernels apply: the active backend is WebGPU. */
export const onWebGpu = (): boolean => tf.getBackend() === 'webgpu';

type KernelBody = (inputs: Record<string, tf.TensorInfo>, attrs: Record<string, number>, backend: unknown) => tf.TensorInfo;

/** Registers a fused kernel for the webgpu backend under `name` (once; re-imports are no-ops). */
export function registerWebGpuKernel(name: string, body: KernelBody): void {
  if (tf.getKernel(name, 'webgpu') !== undefined) return;
  tf.registerKernel({
    kernelName: name,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => body(inputs as Record<string, tf.TensorInfo>, attrs as unknown as Record<string, number>, backend),
  });
}

/** Runs a registered kernel by name on the active backend (the op wrappers' one entry point). */
export function callKernel(name: string, inputs: tf.NamedTensorMap, attrs: Record<string, number> = {}): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
