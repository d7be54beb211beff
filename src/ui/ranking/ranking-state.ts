// The ordering logic behind RankingControl, pure and immutable so it is testable without a DOM.
//
// State is the ranking itself: tiers of response indices, best first ([[2],[0,3],[1]]), plus the
// flagged set. The list on screen is the tiers flattened; a tie is drawn as a link between a card
// and the one above it. Every operation returns a new state and leaves the input untouched.
//
// Moves are defined on tiers so that each one changes the ranking by the smallest strict step:
//   moveUp   tied item: leaves its tie and goes just above its former tie-mates;
//            untied item: jumps above the whole tier above it.
//   moveDown the mirror image.
//   moveTo   leaves any tie and sits with as close to rank-1 responses above it as the other
//            tiers allow (ties are never split by a move of someone else).
//   toggleTieWithAbove toggles the link between a card and the card above it (splitting or
//            joining tiers at that point), so the order on screen never changes.
//
// Identical answers are ties, always: initialStateFor(responses) starts with each set of
// identical responses tied (adjacent, in one tier) and records them in `same`; every move then
// moves such a set as one unit, and unlinking inside it does nothing. identicalNote says so.

import { groupIdentical } from '../../app/protocol';

/** What RankingControl hands its parent on submit: Ranking.order and Ranking.flagged. */
export interface RankingResult {
  order: number[][];
  flagged: number[];
}

export interface RankingState {
  readonly tiers: readonly (readonly number[])[];
  readonly flagged: readonly number[];
  /** Sets (2 or more) of responses with identical text: always tied, moved together. */
  readonly same?: readonly (readonly number[])[];
}

/** K responses in the order shown, each its own tier, nothing flagged. */
export function initialState(k: number): RankingState {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`need at least one response, got ${k}`);
  return { tiers: Array.from({ length: k }, (_, i) => [i]), flagged: [] };
}

/**
 * The responses in the order shown, each its own tier, except that identical responses are
 * tied: each set sits, tied, where its first member was shown. ['x', 'y', 'x'] gives [[0, 2], [1]].
 */
export function initialStateFor(responses: readonly string[]): RankingState {
  const base = initialState(responses.length);
  const groups = groupIdentical(responses);
  const same = groups.filter((g) => g.length > 1);
  if (same.length === 0) return base;
  return { tiers: groups.map((g) => [...g]), flagged: [], same };
}

/**
 * The visible note about identical answers, or null when there are none, e.g. "2 answers are
 * identical and are tied: A = C."
 */
export function identicalNote(s: RankingState): string | null {
  const same = s.same ?? [];
  if (same.length === 0) return null;
  const n = same.reduce((total, g) => total + g.length, 0);
  const sets = same.map((g) => g.map(responseLabel).join(' = ')).join(', ');
  return `${n} answers are identical and are tied: ${sets}.`;
}

/** The responses identical to `item` (itself excluded). */
export function identicalTo(s: RankingState, item: number): number[] {
  return unitOf(s, item).filter((i) => i !== item);
}

/** A, B, C ... : how the UI names a response (by the order it was shown, not its rank). */
export function responseLabel(index: number): string {
  return String.fromCharCode(65 + index);
}

/** The submit payload: fresh arrays, safe to store. */
export function toResult(s: RankingState): RankingResult {
  return { order: toOrder(s), flagged: [...s.flagged] };
}

/** Tiers as fresh arrays, ready for Ranking.order. */
export function toOrder(s: RankingState): number[][] {
  return s.tiers.map((tier) => [...tier]);
}

/** Response indices top to bottom, as the list shows them. */
export function displayOrder(s: RankingState): number[] {
  return s.tiers.flat();
}

export function size(s: RankingState): number {
  return s.tiers.reduce((n, tier) => n + tier.length, 0);
}

/** Competition rank, 1-based: 1 + how many responses are strictly better (tied ones share it). */
export function rankOf(s: RankingState, item: number): number {
  const { tier } = locate(s, item);
  let above = 0;
  for (let t = 0; t < tier; t++) above += s.tiers[t].length;
  return above + 1;
}

/** Whether the card is linked to the card directly above it (same tier, not its first member). */
export function isTiedWithAbove(s: RankingState, item: number): boolean {
  return locate(s, item).index > 0;
}

/** The items the given one is tied with (empty when it stands alone). */
export function tiedWith(s: RankingState, item: number): number[] {
  return s.tiers[locate(s, item).tier].filter((i) => i !== item);
}

export function isFlagged(s: RankingState, item: number): boolean {
  return s.flagged.includes(item);
}

