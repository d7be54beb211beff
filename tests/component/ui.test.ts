// Thin components, rendered in jsdom: what a user sees and can do with the keyboard.
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import AlertRegion from '../../src/ui/AlertRegion.svelte';
import BackendBadge from '../../src/ui/BackendBadge.svelte';
import ModelPanel from '../../src/ui/ModelPanel.svelte';
import PromptBox from '../../src/ui/PromptBox.svelte';
import GenerationOutput from '../../src/ui/GenerationOutput.svelte';
import ProjectorToggle from '../../src/ui/ProjectorToggle.svelte';
import PipelineView from '../../src/ui/pipeline/PipelineView.svelte';
import { offlineController } from './controller';

afterEach(() => cleanup());

describe('BackendBadge', () => {
  it('names the backend and every fallback reason', () => {
    render(BackendBadge, {
      props: {
        backend: 'wasm',
        fallbacks: [
          { name: 'webgpu', reason: 'WebGPU unavailable: no adapter' },
          { name: 'webgl', reason: 'WebGL unavailable: no WebGL context could be created' },
        ],
      },
    });
    const badge = screen.getByTestId('backend-badge');
    expect(badge.dataset.backend).toBe('wasm');
    expect(badge.textContent).toContain('wasm');
    expect(screen.getByText('WebGPU unavailable: no adapter')).toBeTruthy();
    expect(screen.getByText(/WebGL unavailable/)).toBeTruthy();
  });

  it('shows no reasons when the first choice worked', () => {
    render(BackendBadge, { props: { backend: 'webgpu', fallbacks: [] } });
    expect(screen.getByTestId('backend-badge').textContent).toContain('webgpu');
    expect(screen.queryByRole('list')).toBeNull();
  });
});

describe('PromptBox', () => {
  function setup(busy: boolean) {
    const onsubmit = vi.fn();
    render(PromptBox, { props: { busy, temperature: 0.8, maxNewTokens: 16, onsubmit } });
    const textarea = screen.getByLabelText('Prompt') as HTMLTextAreaElement;
    const button = screen.getByRole('button') as HTMLButtonElement;
    return { onsubmit, textarea, button };
  }

  it('submits the prompt on Enter, but not on Shift+Enter', async () => {
    const { onsubmit, textarea } = setup(false);
    await fireEvent.input(textarea, { target: { value: 'what is 1 + 1?' } });
    await fireEvent.keyDown(textarea, { key: 'Enter', shiftKey: true });
    expect(onsubmit).not.toHaveBeenCalled();
    await fireEvent.keyDown(textarea, { key: 'Enter' });
    expect(onsubmit).toHaveBeenCalledTimes(1);
    expect(onsubmit).toHaveBeenCalledWith('what is 1 + 1?');
  });

  it('disables Generate and ignores Enter while busy', async () => {
    const { onsubmit, textarea, button } = setup(true);
    expect(button.disabled).toBe(true);
    expect(button.textContent).toContain('Generating');
    await fireEvent.keyDown(textarea, { key: 'Enter' });
    await fireEvent.click(button);
    expect(onsubmit).not.toHaveBeenCalled();
  });

  it('does not submit an empty prompt', async () => {
    const { onsubmit, textarea, button } = setup(false);
    await fireEvent.input(textarea, { target: { value: '   ' } });
    expect(button.disabled).toBe(true);
    await fireEvent.keyDown(textarea, { key: 'Enter' });
    expect(onsubmit).not.toHaveBeenCalled();
  });

  it('labels its settings', () => {
    setup(false);
    expect((screen.getByLabelText('Temperature') as HTMLInputElement).value).toBe('0.8');
    expect((screen.getByLabelText('Max new tokens') as HTMLInputElement).value).toBe('16');
  });
});

