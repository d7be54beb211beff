// A promise-chain mutex: training steps and sampling commands take turns on the models, so a
// generate never reads weights while a step is half-applied across an await, and a checkpoint is
// never serialised mid-update. Pure TypeScript (no tf): unit-testable anywhere.
export class Lock {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier holder has finished; its result (or error) is passed through. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** Lets through at most one call per `intervalMs`; `force` always passes (end of a run). */
export class Throttle {
  private last = -Infinity;
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  ready(force = false): boolean {
    const t = this.now();
    if (!force && t - this.last < this.intervalMs) return false;
    this.last = t;
    return true;
  }
}
