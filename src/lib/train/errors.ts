// A trainer throws TrainingError instead of applying an update that would poison the weights
// (a NaN or Inf loss). The worker/UI catches it, pauses the run and shows `message`.

export class TrainingError extends Error {
  /** Which trainer raised it ('sft', 'reward', 'ppo', 'pretrain'). */
  readonly stage: string;
  /** The optimisation step (1-based, the step that was refused) at which it happened. */
  readonly step: number;
  /** The offending metrics, as read back (may contain NaN/Infinity). */
  readonly metrics: Record<string, number>;

  constructor(stage: string, step: number, message: string, metrics: Record<string, number> = {}) {
    super(`${stage} step ${step}: ${message}`);
    this.name = 'TrainingError';
    this.stage = stage;
    this.step = step;
    this.metrics = metrics;
  }
}

/** Throws TrainingError when any named value is NaN or +-Infinity. */
export function assertFinite(stage: string, step: number, values: Record<string, number>): void {
  const bad = Object.entries(values).filter(([, v]) => !Number.isFinite(v));
  if (bad.length > 0) {
    const list = bad.map(([k, v]) => `${k}=${v}`).join(', ');
    throw new TrainingError(
      stage,
      step,
      `non-finite ${list}; the update was not applied (a lower learning rate usually helps)`,
      values,
    );
  }
}
