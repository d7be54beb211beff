// TF.js's threaded wasm in a bundled page. Two things it needs:
// 1. Cross-origin isolation (these headers, on `npm start` and `npm run dev`): without it the
//    browser gives no SharedArrayBuffer and TF.js runs wasm on one thread.
// 2. A factory that survives minification. TF.js starts each pthread worker from the factory's own
//    source (`factory.toString()` in a Blob). The factory reads `_scriptDir`, a variable of the
//    closure around it; a minifier renames that variable and drops the `typeof` guard, so every
//    worker died with "e is not defined". This transform gives the factory its own `_scriptDir`,
//    so the source TF.js copies refers to nothing outside itself.
import type { Plugin } from 'vite';

export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

const FACTORY_FILE = /tfjs-backend-wasm\/wasm-out\/tfjs-backend-wasm-threaded-simd\.js$/;
const FACTORY_START = 'function(WasmBackendModuleThreadedSimd) {';
const OWN_SCRIPT_DIR = "var _scriptDir = typeof document !== 'undefined' && document.currentScript ? document.currentScript.src : undefined;";

/** The factory's source with `_scriptDir` declared inside it; throws if TF.js's file changed shape. */
export function selfContainedFactory(source: string): string {
  const at = source.indexOf(FACTORY_START);
  if (at < 0 || source.indexOf(FACTORY_START, at + 1) >= 0) {
    throw new Error('tfjs-backend-wasm-threaded-simd.js no longer has one factory function: check the threaded wasm build (scripts/lib/vite-wasm-threads.ts)');
  }
  const end = at + FACTORY_START.length;
  return `${source.slice(0, end)}\n  ${OWN_SCRIPT_DIR}${source.slice(end)}`;
}

export function wasmThreadsPlugin(): Plugin {
  return {
    name: 'rlhf:wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      if (!FACTORY_FILE.test(id.split('?')[0])) return null;
      return { code: selfContainedFactory(code), map: null };
    },
  };
}
