// The rune state module and the typed worker client, against a fake worker that speaks the
// protocol: requests resolve by requestId, refusals surface as an alert and change nothing.
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { PlaygroundSession, REPLACE_RUN_BY_UPLOAD } from '../../src/app/session.svelte';
import { WorkerClient, type WorkerLike } from '../../src/app/worker-client';
import type { ModelSummary, WorkerCommand, WorkerEvent } from '../../src/worker/protocol';

const SUMMARY: ModelSummary = { layers: 2, heads: 2, width: 32, context: 64, vocab: 53, params: 30_000 };

/** A worker stand-in: records commands; the test decides how each is answered. */
class FakeWorker implements WorkerLike {
  commands: WorkerCommand[] = [];
  terminated = false;
  private listeners: { type: string; fn: (event: Event) => void }[] = [];
  constructor(private readonly answer: (command: WorkerCommand, emit: (e: WorkerEvent) => void) => void) {}
  postMessage(message: unknown): void {
    const command = message as WorkerCommand;
    this.commands.push(command);
    queueMicrotask(() => this.answer(command, (e) => this.emit(e)));
  }
  addEventListener(type: 'message' | 'error' | 'messageerror', fn: (event: Event) => void): void {
    this.listeners.push({ type, fn });
  }
  terminate(): void {
    this.terminated = true;
  }
  emit(event: WorkerEvent): void {
    for (const l of this.listeners) if (l.type === 'message') l.fn(new MessageEvent('message', { data: event }));
  }
  crash(message: string): void {
    for (const l of this.listeners) if (l.type === 'error') l.fn(new ErrorEvent('error', { message }));
  }
}