export function moveUp(s: RankingState, item: number): RankingState {
  const { tier } = locate(s, item);
  const unit = unitOf(s, item);
  const alone = s.tiers[tier].every((i) => unit.includes(i));
  if (alone && tier === 0) return s;
  const rest = without(s.tiers, unit);
  // Untied: the item's tier vanished, so the tier above it now sits at tier - 1; go before it.
  // Tied: its old tier is still at `tier`; going before it puts the item just above its tie-mates.
  return { ...s, tiers: insertTier(rest, alone ? tier - 1 : tier, unitIn(s, tier, unit)) };
}

export function moveDown(s: RankingState, item: number): RankingState {
  const { tier } = locate(s, item);
  const unit = unitOf(s, item);
  const alone = s.tiers[tier].every((i) => unit.includes(i));
  if (alone && tier === s.tiers.length - 1) return s;
  const rest = without(s.tiers, unit);
  // Untied: the tier below has shifted up to `tier`; go after it. Tied: go just after its old tier.
  return { ...s, tiers: insertTier(rest, tier + 1, unitIn(s, tier, unit)) };
}

/**
 * Puts the item, untied, at `rank` (1 = best, K = worst), as near as the other tiers allow. An
 * item with identical answers takes them along (they stay tied with it).
 */
export function moveTo(s: RankingState, item: number, rank: number): RankingState {
  const { tier } = locate(s, item);
  const k = size(s);
  if (!Number.isInteger(rank) || rank < 1 || rank > k) throw new RangeError(`rank must be 1 to ${k}, got ${rank}`);
  const unit = unitOf(s, item);
  const rest = without(s.tiers, unit);
  const wantAbove = rank - 1;
  // Boundaries between tiers: position b has `above` responses before it. Pick the closest to
  // the wish, preferring the better rank on a tie (never split someone else's tie).
  let best = 0;
  let bestDistance = wantAbove;
  let above = 0;
  for (let b = 1; b <= rest.length; b++) {
    above += rest[b - 1].length;
    const distance = Math.abs(above - wantAbove);
    if (distance < bestDistance) {
      best = b;
      bestDistance = distance;
    }
  }
  const next = insertTier(rest, best, unitIn(s, tier, unit));
  return sameTiers(next, s.tiers) ? s : { ...s, tiers: next };
}

/**
 * Links the card to the one above (joins its tier) or, if linked, unlinks it (splits the tier).
 * Unlinking a card from an identical answer above it does nothing (returns `s`): identical
 * answers stay tied.
 */
export function toggleTieWithAbove(s: RankingState, item: number): RankingState {
  const { tier, index } = locate(s, item);
  const tiers = s.tiers.map((t) => [...t]);
  if (index > 0) {
    const head = tiers[tier].slice(0, index);
    const tail = tiers[tier].slice(index);
    if ((s.same ?? []).some((g) => g.some((i) => head.includes(i)) && g.some((i) => tail.includes(i)))) return s;
    tiers.splice(tier, 1, head, tail);
  } else {
    if (tier === 0) return s; // the top card has nothing above it
    const merged = [...tiers[tier - 1], ...tiers[tier]];
    tiers.splice(tier - 1, 2, merged);
  }
  return { ...s, tiers };
}

export function toggleFlag(s: RankingState, item: number): RankingState {
  locate(s, item);
  const flagged = isFlagged(s, item) ? s.flagged.filter((i) => i !== item) : [...s.flagged, item].sort((a, b) => a - b);
  return { ...s, flagged };
}

function locate(s: RankingState, item: number): { tier: number; index: number } {
  for (let tier = 0; tier < s.tiers.length; tier++) {
    const index = s.tiers[tier].indexOf(item);
    if (index >= 0) return { tier, index };
  }
  throw new RangeError(`response ${item} is not in this ranking`);
}

/** The item with its identical answers (just the item when it has none). */
function unitOf(s: RankingState, item: number): number[] {
  return [...((s.same ?? []).find((g) => g.includes(item)) ?? [item])];
}

/** The unit's members in the order its tier shows them. */
function unitIn(s: RankingState, tier: number, unit: readonly number[]): number[] {
  return s.tiers[tier].filter((i) => unit.includes(i));
}

function without(tiers: readonly (readonly number[])[], items: readonly number[]): number[][] {
  return tiers.map((tier) => tier.filter((i) => !items.includes(i))).filter((tier) => tier.length > 0);
}

function insertTier(tiers: number[][], at: number, items: readonly number[]): number[][] {
  const out = tiers.map((t) => [...t]);
  out.splice(Math.max(0, Math.min(at, out.length)), 0, [...items]);
  return out;
}

function sameTiers(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  return a.length === b.length && a.every((tier, t) => tier.length === b[t].length && tier.every((v, i) => v === b[t][i]));
}
