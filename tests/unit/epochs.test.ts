import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/lib/random';
import { EpochSampler } from '../../src/lib/train/epochs';

describe('EpochSampler', () => {
  it('gives every item once per pass, a different order each pass, batches running across passes', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const sampler = new EpochSampler(items, createRng(4));
    const drawn = [...sampler.next(4), ...sampler.next(4), ...sampler.next(4), ...sampler.next(4), ...sampler.next(4)];
    expect([...drawn.slice(0, 10)].sort((a, b) => a - b)).toEqual(items);
    expect([...drawn.slice(10, 20)].sort((a, b) => a - b)).toEqual(items);
    expect(drawn.slice(0, 10)).not.toEqual(drawn.slice(10, 20));
    expect(drawn.slice(0, 10)).not.toEqual(items);
  });

  it('is reproducible by seed, caps a batch at the list size, and starts a new pass on reset', () => {
    const a = new EpochSampler(['x', 'y', 'z'], createRng(9));
    const b = new EpochSampler(['x', 'y', 'z'], createRng(9));
    expect(a.next(2)).toEqual(b.next(2));
    expect(a.next(8)).toHaveLength(3);
    a.reset(['p', 'q']);
    expect(a.size).toBe(2);
    expect([...a.next(2)].sort()).toEqual(['p', 'q']);
  });
});