describe('GenerationOutput', () => {
  it('shows the answer as it is written, as text, then the finished one', async () => {
    const { rerender } = render(GenerationOutput, { props: { generation: null, busy: true, partial: { prompt: 'what is 2 plus 3?', text: '<b>5' } } });
    expect(screen.getByTestId('partial-text').textContent).toBe('<b>5');
    expect(document.querySelector('b')).toBeNull();
    expect(screen.queryByTestId('generated-text')).toBeNull();
    await rerender({
      generation: { model: 'base', answeredBy: 'base', prompt: 'what is 2 plus 3?', text: '5.', endedWithEos: true, unknownChars: [], ms: 40, temperature: 0.8, seed: 1 },
      busy: false,
      partial: null,
    });
    expect(screen.queryByTestId('partial-text')).toBeNull();
    expect(screen.getByTestId('generated-text').textContent).toBe('5.');
    expect(screen.getByTestId('answered-by').textContent?.trim()).toBe('Answered by the base model.');
  });

  it('says when another model answered than the one asked for (no PPO policy before PPO)', () => {
    const generation = { model: 'policy', answeredBy: 'sft', prompt: 'greet me', text: 'hello!', endedWithEos: true, unknownChars: [], ms: 40, temperature: 0.8, seed: 1 } as const;
    render(GenerationOutput, { props: { generation: { ...generation, unknownChars: [] }, busy: false } });
    expect(screen.getByTestId('answered-by').textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Answered by the SFT model (there is no PPO policy yet: it starts as the SFT model).',
    );
  });
});

describe('AlertRegion', () => {
  it('lets a notice be dismissed, as an error can be', async () => {
    const ondismissnotice = vi.fn();
    render(AlertRegion, { props: { error: null, notice: 'Resumed the saved run: PPO, round 1.', ondismissnotice } });
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss the notice' }));
    expect(ondismissnotice).toHaveBeenCalledTimes(1);
  });

  it('shows an error in role=alert as text, never as HTML', () => {
    render(AlertRegion, { props: { error: '<img src=x onerror=alert(1)> refused', notice: null } });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('<img src=x onerror=alert(1)> refused');
    expect(alert.querySelector('img')).toBeNull();
  });

  it('keeps the alert region in the page while empty', () => {
    render(AlertRegion, { props: { error: null, notice: null } });
    expect(screen.getByRole('alert').textContent?.trim()).toBe('');
  });
});

describe('ModelPanel', () => {
  const model = { layers: 4, heads: 4, width: 128, context: 96, vocab: 53, params: 812_345 };

  it('shows the config, the parameter count and "untrained model" for fresh weights', () => {
    render(ModelPanel, { props: { model, trained: false, origin: { kind: 'fresh', seed: 1 } } });
    expect(screen.getByTestId('trained-tag').textContent).toBe('untrained model');
    expect(screen.getByTestId('param-count').textContent).toBe('812.3k');
    expect(screen.getByTestId('model-config').textContent).toContain('96 tokens');
  });

  it('says trained for a loaded checkpoint', () => {
    render(ModelPanel, { props: { model, trained: true, origin: { kind: 'shipped', url: '/x', stage: 'pretrain' } } });
    expect(screen.getByTestId('trained-tag').textContent).toBe('trained');
  });
});

