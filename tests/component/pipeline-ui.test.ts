// New pipeline controls in jsdom: the stage card's buttons by keyboard and its progress text,
// the rankings counter's C(K,2) counts, and the pipeline state against a fake worker (rankings
// saved at once, C(K,2) counted, a bad import refused with its line, stage events shown).
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import StageCard from '../../src/ui/pipeline/StageCard.svelte';
import RankingCounter from '../../src/ui/RankingCounter.svelte';
import RankingPanel from '../../src/ui/RankingPanel.svelte';
import { PipelineController, countRankings, modelInWords, timeLeft } from '../../src/app/pipeline.svelte';
import { createMemoryStore } from '../../src/app/persistence';
import { TINY_PRESET, presetFromUrl } from '../../src/app/presets';
import { smooth } from '../../src/ui/charts/smoothing';
import { WorkerClient, type WorkerLike } from '../../src/app/worker-client';
import type { WorkerCommand, WorkerEvent } from '../../src/worker/protocol';
import type { Ranking } from '../../src/lib/io/rankings';

afterEach(() => cleanup());

function ranking(id: string, k: number, source: 'human' | 'simulated', tiers?: number[][]): Ranking {
  return {
    id,
    prompt: 'what is 2 plus 3?',
    responses: Array.from({ length: k }, (_, i) => `answer ${i}`),
    order: tiers ?? Array.from({ length: k }, (_, i) => [i]),
    source,
    round: 0,
    model: 'sft',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('StageCard', () => {
  function setup(status: { state: 'not-started' | 'training' | 'paused' | 'done'; step: number; target: number; msPerStep?: number }, blockedReason: string | null = null) {
    const handlers = { onstart: vi.fn(), onpause: vi.fn(), onstep: vi.fn(), onreset: vi.fn() };
    render(StageCard, { props: { id: 'sft', number: 2, title: 'Supervised fine-tuning', summary: 'Two sentences.', status, blockedReason, ...handlers } });
    return handlers;
  }

  it('its controls are native buttons in tab order (Start, Step, Reset) that do what they say', async () => {
    const h = setup({ state: 'paused', step: 3, target: 10 });
    // Native <button>s: the browser gives them Tab focus and Enter/Space activation (jsdom does
    // not simulate that activation, so activation is sent as a click below).
    const buttons = screen.getAllByRole('button');
    expect(buttons.map((b) => b.textContent?.trim())).toEqual(['Start', 'Step', 'Reset']);
    for (const b of buttons) {
      expect(b.tagName).toBe('BUTTON');
      expect(b.getAttribute('tabindex')).toBeNull();
      b.focus();
      expect(document.activeElement).toBe(b);
    }
    const start = screen.getByRole('button', { name: 'Start' });
    await fireEvent.click(start);
    expect(h.onstart).toHaveBeenCalledTimes(1);
    const step = screen.getByRole('button', { name: 'One step of Supervised fine-tuning' });
    step.focus();
    await fireEvent.click(step);
    expect(h.onstep).toHaveBeenCalledTimes(1);
    await fireEvent.click(screen.getByRole('button', { name: 'Reset Supervised fine-tuning' }));
    expect(h.onreset).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('sft-state').textContent).toBe('paused');
    expect(screen.getByTestId('sft-step').textContent).toBe('Step 3 of 10');
    const bar = screen.getByRole('progressbar', { name: 'Supervised fine-tuning progress' }) as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([3, 10]);
  });

  it('while training offers Pause (not Start), disables step/reset and shows time left', async () => {
    const h = setup({ state: 'training', step: 4, target: 10, msPerStep: 2000 });
    expect(screen.queryByRole('button', { name: 'Start' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(h.onpause).toHaveBeenCalledTimes(1);
    expect((screen.getByRole('button', { name: /One step/ }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: /Reset/ }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('sft-step').textContent).toBe('Step 4 of 10, about 12 s left');
    expect(screen.getByTestId('sft-step').getAttribute('aria-live')).toBe('polite');
  });

  it('says it is pausing from the click until the step in progress ends', async () => {
    const handlers = { onstart: vi.fn(), onpause: vi.fn(), onstep: vi.fn(), onreset: vi.fn() };
    const props = { id: 'ppo', number: 4, title: 'PPO', summary: 'Two sentences.', status: { state: 'training' as const, step: 2, target: 20 }, ...handlers };
    const { rerender } = render(StageCard, { props });
    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(handlers.onpause).toHaveBeenCalledTimes(1);
    const pausing = screen.getByRole('button', { name: 'Pausing…' }) as HTMLButtonElement;
    expect(pausing.getAttribute('aria-disabled')).toBe('true');
    await fireEvent.click(pausing);
    expect(handlers.onpause).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('ppo-state').textContent).toBe('pausing…');
    expect(screen.getByText('Pausing after the step in progress…')).toBeTruthy();
    // Another step's progress arrives: still pausing. Then the worker reports the pause.
    await rerender({ ...props, status: { state: 'training', step: 3, target: 20 } });
    expect(screen.getByTestId('ppo-state').textContent).toBe('pausing…');
    await rerender({ ...props, status: { state: 'paused', step: 3, target: 20 } });
    expect(screen.getByTestId('ppo-state').textContent).toBe('paused');
    expect(screen.queryByText('Pausing after the step in progress…')).toBeNull();
    // Training again later: Pause is offered afresh.
    await rerender({ ...props, status: { state: 'training', step: 4, target: 20 } });
    expect(screen.getByRole('button', { name: 'Pause' })).toBeTruthy();
  });

  it('Start turns into Pause and back on the same button, so keyboard focus stays on it', async () => {
    const handlers = { onstart: vi.fn(), onpause: vi.fn(), onstep: vi.fn(), onreset: vi.fn() };
    const props = { id: 'sft', number: 2, title: 'SFT', summary: 'Two sentences.', status: { state: 'paused' as const, step: 3, target: 10 }, ...handlers };
    const { rerender } = render(StageCard, { props });
    const start = screen.getByRole('button', { name: 'Start' });
    start.focus();
    await fireEvent.click(start);
    await rerender({ ...props, status: { state: 'training', step: 4, target: 10 } });
    const pause = screen.getByRole('button', { name: 'Pause' });
    expect(pause).toBe(start);
    expect(document.activeElement).toBe(pause);
    await fireEvent.click(pause);
    await rerender({ ...props, status: { state: 'paused', step: 5, target: 10 } });
    expect(screen.getByRole('button', { name: 'Start' })).toBe(start);
    expect(document.activeElement).toBe(start);
    expect([handlers.onstart.mock.calls.length, handlers.onpause.mock.calls.length]).toEqual([1, 1]);
  });

  it('says why it cannot start, linked to the disabled button', () => {
    setup({ state: 'not-started', step: 0, target: 0 }, 'Train the reward model first.');
    const start = screen.getByRole('button', { name: 'Start' }) as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    expect(start.getAttribute('aria-describedby')).toBe('sft-blocked');
    expect(document.getElementById('sft-blocked')?.textContent).toBe('Train the reward model first.');
    // Reset has nothing to reset.
    expect((screen.getByRole('button', { name: /Reset/ }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('RankingCounter', () => {
  it('counts C(K,2) comparisons per ranking, split by source, ties giving none', () => {
    const counts = countRankings([
      ranking('a', 4, 'human'), // 6
      ranking('b', 9, 'human'), // 36
      ranking('c', 3, 'human', [[0, 1], [2]]), // 3 - 1 tied pair = 2
      ranking('d', 2, 'simulated'), // 1
      ranking('e', 5, 'simulated'), // 10
    ]);
    expect(counts).toEqual({ humanRankings: 3, humanComparisons: 44, simulatedRankings: 2, simulatedComparisons: 11 });
    render(RankingCounter, { props: { counts } });
    const el = screen.getByTestId('ranking-counter');
    expect(el.textContent).toMatch(/3 human rankings\s*\(44 comparisons\)/);
    expect(el.textContent).toMatch(/2 simulated\s*\(11 comparisons\)/);
    expect(el.textContent).toMatch(/Total in this browser: 55 comparisons/);
    expect(el.dataset.comparisons).toBe('55');
  });

  it('says "1 comparison" for one ranking of two', () => {
    render(RankingCounter, { props: { counts: countRankings([ranking('a', 2, 'human')]) } });
    expect(screen.getByTestId('ranking-counter').textContent).toMatch(/1 human ranking\s*\(1 comparison\)/);
  });
});

describe('small helpers', () => {
  it('the URL layers settings over the preset; a refused one is named, never silently clamped', () => {
    const p = presetFromUrl('?preset=tiny&beta=0.05&k=3');
    expect(p.name).toBe('tiny');
    expect([p.settings.beta, p.settings.k, p.settings.rankingsPerRound]).toEqual([0.05, 3, TINY_PRESET.settings.rankingsPerRound]);
    const bad = presetFromUrl('?k=50&sftLearningRate=-1&preset=huge');
    expect(bad.settings.k).toBe(4);
    expect(bad.refused).toEqual([
      'sftLearningRate must be a number > 0 and < 1 (got -1)',
      'k must be an integer from 2 to 9 (got 50)',
      'preset must be one of default, quick, overoptimize, tiny (got "huge")',
    ]);
    expect(presetFromUrl('?ppoBatchSize=3').refused).toEqual(['impossible settings: ppoBatchSize must be even (two minibatches), got 3']);
  });

  it('model names read as words, not as the ranking records them', () => {
    expect(['base', 'sft', 'policy@r0', 'policy@r1'].map(modelInWords)).toEqual(['the base model', 'the SFT model', 'the PPO policy (round 1)', 'the PPO policy (round 2)']);
  });

  it('time left comes from the mean step time, only while training', () => {
    expect(timeLeft({ state: 'training', step: 0, target: 100, msPerStep: 1500 })).toBe('about 3 min left');
    expect(timeLeft({ state: 'paused', step: 0, target: 100, msPerStep: 1500 })).toBeNull();
  });

  it('smoothing 0 is the identity; bias-corrected EMA starts at the first value', () => {
    const pts = [
      { x: 1, y: 1 },
      { x: 2, y: 3 },
    ];
    expect(smooth(pts, 0)).toEqual(pts);
    const s = smooth(pts, 0.5);
    expect(s[0].y).toBeCloseTo(1);
    expect(s[1].y).toBeCloseTo((0.5 * 0.5 * 1 + 0.5 * 3) / 0.75);
  });
});

/** A worker stand-in answering the pipeline's commands. */
class FakeWorker implements WorkerLike {
  commands: WorkerCommand[] = [];
  private listeners: ((event: Event) => void)[] = [];
  constructor(private readonly answer: (command: WorkerCommand, emit: (e: WorkerEvent) => void) => void) {}
  postMessage(message: unknown): void {
    const command = message as WorkerCommand;
    this.commands.push(command);
    queueMicrotask(() => this.answer(command, (e) => this.emit(e)));
  }
  addEventListener(type: string, fn: (event: Event) => void): void {
    if (type === 'message') this.listeners.push(fn);
  }
  terminate(): void {}
  emit(event: WorkerEvent): void {
    for (const l of this.listeners) l(new MessageEvent('message', { data: event }));
  }
}

function setupPipeline() {
  const worker = new FakeWorker((command, emit) => {
    if (command.type === 'rank') emit({ type: 'rankSamples', requestId: command.requestId, responses: Array.from({ length: command.settings.k }, (_, i) => `r${i}`), model: 'sft' });
  });
  const client = new WorkerClient(worker);
  const store = createMemoryStore();
  const errors: string[] = [];
  const notices: string[] = [];
  const pipeline = new PipelineController({
    getClient: () => client,
    store,
    preset: structuredClone(TINY_PRESET),
    onError: (m) => errors.push(m),
    onNotice: (m) => notices.push(m),
  });
  client.subscribe((e) => pipeline.onEvent(e));
  return { worker, store, errors, notices, pipeline };
}

describe('PipelineController', () => {
  it('saves a submitted ranking at once, with source, round and model, and counts C(K,2)', async () => {
    const { pipeline, store, worker } = setupPipeline();
    pipeline.settings.k = 4;
    await pipeline.newRankingTask();
    const rank = worker.commands.find((c) => c.type === 'rank');
    expect(rank?.type === 'rank' ? rank.settings.k : null).toBe(4);
    expect(pipeline.task?.responses.slice().sort()).toEqual(['r0', 'r1', 'r2', 'r3']);
    await pipeline.submitRanking({ order: [[2], [0], [3], [1]], flagged: [] });
    const saved = [...store.rankings.values()];
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ source: 'human', round: 0, model: 'sft', order: [[2], [0], [3], [1]] });
    flushSync();
    expect(pipeline.counts).toEqual({ humanRankings: 1, humanComparisons: 6, simulatedRankings: 0, simulatedComparisons: 0 });
    // A run in progress takes it at once, not only at the next start.
    const sent = worker.commands.filter((c) => c.type === 'addRankings');
    expect(sent.map((c) => (c.type === 'addRankings' ? c.rankings.map((r) => r.id) : []))).toEqual([[saved[0].id]]);
  });

  it('refuses a malformed import naming the line, and imports nothing', async () => {
    const { pipeline, store, errors } = setupPipeline();
    const good = JSON.stringify(ranking('x1', 2, 'human'));
    const file = new File([`${good}\n{"prompt": 1}\n`], 'bad.jsonl');
    await pipeline.importRankings(file);
    expect(errors.at(-1)).toMatch(/^Import refused: bad\.jsonl, line 2: .*Nothing was imported\.$/);
    expect(store.rankings.size).toBe(0);
    expect(pipeline.rankings).toHaveLength(0);
    // The same words next to the import control, where the person is looking.
    expect(pipeline.importMessage).toEqual({ kind: 'error', text: errors.at(-1) });
    render(RankingPanel, { props: { pipeline, ready: true, ondownload: () => undefined } });
    const shown = screen.getByTestId('import-message');
    expect(shown.textContent).toBe(errors.at(-1));
    // It sits in the ranking panel, right after the row of import and export controls.
    expect(shown.previousElementSibling?.contains(screen.getByTestId('rankings-import'))).toBe(true);
  });

  it('imports a good file and exports it back the same', async () => {
    const { pipeline, store, worker } = setupPipeline();
    const text = [ranking('x1', 2, 'human'), ranking('x2', 3, 'simulated')].map((r) => JSON.stringify(r)).join('\n');
    await pipeline.importRankings(new File([text], 'ok.jsonl'));
    expect(store.rankings.size).toBe(2);
    // The person's imported ranking goes to a run in progress; the simulated one does not.
    const sent = worker.commands.flatMap((c) => (c.type === 'addRankings' ? c.rankings.map((r) => r.id) : []));
    expect(sent).toEqual(['x1']);
    const out = pipeline.exportRankings('rankings');
    expect(out.text.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['x1', 'x2']);
    expect(pipeline.exportRankings('pairwise').text.trim().split('\n')).toHaveLength(1 + 3);
  });

  it('starts a card with the run\'s settings and every human ranking, and shows stage events', () => {
    const { pipeline, worker } = setupPipeline();
    pipeline.rankings = [ranking('h', 2, 'human'), ranking('s', 2, 'simulated')];
    pipeline.settings.beta = 0.05;
    pipeline.start('reward');
    const train = worker.commands.find((c) => c.type === 'train');
    expect(train).toMatchObject({ type: 'train', stage: 'reward', mode: 'run' });
    if (train?.type !== 'train' || train.stage === 'base') throw new Error('expected a program train command');
    expect(train.settings).toEqual({ ...TINY_PRESET.settings, beta: 0.05 });
    expect(train.humanRankings.map((r) => r.id)).toEqual(['h']);
    worker.emit({ type: 'stageState', stage: 'reward', state: 'training', step: 1, target: 2, msPerStep: 10 });
    worker.emit({ type: 'metrics', stage: 'reward', points: [{ step: 1, values: { loss: 0.7 } }] });
    flushSync();
    expect(pipeline.stages.reward).toMatchObject({ state: 'training', step: 1, target: 2 });
    expect(pipeline.metrics.reward).toEqual([{ step: 1, values: { loss: 0.7 } }]);
    expect(pipeline.running).toBe('reward');
  });

  it('refuses to start while a setting breaks its rule, naming it, and sends nothing', () => {
    const { pipeline, worker, errors } = setupPipeline();
    pipeline.settings.sftLearningRate = -1e-3;
    pipeline.setFieldProblem('beta', 'beta must be a number >= 0 (got empty)');
    flushSync();
    pipeline.start('sft');
    expect(worker.commands.filter((c) => c.type === 'train')).toHaveLength(0);
    expect(errors.at(-1)).toBe('Fix the settings first: sftLearningRate must be a number > 0 and < 1 (got -0.001); beta must be a number >= 0 (got empty).');
    pipeline.resetSettings();
    flushSync();
    pipeline.start('sft');
    expect(worker.commands.filter((c) => c.type === 'train')).toHaveLength(1);
    // The pretraining card too: a negative learning rate or a batch of 0 never reaches the worker.
    pipeline.pretrain = { steps: 10, learningRate: -1, batchSize: 0 };
    pipeline.start('base');
    expect(worker.commands.filter((c) => c.type === 'train')).toHaveLength(1);
    expect(errors.at(-1)).toBe('Fix the settings first: pretraining batch size must be a positive integer (got 0); pretraining learning rate must be a number > 0 and < 1 (got -1).');
  });

  it('keeps the rankings a run\'s rankings phase made, the moment they arrive', async () => {
    const { pipeline, store } = setupPipeline();
    pipeline.onEvent({ type: 'simulatedRankings', rankings: [ranking('s1', 2, 'simulated'), ranking('s2', 2, 'simulated')] });
    await new Promise((r) => setTimeout(r, 0));
    expect([...store.rankings.keys()]).toEqual(['s1', 's2']);
    expect(pipeline.counts.simulatedRankings).toBe(2);
  });

  it('a NaN pause message reaches the alert', () => {
    const { pipeline, worker, errors } = setupPipeline();
    worker.emit({ type: 'stageState', stage: 'ppo', state: 'paused', step: 3, target: 10, message: 'Training paused: ppo step 4: non-finite loss=NaN.' });
    flushSync();
    expect(pipeline.stages.ppo.state).toBe('paused');
    expect(errors.at(-1)).toMatch(/PPO: Training paused: .*NaN/);
  });
});

describe('worker helpers (pure)', () => {
  it('Lock runs holders one at a time, in order, and survives a failure', async () => {
    const { Lock } = await import('../../src/worker/lock');
    const lock = new Lock();
    const log: string[] = [];
    const slow = lock.run(async () => {
      log.push('a start');
      await new Promise((r) => setTimeout(r, 20));
      log.push('a end');
    });
    const failing = lock.run(() => {
      log.push('b');
      throw new Error('boom');
    });
    const after = lock.run(() => log.push('c'));
    await slow;
    await expect(failing).rejects.toThrow('boom');
    await after;
    expect(log).toEqual(['a start', 'a end', 'b', 'c']);
  });

  it('Throttle lets one call through per interval, and always when forced', async () => {
    const { Throttle } = await import('../../src/worker/lock');
    let now = 0;
    const t = new Throttle(300, () => now);
    expect(t.ready()).toBe(true);
    now = 100;
    expect(t.ready()).toBe(false);
    expect(t.ready(true)).toBe(true);
    now = 350;
    expect(t.ready()).toBe(false);
    now = 450;
    expect(t.ready()).toBe(true);
  });
});

describe('Next round', () => {
  it('on a finished run asks the worker for one more round, then runs it', async () => {
    const worker = new FakeWorker((command, emit) => {
      if (command.type === 'nextRound') {
        // As the worker does: where the run is first, then the answer.
        emit({ type: 'program', position: { phase: 'rankings', round: 1, step: 0, total: 3, rounds: 2 }, rankingRound: 1, summary: null, locked: {}, ptxPolicy: false });
        emit({ type: 'nextRound', requestId: command.requestId, round: 1 });
      }
    });
    const client = new WorkerClient(worker);
    const pipeline = new PipelineController({
      getClient: () => client,
      store: createMemoryStore(),
      preset: structuredClone(TINY_PRESET),
      onError: () => undefined,
      onNotice: () => undefined,
    });
    client.subscribe((e) => pipeline.onEvent(e));
    pipeline.onEvent({ type: 'program', position: { phase: 'done', round: 0, step: 1, total: 1, rounds: 1 }, rankingRound: 1, summary: null, locked: {}, ptxPolicy: false });
    await pipeline.nextRound();
    const kinds = worker.commands.map((c) => (c.type === 'train' ? `train:${c.stage}` : c.type));
    expect(kinds).toEqual(['nextRound', 'train:all']);
    // The run's settings say it has two rounds now (else the worker would refuse rounds=1 in round 2).
    const train = worker.commands[1];
    expect(train.type === 'train' && train.stage !== 'base' ? train.settings.rounds : null).toBe(2);
  });
});

describe('checkpoint upload', () => {
  it('any checkpoint becomes the base model, and the page says the run starts again from it', async () => {
    const { PlaygroundSession } = await import('../../src/app/session.svelte');
    const summary = { layers: 1, heads: 2, width: 32, context: 96, vocab: 53, params: 1000 };
    const worker = new FakeWorker((command, emit) => {
      if (command.type === 'init') {
        emit({ type: 'ready', backend: 'wasm', fallbacks: [], config: summary, params: 1000, trained: true, origin: { kind: 'shipped', url: 'x', stage: 'pretrain' } });
      } else if (command.type === 'loadCheckpoint') {
        emit({ type: 'checkpointLoaded', requestId: command.requestId, config: summary, params: 1000, trained: true, origin: { kind: 'uploaded', fileName: 'my-sft.ckpt', stage: 'sft' } });
      }
    });
    const session = new PlaygroundSession({ createClient: () => new WorkerClient(worker) });
    session.start();
    await new Promise((r) => setTimeout(r, 0));
    flushSync();
    expect(session.ready).toBe(true);
    await session.uploadCheckpoint(new File([new Uint8Array([1, 2, 3])], 'my-sft.ckpt'));
    expect(session.notice).toBe('Loaded my-sft.ckpt (saved from the sft stage) as the base model: the run starts again from it.');
    expect(session.origin).toEqual({ kind: 'uploaded', fileName: 'my-sft.ckpt', stage: 'sft' });
    expect(session.error).toBeNull();
    session.stop();
  });
});
