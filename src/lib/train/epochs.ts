// Seeded epochs over a training list, shared by the SFT and reward-model trainers: every item once
// per pass, in a fresh shuffled order each pass, batches that run on across pass boundaries.

import type { Rng } from '../random';

export class EpochSampler<T> {
  private items: T[];
  private order: number[] = [];
  private cursor = 0;

  constructor(items: readonly T[], private readonly rng: Rng) {
    this.items = [...items];
  }

  get size(): number {
    return this.items.length;
  }

  /** Replaces the list and starts a new pass (the generator's stream continues). */
  reset(items: readonly T[]): void {
    this.items = [...items];
    this.order = [];
    this.cursor = 0;
  }

  /** The next `batchSize` items (fewer only when the list itself is shorter). */
  next(batchSize: number): T[] {
    const out: T[] = [];
    while (out.length < Math.min(batchSize, this.items.length)) {
      if (this.cursor >= this.order.length) {
        this.order = this.rng.shuffle(this.items.map((_, i) => i));
        this.cursor = 0;
      }
      out.push(this.items[this.order[this.cursor++]]);
    }
    return out;
  }
}
