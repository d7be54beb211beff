// The pure ordering logic behind RankingControl: each move checked against hand-written tiers.
import { describe, expect, it } from 'vitest';
import { comparisonCount } from '../../src/lib/io/rankings';
import {
  displayOrder,
  identicalNote,
  identicalTo,
  initialState,
  initialStateFor,
  isTiedWithAbove,
  moveDown,
  moveTo,
  moveUp,
  rankOf,
  toOrder,
  toResult,
  toggleFlag,
  toggleTieWithAbove,
  type RankingState,
} from '../../src/ui/ranking/ranking-state';

const st = (tiers: number[][], flagged: number[] = []): RankingState => ({ tiers, flagged });

describe('ranking-state', () => {
  it('starts strict, in the order shown', () => {
    expect(toOrder(initialState(4))).toEqual([[0], [1], [2], [3]]);
    expect(() => initialState(0)).toThrow(RangeError);
  });

  it('moveTo puts an item at a rank and leaves its old tie', () => {
    const s = initialState(4);
    expect(toOrder(moveTo(s, 2, 1))).toEqual([[2], [0], [1], [3]]);
    expect(toOrder(moveTo(s, 0, 4))).toEqual([[1], [2], [3], [0]]);
    expect(toOrder(moveTo(s, 3, 2))).toEqual([[0], [3], [1], [2]]);
    expect(toOrder(moveTo(st([[0, 1], [2], [3]]), 1, 3))).toEqual([[0], [2], [1], [3]]);
    expect(moveTo(s, 0, 1)).toBe(s); // no change, same object
    expect(() => moveTo(s, 0, 5)).toThrow(RangeError);
  });

  it('moveTo never splits a tie of others; it picks the nearest boundary, better rank on a tie', () => {
    // Others: [0,1,2] tied. Asking rank 2 for 3: boundaries give rank 1 or 4; 1 is nearer.
    expect(toOrder(moveTo(st([[0, 1, 2], [3]]), 3, 2))).toEqual([[3], [0, 1, 2]]);
    expect(toOrder(moveTo(st([[3], [0, 1, 2]]), 3, 3))).toEqual([[0, 1, 2], [3]]);
  });

  it('moveUp / moveDown jump over a whole tier, or step out of a tie by the smallest step', () => {
    expect(toOrder(moveUp(st([[0], [1, 2], [3]]), 3))).toEqual([[0], [3], [1, 2]]);
    expect(toOrder(moveUp(st([[0], [1, 2], [3]]), 2))).toEqual([[0], [2], [1], [3]]);
    expect(toOrder(moveDown(st([[0], [1, 2], [3]]), 1))).toEqual([[0], [2], [1], [3]]);
    expect(toOrder(moveDown(st([[0], [1, 2], [3]]), 0))).toEqual([[1, 2], [0], [3]]);
    const s = initialState(3);
    expect(moveUp(s, 0)).toBe(s);
    expect(moveDown(s, 2)).toBe(s);
  });

  it('toggleTieWithAbove links and unlinks adjacent cards without reordering', () => {
    const s = st([[0], [1], [2], [3]]);
    const tied = toggleTieWithAbove(s, 2);
    expect(toOrder(tied)).toEqual([[0], [1, 2], [3]]);
    expect(isTiedWithAbove(tied, 2)).toBe(true);
    expect(rankOf(tied, 2)).toBe(2);
    expect(rankOf(tied, 3)).toBe(4);
    expect(toOrder(toggleTieWithAbove(tied, 3))).toEqual([[0], [1, 2, 3]]);
    expect(toOrder(toggleTieWithAbove(st([[0], [1, 2, 3]]), 2))).toEqual([[0], [1], [2, 3]]);
    expect(toggleTieWithAbove(s, 0)).toBe(s);
    expect(displayOrder(toggleTieWithAbove(s, 2))).toEqual(displayOrder(s));
  });

  it('toggleFlag keeps a sorted set; toResult copies', () => {
    let s = toggleFlag(initialState(4), 3);
    s = toggleFlag(s, 1);
    expect(s.flagged).toEqual([1, 3]);
    expect(toggleFlag(s, 3).flagged).toEqual([1]);
    const result = toResult(s);
    expect(result).toEqual({ order: [[0], [1], [2], [3]], flagged: [1, 3] });
    result.order[0].push(9);
    expect(s.tiers[0]).toEqual([0]);
  });

  it('operations leave their input untouched', () => {
    const s = st([[0], [1, 2], [3]], [1]);
    const copy = JSON.stringify(s);
    moveTo(s, 2, 1);
    moveUp(s, 3);
    moveDown(s, 0);
    toggleTieWithAbove(s, 2);
    toggleFlag(s, 1);
    expect(JSON.stringify(s)).toBe(copy);
  });
});

