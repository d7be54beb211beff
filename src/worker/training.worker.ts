/// <reference lib="webworker" />
// The training worker: the only place TensorFlow.js runs in the page. It selects a backend, owns
// the model, and answers WorkerCommands with WorkerEvents (src/worker/protocol.ts). Every failure
// becomes an `error` event; nothing here may die silently, because the page would wait forever.
//
// Commands are handled one at a time, in arrival order (a promise chain): a generate that arrives
// while a checkpoint loads waits for it instead of reading half-swapped weights.
import type { WorkerCommand, WorkerEvent } from './protocol';
import { Engine, errorMessage, UserFacingError } from './engine';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

const engine = new Engine({
  post: (event) => post(event),
  progress: (phase, fraction) => post({ type: 'progress', phase, fraction }),
  fatal: (message) => post({ type: 'error', message, fatal: true }),
  warn: (message) => post({ type: 'error', message, fatal: false }),
});

async function handle(command: WorkerCommand): Promise<void> {
  switch (command.type) {
    case 'init': {
      const ready = await engine.init(command);
      post(ready);
      // Queued before any later command, so a run never overlaps the measurement.
      post(await engine.measureSpeed());
      return;
    }
    case 'generate': {
      const event = await engine.generate(command);
      post(event);
      return;
    }
    case 'loadCheckpoint': {
      const event = await engine.loadCheckpoint(command);
      post(event);
      return;
    }
    case 'exportCheckpoint': {
      const event = await engine.exportCheckpoint(command);
      post(event, [event.bytes.buffer as ArrayBuffer]);
      return;
    }
    case 'train': {
      // Starts the run and returns: the loop runs detached so later commands (and pause) get through.
      await engine.pipeline.train(command);
      return;
    }
    case 'pause':
      engine.pipeline.pause();
      return;
    case 'addRankings':
      engine.pipeline.addHumanRankings(command.rankings);
      return;
    case 'reset': {
      await engine.pipeline.reset(command);
      post({ type: 'resetDone', requestId: command.requestId, stage: command.stage });
      return;
    }
    case 'sample':
      post(await engine.pipeline.sample(command));
      return;
    case 'rank':
      post(await engine.pipeline.rank(command));
      return;
    case 'autoRank':
      post(await engine.pipeline.autoRank(command));
      return;
    case 'nextRound':
      post({ type: 'nextRound', requestId: command.requestId, round: await engine.pipeline.nextRound() });
      return;
    case 'restore':
      post(await engine.pipeline.restore(command));
      return;
    default: {
      const unknown: never = command;
      throw new UserFacingError(`unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

let queue: Promise<void> = Promise.resolve();

scope.addEventListener('message', (event: MessageEvent<WorkerCommand>) => {
  const command = event.data;
  // Pause jumps the queue: a waiting generate must not delay stopping a run.
  if (command?.type === 'pause') {
    engine.pipeline.pause();
    return;
  }
  queue = queue.then(async () => {
    try {
      await handle(command);
    } catch (err) {
      const requestId = typeof command === 'object' && command !== null && 'requestId' in command ? command.requestId : undefined;
      // init failing leaves no model to talk to: that is fatal for this worker.
      const fatal = command?.type === 'init' || engine.lost;
      post({ type: 'error', message: errorMessage(err), requestId, fatal });
    }
  });
});

scope.addEventListener('messageerror', () => {
  post({ type: 'error', message: 'The worker received a message it could not read.', fatal: false });
});

// Anything that escapes the handlers above (a rejected promise in tf internals, a throw in a
// device callback) still reaches the page.
scope.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
  event.preventDefault();
  post({ type: 'error', message: `Unexpected error in the training worker: ${errorMessage(event.reason)}`, fatal: engine.lost });
});
scope.addEventListener('error', (event: globalThis.ErrorEvent) => {
  event.preventDefault();
  post({ type: 'error', message: `Unexpected error in the training worker: ${event.message || 'unknown error'}`, fatal: engine.lost });
});
