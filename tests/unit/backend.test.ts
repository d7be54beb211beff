// Backend selection in Node: no navigator.gpu here, so WebGPU must be passed over with a reason and
// the next choice (wasm, loaded lazily) must actually compute.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeBackend, isSoftwareRenderer, selectBackend, type BackendName } from '../../src/lib/backend.ts';
import { initNodeBackend } from '../../src/lib/backend-node.ts';

describe('selectBackend', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives cpu when asked for cpu', async () => {
    const report = await selectBackend(['cpu']);
    expect(report).toEqual({ name: 'cpu', fallbacks: [] });
    expect(tf.getBackend()).toBe('cpu');
    expect(describeBackend(report)).toBe('cpu');
  });

  it('falls back from webgpu to wasm when navigator.gpu is missing, saying why', async () => {
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    const report = await selectBackend(['webgpu', 'wasm']);
    expect(report.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.fallbacks).toHaveLength(1);
    expect(report.fallbacks[0].name).toBe('webgpu');
    expect(report.fallbacks[0].reason).toMatch(/^WebGPU unavailable: navigator(\.gpu)? is missing$/);
    expect(describeBackend(report)).toBe(`wasm (${report.fallbacks[0].reason})`);
    // The chosen backend really computes.
    const out = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await out.data())).toEqual([11]);
    out.dispose();
  });

  it('in the automatic order, passes over a WebGPU adapter that is a software renderer, saying why', async () => {
    const adapterOf = (info: Record<string, unknown>) => ({ gpu: { requestAdapter: async () => ({ info }) } });
    vi.stubGlobal('navigator', adapterOf({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }));
    try {
      const soft = await selectBackend(['webgpu', 'cpu'], { avoidSoftwareGpu: true });
      expect(soft.name).toBe('cpu');
      expect(soft.fallbacks[0].reason).toMatch(/^WebGPU unavailable: it runs on a software renderer/);
      vi.stubGlobal('navigator', adapterOf({ vendor: 'google', architecture: '', device: '', description: '', isFallbackAdapter: true }));
      expect((await selectBackend(['webgpu', 'cpu'], { avoidSoftwareGpu: true })).fallbacks[0].reason).toMatch(/software renderer/);
      // A hardware adapter is not passed over for being software (here it fails later: Node has no WebGPU device).
      vi.stubGlobal('navigator', adapterOf({ vendor: 'nvidia', architecture: 'hopper', device: '', description: '' }));
      const hard = await selectBackend(['webgpu', 'cpu'], { avoidSoftwareGpu: true });
      expect(hard.fallbacks[0].reason).not.toMatch(/software renderer/);
      // Asked for by name (no avoidSoftwareGpu), a software adapter is tried like any other.
      vi.stubGlobal('navigator', adapterOf({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }));
      expect((await selectBackend(['webgpu', 'cpu'])).fallbacks[0].reason).not.toMatch(/software renderer/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('recognises software renderers by name', () => {
    for (const name of ['Google SwiftShader', 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)', 'llvmpipe (LLVM 15.0.6, 256 bits)', 'Microsoft Basic Render Driver']) {
      expect(isSoftwareRenderer(name)).toBe(true);
    }
    for (const name of ['ANGLE (NVIDIA, NVIDIA GeForce RTX 3060)', 'Apple M2', 'nvidia hopper', 'Intel(R) UHD Graphics 620']) expect(isSoftwareRenderer(name)).toBe(false);
  });

  it('passes over WebGL in Node with a reason', async () => {
    const report = await selectBackend(['webgl', 'cpu']);
    expect(report.name).toBe('cpu');
    expect(report.fallbacks[0].reason).toMatch(/^WebGL unavailable: /);
  });

  it('rejects an unknown name before trying anything', async () => {
    const before = tf.getBackend();
    await expect(selectBackend(['tpu' as BackendName, 'cpu'])).rejects.toThrow(/unknown backend "tpu"/);
    await expect(selectBackend([])).rejects.toThrow(/at least one/);
    expect(tf.getBackend()).toBe(before);
  });

  it('initNodeBackend starts wasm and cpu by name and rejects unknown names', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    expect((await initNodeBackend('cpu')).name).toBe('cpu');
    await expect(initNodeBackend('gpu' as BackendName)).rejects.toThrow(/unknown backend "gpu"/);
  });

  it('describeBackend lists every reason in order', () => {
    expect(
      describeBackend({
        name: 'wasm',
        fallbacks: [
          { name: 'webgpu', reason: 'WebGPU unavailable: no adapter' },
          { name: 'webgl', reason: 'WebGL unavailable: OffscreenCanvas is missing' },
        ],
      }),
    ).toBe('wasm (WebGPU unavailable: no adapter; WebGL unavailable: OffscreenCanvas is missing)');
  });
});
