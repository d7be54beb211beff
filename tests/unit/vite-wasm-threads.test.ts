// The build's fix for TF.js's threaded wasm: its pthread workers are started from the factory's own
// source (factory.toString()), so the factory must read nothing from the closure around it. The
// e2e parity test checks the minified page end to end; this checks the transform on TF.js's file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CROSS_ORIGIN_ISOLATION, selfContainedFactory } from '../../scripts/lib/vite-wasm-threads';

const require = createRequire(import.meta.url);
const file = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
const original = readFileSync(file, 'utf8');

/** The factory the module exports, from source, as a bundler's CommonJS wrapper would run it. */
function factoryOf(source: string): (...args: unknown[]) => unknown {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', source)(module, module.exports);
  return module.exports as (...args: unknown[]) => unknown;
}

describe('selfContainedFactory', () => {
  it('declares _scriptDir inside the factory, so the source TF.js copies into each worker is whole', () => {
    const before = factoryOf(original).toString();
    const after = factoryOf(selfContainedFactory(original)).toString();
    // TF.js's own factory reads the closure's _scriptDir without declaring it.
    expect(before).toMatch(/_scriptDir/);
    expect(before).not.toMatch(/var _scriptDir/);
    // After: the first mention is its own declaration, and nothing else changed.
    expect(after.indexOf('_scriptDir')).toBe(after.indexOf('var _scriptDir') + 'var '.length);
    expect(after.replace(/\n\s*var _scriptDir = [^\n]*;/, '')).toBe(before);
  });

  it('refuses a file of another shape rather than building a page whose threads fail', () => {
    expect(() => selfContainedFactory('var x = 1;')).toThrow(/one factory function/);
  });

  it('asks for cross-origin isolation', () => {
    expect(CROSS_ORIGIN_ISOLATION).toEqual({ 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
  });
});
