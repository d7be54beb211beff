// URL settings a lecturer can share: ?backend= forces an order, ?seed= makes sampling repeatable.
import { describe, expect, it } from 'vitest';
import { backendsFromUrl, baseCheckpointUrl, seedFromUrl } from '../../src/app/config';
import { clampGeneration, GENERATION_LIMITS } from '../../src/worker/protocol';

describe('page config from the URL', () => {
  it('reads a backend order and drops unknown names', () => {
    expect(backendsFromUrl('?backend=wasm')).toEqual(['wasm']);
    expect(backendsFromUrl('?backend=WebGL,%20cpu,metal,cpu')).toEqual(['webgl', 'cpu']);
    expect(backendsFromUrl('?backend=metal')).toBeUndefined();
    expect(backendsFromUrl('')).toBeUndefined();
  });

  it('reads a numeric seed only', () => {
    expect(seedFromUrl('?seed=42')).toBe(42);
    expect(seedFromUrl('?seed=-1')).toBeUndefined();
    expect(seedFromUrl('?seed=abc')).toBeUndefined();
    expect(seedFromUrl('')).toBeUndefined();
  });

  it('puts the shipped checkpoint under the app base', () => {
    expect(baseCheckpointUrl('/', 'http://127.0.0.1:4173/')).toBe('http://127.0.0.1:4173/models/base/base.ckpt');
    expect(baseCheckpointUrl('/play/', 'https://example.org/play/index.html')).toBe('https://example.org/play/models/base/base.ckpt');
    expect(baseCheckpointUrl('./', 'https://example.org/demo/')).toBe('https://example.org/demo/models/base/base.ckpt');
  });
});

describe('generation settings', () => {
  it('clamps into range and replaces NaN with the defaults', () => {
    expect(clampGeneration(5, 1000)).toEqual({ temperature: 2, maxNewTokens: 256 });
    expect(clampGeneration(-1, 0)).toEqual({ temperature: 0, maxNewTokens: 1 });
    expect(clampGeneration(0.7, 12.6)).toEqual({ temperature: 0.7, maxNewTokens: 13 });
    expect(clampGeneration(Number.NaN, Number.NaN)).toEqual({
      temperature: GENERATION_LIMITS.temperature.default,
      maxNewTokens: GENERATION_LIMITS.maxNewTokens.default,
    });
  });
});
