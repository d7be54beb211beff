// Node only: start a TF.js backend for scripts and tests. WebGPU comes from the `webgpu` package
// (Dawn), whose globals and navigator.gpu must exist before tfjs-backend-webgpu is imported; wasm
// loads its binaries from node_modules by file path. Never imported by browser code.
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { selectBackend, isBackendName, BACKEND_NAMES, type BackendName, type BackendReport } from './backend.ts';

// The wasm package's dist folder, found the way Node resolves the package (works from any cwd).
function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

let dawnInstalled = false;

/** Puts Dawn's navigator.gpu and GPU* constants on globalThis. Returns a reason if it cannot. */
async function installDawn(): Promise<string | null> {
  if (dawnInstalled) return null;
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav?.gpu) {
    dawnInstalled = true;
    return null;
  }
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    // Node 21+ has a read-only global navigator; replace it with one that carries gpu.
    const base = nav && typeof nav === 'object' ? { userAgent: 'node', ...nav } : { userAgent: 'node' };
    Object.defineProperty(globalThis, 'navigator', { value: { ...base, gpu }, configurable: true, writable: true });
    dawnInstalled = true;
    return null;
  } catch (err) {
    return `the webgpu package could not be loaded (${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * Starts `name` in Node, or with 'auto' the first that works of webgpu, wasm, cpu (no WebGL in
 * Node). Note: while a Dawn device is alive Node does not exit on its own; scripts should call
 * process.exit at the end.
 */
export async function initNodeBackend(name: BackendName | 'auto'): Promise<BackendReport> {
  if (name !== 'auto' && !isBackendName(name)) {
    throw new Error(`unknown backend "${String(name)}"; expected auto or one of ${BACKEND_NAMES.join(', ')}`);
  }
  const order: BackendName[] = name === 'auto' ? ['webgpu', 'wasm', 'cpu'] : [name];
  const early: BackendReport['fallbacks'] = [];
  if (order[0] === 'webgpu') {
    const problem = await installDawn();
    if (problem) {
      if (name === 'webgpu') throw new Error(`WebGPU unavailable: ${problem}`);
      early.push({ name: 'webgpu', reason: `WebGPU unavailable: ${problem}` });
      order.shift();
    }
  }
  const report = await selectBackend(order, { wasmPaths: wasmDistDir() });
  return { name: report.name, fallbacks: [...early, ...report.fallbacks] };
}
