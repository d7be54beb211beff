// URL settings a lecturer can share: ?backend= forces an order, ?seed= makes sampling repeatable.
import { describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, vi } from 'vitest';
import { backendsFromUrl, baseCheckpointUrl, seedFromUrl, withBackend } from '../../src/app/config';
import BackendChooser from '../../src/ui/BackendChooser.svelte';
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

describe('choosing the backend', () => {
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it('sets or removes the backend in the address and keeps the other settings', () => {
    expect(withBackend('?beta=0.1', 'wasm')).toBe('?beta=0.1&backend=wasm');
    expect(withBackend('?backend=webgpu&beta=0.1', 'cpu')).toBe('?backend=cpu&beta=0.1');
    expect(withBackend('?backend=wasm&beta=0.1', null)).toBe('?beta=0.1');
    expect(withBackend('?backend=wasm', null)).toBe('');
  });

  it('shows the backend the address asks for and reloads with the one chosen', async () => {
    const navigate = vi.fn();
    render(BackendChooser, { props: { search: '?backend=webgpu&seed=3', running: false, navigate } });
    const select = screen.getByLabelText('Run on') as HTMLSelectElement;
    expect(select.value).toBe('webgpu');
    select.value = 'wasm';
    await fireEvent.change(select);
    expect(navigate).toHaveBeenCalledWith('?backend=wasm&seed=3');
  });

  it('asks first while a run trains, and stays put when the person says no', async () => {
    const navigate = vi.fn();
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false);
    render(BackendChooser, { props: { search: '', running: true, navigate } });
    const select = screen.getByLabelText('Run on') as HTMLSelectElement;
    expect(select.value).toBe('auto');
    select.value = 'cpu';
    await fireEvent.change(select);
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(navigate).not.toHaveBeenCalled();
    expect(select.value).toBe('auto');
  });
});