describe('ranking-state: identical answers are tied, always', () => {
  const responses = ['5', 'six', '5', '2 + 3 = 5'];

  it('initialStateFor ties identical answers where the first was shown, and says so', () => {
    const s = initialStateFor(responses);
    expect(toOrder(s)).toEqual([[0, 2], [1], [3]]);
    expect(displayOrder(s)).toEqual([0, 2, 1, 3]);
    expect(isTiedWithAbove(s, 2)).toBe(true);
    expect(identicalTo(s, 0)).toEqual([2]);
    expect(identicalTo(s, 1)).toEqual([]);
    expect(identicalNote(s)).toBe('2 answers are identical and are tied: A = C.');
    expect(comparisonCount(s.tiers)).toBe(5);
    const many = initialStateFor(['x', 'y', 'x', 'y', 'z', 'y']);
    expect(toOrder(many)).toEqual([[0, 2], [1, 3, 5], [4]]);
    expect(identicalNote(many)).toBe('5 answers are identical and are tied: A = C, B = D = F.');
    expect(toOrder(initialStateFor(['a', 'a', 'a']))).toEqual([[0, 1, 2]]);
  });

  it('with no identical answers it is initialState, with no note', () => {
    const s = initialStateFor(['a', 'b', 'c']);
    expect(s).toEqual(initialState(3));
    expect(identicalNote(s)).toBeNull();
  });

  it('moves take identical answers along, so they are never ranked apart', () => {
    const s = initialStateFor(responses); // [[0, 2], [1], [3]]
    expect(toOrder(moveTo(s, 2, 4))).toEqual([[1], [3], [0, 2]]);
    expect(toOrder(moveTo(s, 3, 1))).toEqual([[3], [0, 2], [1]]);
    expect(toOrder(moveDown(s, 0))).toEqual([[1], [0, 2], [3]]);
    expect(toOrder(moveUp(moveDown(s, 2), 0))).toEqual(toOrder(s));
    expect(moveUp(s, 2)).toBe(s); // the pair is already on top
    expect(moveTo(s, 2, 1)).toBe(s);
    // Tied with a different answer too: moving one of the pair leaves that tie, pair intact.
    const withX = toggleTieWithAbove(s, 1); // [[0, 2, 1], [3]]
    expect(toOrder(withX)).toEqual([[0, 2, 1], [3]]);
    expect(toOrder(moveDown(withX, 0))).toEqual([[1], [0, 2], [3]]);
    expect(toOrder(moveUp(withX, 1))).toEqual([[1], [0, 2], [3]]);
  });

  it('unlinking an answer from an identical one does nothing; other links still toggle', () => {
    const s = initialStateFor(responses);
    expect(toggleTieWithAbove(s, 2)).toBe(s);
    const withX = toggleTieWithAbove(s, 1); // B joins the pair's tier
    expect(toOrder(toggleTieWithAbove(withX, 1))).toEqual([[0, 2], [1], [3]]);
    expect(toggleTieWithAbove(withX, 2)).toBe(withX);
  });
});