describe('PipelineView', () => {
  function view(customBase = false) {
    const pipeline = offlineController();
    render(PipelineView, { props: { pipeline, ready: true, baseTrained: true, customBase } });
    return pipeline;
  }

  it('refuses an impossible pretraining value at its field, and the base card says why it cannot start', async () => {
    view();
    const steps = screen.getByLabelText('Steps') as HTMLInputElement;
    await fireEvent.input(steps, { target: { value: '0' } });
    flushSync();
    expect(screen.getByTestId('problem-base-steps').textContent).toBe('Refused: pretraining steps must be a positive integer (got 0).');
    expect(steps.getAttribute('aria-invalid')).toBe('true');
    const start = screen.getByRole('button', { name: 'Pretrain from scratch' }) as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    expect(document.getElementById('base-blocked')?.textContent).toMatch(/^Fix the settings first: pretraining steps must be a positive integer/);
    await fireEvent.input(steps, { target: { value: '200' } });
    flushSync();
    expect(screen.queryByTestId('problem-base-steps')).toBeNull();
    expect(start.disabled).toBe(false);
  });

  it('offers Reset on the base card only when there is a base of your own to undo', () => {
    view();
    const reset = () => screen.getByRole('button', { name: /^Reset Base/ }) as HTMLButtonElement;
    expect(reset().disabled).toBe(true);
    cleanup();
    view(true);
    expect(reset().disabled).toBe(false);
    expect(screen.getByTestId('base-origin').textContent).toMatch(/your own base model .* kept in this browser/);
  });

  it('lists the four stages in order, not started, with the reasons a stage cannot start yet', () => {
    view();
    const items = screen.getAllByRole('listitem');
    expect(items.map((li) => li.dataset.stage)).toEqual(['base', 'sft', 'reward', 'ppo']);
    expect(items.map((li) => li.dataset.state)).toEqual(['not-started', 'not-started', 'not-started', 'not-started']);
    expect(screen.getByTestId('base-origin').textContent).toMatch(/shipped pretrained checkpoint/);
    const start = (stage: string) => items.find((li) => li.dataset.stage === stage)!.querySelector('button') as HTMLButtonElement;
    expect(start('sft').disabled).toBe(false);
    expect(start('reward').disabled).toBe(true);
    expect(document.getElementById('reward-blocked')?.textContent).toBe('Finish SFT first.');
    expect(start('ppo').disabled).toBe(true);
    expect(document.getElementById('ppo-blocked')?.textContent).toBe('Finish SFT first.');
    // Each field is a setting of the one tree: its label and its documented meaning.
    const beta = screen.getByLabelText('KL coefficient β') as HTMLInputElement;
    expect(beta.value).toBe('0.2');
    expect(document.getElementById(beta.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Leash to the SFT model/);
  });

  it('refuses an emptied beta or a negative learning rate at the field, naming the rule, and blocks the run', async () => {
    const pipeline = view();
    const beta = screen.getByLabelText('KL coefficient β') as HTMLInputElement;
    await fireEvent.input(beta, { target: { value: '' } });
    expect(screen.getByTestId('problem-beta').textContent).toBe('Refused: beta must be a number >= 0 (got empty).');
    expect(beta.getAttribute('aria-invalid')).toBe('true');
    expect(pipeline.settings.beta).toBe(0.2); // the refused text is not applied
    const lr = screen.getByLabelText('SFT learning rate') as HTMLInputElement;
    await fireEvent.input(lr, { target: { value: '-0.001' } });
    expect(screen.getByTestId('problem-sftLearningRate').textContent).toBe('Refused: sftLearningRate must be a number > 0 and < 1 (got -0.001).');
    flushSync();
    const sft = screen.getAllByRole('listitem').find((li) => li.dataset.stage === 'sft')!;
    expect((sft.querySelector('button') as HTMLButtonElement).disabled).toBe(true);
    expect(document.getElementById('sft-blocked')?.textContent).toMatch(/^Fix the settings first: beta must be/);
    await fireEvent.input(beta, { target: { value: '0.05' } });
    await fireEvent.input(lr, { target: { value: '3e-4' } });
    flushSync();
    expect([pipeline.settings.beta, pipeline.settings.sftLearningRate]).toEqual([0.05, 3e-4]);
    expect(screen.queryByTestId('problem-beta')).toBeNull();
    expect((sft.querySelector('button') as HTMLButtonElement).disabled).toBe(false);
  });

  it('reset to defaults clears a refused field too, even where the value itself did not change', async () => {
    const pipeline = view();
    const beta = screen.getByLabelText('KL coefficient β') as HTMLInputElement;
    await fireEvent.input(beta, { target: { value: '-1' } });
    expect(screen.getByTestId('problem-beta')).toBeTruthy();
    expect(pipeline.settings.beta).toBe(0.2);
    pipeline.resetSettings();
    flushSync();
    expect(beta.value).toBe('0.2');
    expect(screen.queryByTestId('problem-beta')).toBeNull();
    expect(beta.getAttribute('aria-invalid')).not.toBe('true');
  });
});

describe('ProjectorToggle', () => {
  it('makes the page large for a lecture hall, and remembers it', async () => {
    localStorage.removeItem('rlhf-playground-projector');
    document.documentElement.classList.remove('projector');
    const { unmount } = render(ProjectorToggle);
    const button = screen.getByRole('button', { name: /Projector mode/ });
    expect(button.getAttribute('aria-pressed')).toBe('false');
    await fireEvent.click(button);
    expect(button.getAttribute('aria-pressed')).toBe('true');
    expect(document.documentElement.classList.contains('projector')).toBe(true);
    unmount();
    // A new visit in this browser starts in projector mode.
    document.documentElement.classList.remove('projector');
    render(ProjectorToggle);
    expect(screen.getByRole('button', { name: /Projector mode/ }).getAttribute('aria-pressed')).toBe('true');
    expect(document.documentElement.classList.contains('projector')).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: /Projector mode/ }));
    expect(document.documentElement.classList.contains('projector')).toBe(false);
  });
});