function standardAnswers(command: WorkerCommand, emit: (e: WorkerEvent) => void): void {
  switch (command.type) {
    case 'init':
      emit({ type: 'progress', phase: 'selecting a backend' });
      emit({
        type: 'ready',
        backend: 'wasm',
        fallbacks: [{ name: 'webgpu', reason: 'WebGPU unavailable: no adapter' }],
        config: SUMMARY,
        params: SUMMARY.params,
        trained: false,
        origin: { kind: 'fresh', seed: 7 },
      });
      return;
    case 'generate':
      emit({ type: 'generated', requestId: command.requestId, text: `echo ${command.prompt}`, tokens: [5, 6], endedWithEos: true, unknownChars: [], ms: 3, answeredBy: command.model ?? 'base' });
      return;
    case 'loadCheckpoint':
      emit({ type: 'error', requestId: command.requestId, message: 'Checkpoint refused: not an RLHF Playground checkpoint.', fatal: false });
      return;
    case 'exportCheckpoint':
      emit({ type: 'checkpoint', requestId: command.requestId, bytes: new Uint8Array([1, 2, 3]), fileName: 'x.ckpt' });
      return;
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function startSession(answer = standardAnswers) {
  const worker = new FakeWorker(answer);
  const session = new PlaygroundSession({ createClient: () => new WorkerClient(worker), baseCheckpointUrl: 'http://127.0.0.1/models/base/base.ckpt' });
  session.start();
  return { worker, session };
}

describe('PlaygroundSession with a fake worker', () => {
  it('sends init with the checkpoint URL and becomes ready with the backend and its fallbacks', async () => {
    const { worker, session } = startSession();
    expect(session.status).toBe('starting');
    await tick();
    flushSync();
    expect(worker.commands[0]).toEqual({ type: 'init', baseCheckpointUrl: 'http://127.0.0.1/models/base/base.ckpt', preferredBackends: undefined });
    expect(session.status).toBe('ready');
    expect(session.backend).toBe('wasm');
    expect(session.fallbacks[0].reason).toBe('WebGPU unavailable: no adapter');
    expect(session.model).toEqual(SUMMARY);
    expect(session.trained).toBe(false);
  });

  it('generates through a request matched by requestId, and is busy meanwhile', async () => {
    const { worker, session } = startSession();
    await tick();
    session.temperature = 5; // out of range: clamped before it is sent
    const pending = session.generate('hi there');
    expect(session.generating).toBe(true);
    await pending;
    expect(session.generating).toBe(false);
    expect(session.lastGeneration?.text).toBe('echo hi there');
    const sent = worker.commands.find((c) => c.type === 'generate');
    expect(sent && sent.type === 'generate' && sent.temperature).toBe(2);
    expect(session.error).toBeNull();
  });

  it('shows a refused checkpoint as an error and keeps the model', async () => {
    const { session } = startSession();
    await tick();
    const file = new File([new Uint8Array([0, 1, 2, 3])], 'broken.ckpt');
    await session.uploadCheckpoint(file);
    expect(session.error).toContain('Could not load broken.ckpt');
    expect(session.error).toContain('not an RLHF Playground checkpoint');
    expect(session.error).toContain('The model was not changed');
    expect(session.model).toEqual(SUMMARY);
    expect(session.checkpointBusy).toBe(false);
  });

  it('a loaded checkpoint becomes the base: the old run\'s charts and reports are cleared, the outcome shown by the upload', async () => {
    const { session } = startSession((command, emit) => {
      if (command.type === 'loadCheckpoint') {
        emit({ type: 'checkpointLoaded', requestId: command.requestId, config: SUMMARY, params: SUMMARY.params, trained: true, origin: { kind: 'uploaded', fileName: 'good.ckpt', stage: 'sft' } });
      } else standardAnswers(command, emit);
    });
    await tick();
    session.pipeline.onEvent({ type: 'metrics', stage: 'sft', points: [{ step: 1, values: { loss: 1.2 } }] });
    session.pipeline.onEvent({ type: 'ppoSamples', step: 3, rows: [{ prompt: 'p', response: 'r', reward: 0.1, gold: 0.5 }] });
    expect(session.pipeline.metrics.sft).toHaveLength(1);
    await session.uploadCheckpoint(new File([new Uint8Array([1])], 'good.ckpt'));
    expect(session.error).toBeNull();
    expect(session.pipeline.metrics.sft).toEqual([]);
    expect(session.pipeline.ppoSamples).toBeNull();
    expect(session.checkpointMessage).toEqual({ kind: 'notice', text: 'Loaded good.ckpt (saved from the sft stage) as the base model: the run starts again from it.' });
  });

  it('follows the base model when the worker replaces it (Reset brings the shipped one back)', async () => {
    const { worker, session } = startSession();
    await tick();
    const small = { ...SUMMARY, width: 32 };
    worker.emit({ type: 'baseChanged', config: small, params: small.params, trained: true, origin: { kind: 'shipped', url: '/models/base/base.ckpt', stage: 'pretrain' } });
    expect(session.model).toEqual(small);
    expect(session.trained).toBe(true);
    expect(session.origin).toEqual({ kind: 'shipped', url: '/models/base/base.ckpt', stage: 'pretrain' });
  });

  it('asks before a loaded checkpoint ends a run in progress, and loads nothing on "no"', async () => {
    const { worker, session } = startSession();
    await tick();
    const questions: string[] = [];
    const loads = () => worker.commands.filter((c) => c.type === 'loadCheckpoint').length;
    // No run yet: nothing to ask.
    await session.uploadCheckpoint(new File([new Uint8Array([1])], 'a.ckpt'), (q) => (questions.push(q), false));
    expect([questions.length, loads()]).toEqual([0, 1]);
    session.pipeline.onEvent({ type: 'program', position: { phase: 'sft', round: 0, step: 3, total: 10, rounds: 1 }, rankingRound: 0, summary: null, locked: {}, ptxPolicy: false });
    await session.uploadCheckpoint(new File([new Uint8Array([1])], 'b.ckpt'), (q) => (questions.push(q), false));
    expect(questions).toEqual([REPLACE_RUN_BY_UPLOAD]);
    expect(loads()).toBe(1);
    await session.uploadCheckpoint(new File([new Uint8Array([1])], 'c.ckpt'), () => true);
    expect(loads()).toBe(2);
  });

  it('exports checkpoint bytes', async () => {
    const { session } = startSession();
    await tick();
    const file = await session.exportCheckpoint();
    expect(file?.fileName).toBe('x.ckpt');
    expect([...(file?.bytes ?? [])]).toEqual([1, 2, 3]);
  });

  it('a crashed worker fails the session and rejects requests in flight', async () => {
    let crash: (() => void) | null = null;
    const { worker, session } = startSession((command, emit) => {
      if (command.type === 'generate') crash = () => worker.crash('boom');
      else standardAnswers(command, emit);
    });
    await tick();
    const pending = session.generate('hello');
    await tick();
    expect(crash).not.toBeNull();
    crash!();
    await pending;
    expect(session.status).toBe('failed');
    expect(session.error).toContain('Generation failed');
    expect(session.generating).toBe(false);
  });

  it('a fatal worker error (lost GPU device) fails the session with the message', async () => {
    const { worker, session } = startSession();
    await tick();
    worker.emit({ type: 'error', message: 'The GPU device was lost. Reload the page to start again.', fatal: true });
    expect(session.status).toBe('failed');
    expect(session.error).toContain('GPU device was lost');
    await session.generate('ignored');
    expect(worker.commands.some((c) => c.type === 'generate')).toBe(false);
  });
});
