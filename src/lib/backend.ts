// Choose the TF.js backend: webgpu -> webgl -> wasm -> cpu (or a given order), and say in plain
// words why each earlier choice was passed over, so the UI can tell the user what they are running.
// Runs in a page, a dedicated Web Worker and Node: no `window`, no DOM; WebGL is probed through
// OffscreenCanvas. webgpu and wasm are registered lazily (dynamic import) so a page that only needs
// cpu never loads them. Node-only set-up (Dawn, file paths) lives in backend-node.ts.
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendFallback {
  name: BackendName;
  reason: string;
}

export interface BackendReport {
  name: BackendName;
  fallbacks: BackendFallback[];
  /** wasm only: the threads it computes with (1 unless the page is cross-origin isolated). */
  threads?: number;
}

/** Where the wasm backend finds its binaries: a URL/path prefix ending in '/', or one per file. */
export type WasmPaths = string | Partial<Record<WasmFileName, string>>;
export type WasmFileName = 'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';

export interface SelectBackendOptions {
  /** Overrides where the wasm binaries come from (backend-node.ts passes a file path). When absent,
   *  a browser uses the URLs Vite emitted for the bundled binaries and Node uses tfjs's default. */
  wasmPaths?: WasmPaths;
  /**
   * Pass over a GPU backend that runs on a software renderer (SwiftShader, llvmpipe, a fallback
   * adapter): measured 100-180x slower than wasm for this model. For the automatic order; a
   * person who asks for WebGPU by name gets it.
   */
  avoidSoftwareGpu?: boolean;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|microsoft basic/i;

/** Whether a GPU's self-description names a software renderer. */
export function isSoftwareRenderer(description: string): boolean {
  return SOFTWARE_RENDERER.test(description);
}

const SOFTWARE_REASON = 'it runs on a software renderer (SwiftShader or similar), far slower than WebAssembly here; choose it by name to use it anyway';

const LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/** Thrown by a probe to mean "this backend cannot run here"; the message is the user-facing reason. */
class Unavailable extends Error {}

export function isBackendName(name: unknown): name is BackendName {
  return typeof name === 'string' && (BACKEND_NAMES as readonly string[]).includes(name);
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function probeWebGPU(options: SelectBackendOptions): Promise<void> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (!nav) throw new Unavailable('navigator is missing');
  if (!nav.gpu) throw new Unavailable('navigator.gpu is missing');
  let adapter: GPUAdapter | null;
  try {
    adapter = await nav.gpu.requestAdapter();
  } catch (err) {
    throw new Unavailable(`requesting an adapter failed (${errorText(err)})`);
  }
  if (!adapter) throw new Unavailable('no adapter');
  if (options.avoidSoftwareGpu) {
    // isFallbackAdapter moved from the adapter to its info in newer browsers: read both.
    const soft = adapter as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean };
    const info = soft.info;
    const described = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ');
    if (soft.isFallbackAdapter || info?.isFallbackAdapter || isSoftwareRenderer(described)) throw new Unavailable(SOFTWARE_REASON);
  }
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    throw new Unavailable(`the backend could not be loaded (${errorText(err)})`);
  }
}

function probeWebGL(options: SelectBackendOptions): void {
  // OffscreenCanvas exists in pages and in workers; the DOM does not exist in a worker.
  if (typeof OffscreenCanvas === 'undefined') throw new Unavailable('OffscreenCanvas is missing');
  let ctx: unknown = null;
  try {
    const canvas = new OffscreenCanvas(1, 1);
    ctx = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  } catch (err) {
    throw new Unavailable(`creating a context failed (${errorText(err)})`);
  }
  if (!ctx) throw new Unavailable('no WebGL context could be created');
  if (options.avoidSoftwareGpu) {
    const gl = ctx as WebGLRenderingContext;
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    if (isSoftwareRenderer(renderer)) throw new Unavailable(SOFTWARE_REASON);
  }
}

// setWasmPaths throws once the wasm backend has been initialised, so set the paths only once.
let wasmPathsSet = false;

async function probeWasm(options: SelectBackendOptions): Promise<void> {
  if (typeof WebAssembly === 'undefined') throw new Unavailable('WebAssembly is missing');
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    throw new Unavailable(`the backend could not be loaded (${errorText(err)})`);
  }
  if (wasmPathsSet) return;
  let paths = options.wasmPaths;
  if (paths === undefined && !isNode()) {
    // Browser: the URLs of the binaries Vite bundled (?url imports, kept in their own module).
    paths = (await import('./backend-wasm-urls.ts')).WASM_URLS;
  }
  if (paths !== undefined) {
    if (typeof paths === 'string') wasm.setWasmPaths(paths);
    else wasm.setWasmPaths(paths);
  }
  wasmPathsSet = true;
}

async function probe(name: BackendName, options: SelectBackendOptions): Promise<void> {
  switch (name) {
    case 'webgpu':
      return probeWebGPU(options);
    case 'webgl':
      return probeWebGL(options);
    case 'wasm':
      return probeWasm(options);
    case 'cpu':
      return; // registered by '@tensorflow/tfjs' and always works
  }
}

/** A tiny computation read back asynchronously: catches a backend that initialises but computes
 *  nothing (e.g. WebGPU in Chromium without the right flags returns zeros). */
async function smokeTest(): Promise<void> {
  const t = tf.tidy(() => tf.add(tf.tensor1d([1, 2, 3]), tf.scalar(2)).mul(tf.scalar(3)));
  const values = await t.data();
  t.dispose();
  if (values[0] !== 9 || values[1] !== 12 || values[2] !== 15) {
    throw new Unavailable('a test computation gave a wrong result');
  }
}

async function tryBackend(name: BackendName, options: SelectBackendOptions): Promise<void> {
  await probe(name, options);
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new Unavailable(`initialisation failed (${errorText(err)})`);
  }
  if (!ok) throw new Unavailable('initialisation failed');
  await tf.ready();
  await smokeTest();
}

/**
 * Tries each backend in `preference` order (default webgpu, webgl, wasm, cpu) and keeps the first
 * that initialises and computes correctly. Every earlier failure is reported with a reason.
 * Throws if a name is unknown, the list is empty, or nothing in it works.
 */
export async function selectBackend(
  preference: readonly BackendName[] = BACKEND_NAMES,
  options: SelectBackendOptions = {},
): Promise<BackendReport> {
  // Checked at run time too: names may come from a URL or a CLI flag.
  const names: readonly unknown[] = preference;
  if (names.length === 0) throw new Error('selectBackend needs at least one backend name');
  for (const name of names) {
    if (!isBackendName(name)) {
      throw new Error(`unknown backend "${String(name)}"; expected one of ${BACKEND_NAMES.join(', ')}`);
    }
  }
  const fallbacks: BackendFallback[] = [];
  for (const name of preference) {
    try {
      await tryBackend(name, options);
      if (name === 'wasm') return { name, fallbacks, threads: (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() };
      return { name, fallbacks };
    } catch (err) {
      const detail = err instanceof Unavailable ? err.message : `unexpected error (${errorText(err)})`;
      fallbacks.push({ name, reason: `${LABEL[name]} unavailable: ${detail}` });
    }
  }
  throw new Error(`no backend could be started: ${fallbacks.map((f) => f.reason).join('; ')}`);
}

/** One line for the UI: "webgpu", or "wasm (WebGPU unavailable: no adapter; WebGL unavailable: ...)". */
export function describeBackend(report: BackendReport): string {
  if (report.fallbacks.length === 0) return report.name;
  return `${report.name} (${report.fallbacks.map((f) => f.reason).join('; ')})`;
}
