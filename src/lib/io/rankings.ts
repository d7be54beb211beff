// Rankings: what a person (or the simulated labeler) says about K responses to one prompt, the
// pairs the reward model learns from, and the JSON Lines files they travel in.
//
// Two file formats:
//   'rankings'  one full Ranking per line (what toJsonl writes; lossless).
//   'pairwise'  TRL's preference form, one {"prompt","chosen","rejected"} per line (what
//               toPairwiseJsonl writes; lossy: ties, flags and grouping are gone). On import each
//               line becomes a K=2 ranking.
// Import is all-or-nothing: parseRankingsJsonl validates every line before returning anything,
// and the first problem throws an ImportError naming its line.
import { unknownChars } from '../tokenizer';

export type RankingSource = 'human' | 'simulated';

export interface Ranking {
  /** Stable unique id (merge skips an id it already has). */
  id: string;
  /** The user-facing prompt text, without the chat template. */
  prompt: string;
  /** K responses, MIN_RESPONSES <= K <= MAX_RESPONSES, in the order they were shown. */
  responses: string[];
  /** Best first, as tiers of response indices: [[2],[0,3],[1]]; every index exactly once. */
  order: number[][];
  /** Indices of responses the user flagged (nonsense, offensive, ...). */
  flagged?: number[];
  source: RankingSource;
  /** The RLHF round it was collected in (0 = on SFT samples). */
  round: number;
  /** Which model produced the responses, e.g. 'sft', 'policy@r1'. */
  model: string;
  /** ISO 8601 time. */
  createdAt: string;
}

/** Ranking.order, read-only: best tier first. */
export type Tiers = readonly (readonly number[])[];

export interface PreferencePair {
  chosen: number;
  rejected: number;
}

export type RankingsFormat = 'rankings' | 'pairwise';

export interface ParsedRankings {
  rankings: Ranking[];
  format: RankingsFormat;
  /** Problems that do not stop the import (characters the model cannot read, duplicate texts). */
  warnings: string[];
}

export interface MergeResult {
  rankings: Ranking[];
  added: number;
  /** Incoming rankings whose id was already present (or repeated within `incoming`). */
  skipped: number;
  /** How many of the skipped had the same id as a kept ranking but different content. */
  conflicts: number;
}

/** InstructGPT showed labelers 4 to 9 responses; 2 is the least that says anything. */
export const MIN_RESPONSES = 2;
export const MAX_RESPONSES = 9;
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_LINES = 100_000;
/** Per-line warnings beyond this are summarised in one line, so a big file cannot flood the UI. */
export const MAX_WARNINGS = 50;
/** Model name given to pairwise lines that do not say which model wrote them. */
export const IMPORTED_MODEL = 'imported';

const SOURCES: readonly RankingSource[] = ['human', 'simulated'];

/** Thrown by parseRankingsJsonl. `line` is 1-based; 0 means the file as a whole. */
export class ImportError extends Error {
  readonly line: number;
  constructor(line: number, problem: string) {
    super(line > 0 ? `line ${line}: ${problem}` : problem);
    this.name = 'ImportError';
    this.line = line;
  }
}

// ---------------------------------------------------------------------------------------------
// Pairs

/** Every (better, worse) pair across different tiers, best tier first; tied responses give none. */
export function orderPairs(order: Tiers): PreferencePair[] {
  const pairs: PreferencePair[] = [];
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      for (const chosen of order[i]) for (const rejected of order[j]) pairs.push({ chosen, rejected });
    }
  }
  return pairs;
}

/** The comparisons a ranking gives the reward model: C(K,2) for a strict ranking of K. */
export function rankingPairs(r: { readonly order: Tiers }): PreferencePair[] {
  return orderPairs(r.order);
}

/**
 * Number of pairs without building them: all pairs minus the pairs inside each tier. Takes a
 * ranking or just its order.
 */
export function comparisonCount(r: { readonly order: Tiers } | Tiers): number {
  const order = Array.isArray(r) ? (r as Tiers) : (r as { readonly order: Tiers }).order;
  let k = 0;
  let within = 0;
  for (const tier of order) {
    k += tier.length;
    within += (tier.length * (tier.length - 1)) / 2;
  }
  return (k * (k - 1)) / 2 - within;
}

/**
 * Why `order` is not a valid tiering of `k` responses, or null if it is. Shared by the importer
 * and the ranking UI so both mean the same thing by "valid".
 */
export function orderProblem(order: unknown, k: number): string | null {
  if (!Array.isArray(order)) return `'order' must be an array of tiers, e.g. [[1],[0,2]]`;
  const seen = new Array<boolean>(k).fill(false);
  for (let t = 0; t < order.length; t++) {
    const tier: unknown = order[t];
    if (!Array.isArray(tier)) return `'order' tier ${t} must be an array of response indices`;
    if (tier.length === 0) return `'order' tier ${t} is empty`;
    for (const index of tier) {
      if (!Number.isInteger(index)) return `'order' tier ${t} holds ${JSON.stringify(index)}, not a response index`;
      const i = index as number;
      if (i < 0 || i >= k) return `'order' index ${i} is out of range (there are ${k} responses, 0 to ${k - 1})`;
      if (seen[i]) return `'order' lists response ${i} more than once`;
      seen[i] = true;
    }
  }
  const missing = seen.flatMap((s, i) => (s ? [] : [i]));
  if (missing.length > 0) {
    return `'order' must list each of the ${k} responses exactly once (missing ${missing.join(', ')})`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Export

/** One full ranking per line, keys in a fixed order; ends with a newline unless empty. */
export function toJsonl(rankings: readonly Ranking[]): string {
  return rankings.map((r) => JSON.stringify(canonical(r)) + '\n').join('');
}

/**
 * TRL's preference form: one {"prompt","chosen","rejected"} line per pair (C(K,2) per strict
 * ranking). "id", "source" and "round" ride along so a re-import keeps provenance and dedupes.
 */
export function toPairwiseJsonl(rankings: readonly Ranking[]): string {
  let out = '';
  for (const r of rankings) {
    for (const { chosen, rejected } of rankingPairs(r)) {
      out +=
        JSON.stringify({
          prompt: r.prompt,
          chosen: r.responses[chosen],
          rejected: r.responses[rejected],
          id: `${r.id}#${chosen}>${rejected}`,
          source: r.source,
          round: r.round,
          model: r.model,
        }) + '\n';
    }
  }
  return out;
}

function canonical(r: Ranking): Ranking {
  const out: Ranking = {
    id: r.id,
    prompt: r.prompt,
    responses: r.responses,
    order: r.order,
    source: r.source,
    round: r.round,
    model: r.model,
    createdAt: r.createdAt,
  };
  if (r.flagged !== undefined) out.flagged = r.flagged;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Import

export interface ParseOptions {
  /** createdAt for pairwise lines that carry none; defaults to the time of the call. */
  now?: Date;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Parses and validates a whole file; throws ImportError on the first problem, returning nothing. */
export function parseRankingsJsonl(text: string, options: ParseOptions = {}): ParsedRankings {
  checkSize(text);
  const createdAt = (options.now ?? new Date()).toISOString();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const lineCount = lines.length - (lines.at(-1) === '' ? 1 : 0); // a trailing newline ends the last line
  if (lineCount > MAX_IMPORT_LINES) {
    throw new ImportError(0, `the file has more than ${MAX_IMPORT_LINES.toLocaleString('en')} lines, the most one import takes; split it into smaller files`);
  }

  let format: { kind: RankingsFormat; line: number } | null = null;
  const rankings: Ranking[] = [];
  const idLines = new Map<string, number>();
  const pairOccurrences = new Map<string, number>();
  const warnings = new Warnings();

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const obj = parseObject(raw, lineNo);
    const kind = detectFormat(obj, lineNo);
    if (format === null) format = { kind, line: lineNo };
    else if (format.kind !== kind) {
      throw new ImportError(
        lineNo,
        `mixed formats: line ${format.line} is ${describeFormat(format.kind)} but this line is ${describeFormat(kind)}; a file must hold one format`,
      );
    }
    const ranking =
      kind === 'rankings' ? readRanking(obj, lineNo) : readPair(obj, lineNo, createdAt, pairOccurrences);
    const firstLine = idLines.get(ranking.id);
    if (firstLine !== undefined) {
      throw new ImportError(lineNo, `duplicate id ${JSON.stringify(ranking.id)} (first used on line ${firstLine})`);
    }
    idLines.set(ranking.id, lineNo);
    warnings.check(ranking, lineNo);
    rankings.push(ranking);
  }
  if (format === null) throw new ImportError(0, 'the file holds no rankings (it is empty)');
  return { rankings, format: format.kind, warnings: warnings.list() };
}

function checkSize(text: string): void {
  // UTF-8 never takes fewer bytes than UTF-16 code units, so length alone can refuse early.
  const bytes = text.length > MAX_IMPORT_BYTES ? text.length : new TextEncoder().encode(text).length;
  if (bytes > MAX_IMPORT_BYTES) {
    const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
    throw new ImportError(0, `the file is ${mb(bytes)} MB, over the ${mb(MAX_IMPORT_BYTES)} MB limit for one import; split it into smaller files`);
  }
}

function parseObject(raw: string, lineNo: number): JsonObject {
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new ImportError(lineNo, `not valid JSON (${detail})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ImportError(lineNo, `expected a JSON object, found ${jsonKind(value)}`);
  }
  return value;
}

function detectFormat(obj: JsonObject, lineNo: number): RankingsFormat {
  const isRanking = 'responses' in obj || 'order' in obj;
  const isPair = 'chosen' in obj || 'rejected' in obj;
  if (isRanking && isPair) {
    throw new ImportError(lineNo, `unknown format: has both ranking keys ('responses'/'order') and pairwise keys ('chosen'/'rejected')`);
  }
  if (isRanking) return 'rankings';
  if (isPair) return 'pairwise';
  throw new ImportError(
    lineNo,
    `unknown format: expected a ranking (id, prompt, responses, order, ...) or a preference pair (prompt, chosen, rejected)`,
  );
}

function describeFormat(kind: RankingsFormat): string {
  return kind === 'rankings' ? 'a ranking' : 'a pairwise preference (prompt/chosen/rejected)';
}

function jsonKind(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function requireString(obj: JsonObject, key: string, lineNo: number, nonEmpty: boolean): string {
  if (!(key in obj)) throw new ImportError(lineNo, `missing '${key}'`);
  const value = obj[key];
  if (typeof value !== 'string') {
    const hint = Array.isArray(value) ? ' (conversational message lists are not supported; use plain text)' : '';
    throw new ImportError(lineNo, `'${key}' must be a string, found ${jsonKind(value)}${hint}`);
  }
  if (nonEmpty && value === '') throw new ImportError(lineNo, `'${key}' is empty`);
  return value;
}

function readSource(obj: JsonObject, lineNo: number): RankingSource {
  const value = obj.source;
  if (typeof value === 'string' && (SOURCES as readonly string[]).includes(value)) return value as RankingSource;
  throw new ImportError(lineNo, `'source' must be "human" or "simulated", found ${JSON.stringify(value) ?? 'nothing'}`);
}

function readRound(obj: JsonObject, lineNo: number): number {
  const value = obj.round;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new ImportError(lineNo, `'round' must be a whole number >= 0, found ${JSON.stringify(value) ?? 'nothing'}`);
}

function readCreatedAt(obj: JsonObject, lineNo: number): string {
  const value = requireString(obj, 'createdAt', lineNo, true);
  if (Number.isNaN(Date.parse(value))) throw new ImportError(lineNo, `'createdAt' is not a date: ${JSON.stringify(value)}`);
  return value;
}

function readRanking(obj: JsonObject, lineNo: number): Ranking {
  const id = requireString(obj, 'id', lineNo, true);
  const prompt = requireString(obj, 'prompt', lineNo, true);

  if (!('responses' in obj)) throw new ImportError(lineNo, `missing 'responses'`);
  const rawResponses = obj.responses;
  if (!Array.isArray(rawResponses)) {
    throw new ImportError(lineNo, `'responses' must be an array of strings, found ${jsonKind(rawResponses)}`);
  }
  const k = rawResponses.length;
  if (k < MIN_RESPONSES || k > MAX_RESPONSES) {
    throw new ImportError(lineNo, `'responses' must hold ${MIN_RESPONSES} to ${MAX_RESPONSES} responses, found ${k}`);
  }
  const responses = rawResponses.map((value, i) => {
    if (typeof value !== 'string') throw new ImportError(lineNo, `response ${i} must be a string, found ${jsonKind(value)}`);
    if (value === '') throw new ImportError(lineNo, `response ${i} is empty`);
    return value;
  });

  if (!('order' in obj)) throw new ImportError(lineNo, `missing 'order'`);
  const problem = orderProblem(obj.order, k);
  if (problem) throw new ImportError(lineNo, problem);
  const order = (obj.order as number[][]).map((tier) => [...tier]);

  let flagged: number[] | undefined;
  if ('flagged' in obj) {
    const raw = obj.flagged;
    if (!Array.isArray(raw)) throw new ImportError(lineNo, `'flagged' must be an array of response indices, found ${jsonKind(raw)}`);
    const seen = new Set<number>();
    for (const value of raw) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= k) {
        throw new ImportError(lineNo, `'flagged' holds ${JSON.stringify(value)}, not a response index 0 to ${k - 1}`);
      }
      if (seen.has(value)) throw new ImportError(lineNo, `'flagged' lists response ${value} more than once`);
      seen.add(value);
    }
    flagged = raw as number[];
  }

  const ranking: Ranking = {
    id,
    prompt,
    responses,
    order,
    source: readSource(obj, lineNo),
    round: readRound(obj, lineNo),
    model: requireString(obj, 'model', lineNo, true),
    createdAt: readCreatedAt(obj, lineNo),
  };
  if (flagged !== undefined) ranking.flagged = [...flagged];
  return ranking;
}

function readPair(obj: JsonObject, lineNo: number, now: string, occurrences: Map<string, number>): Ranking {
  const prompt = requireString(obj, 'prompt', lineNo, true);
  const chosen = requireString(obj, 'chosen', lineNo, true);
  const rejected = requireString(obj, 'rejected', lineNo, true);
  let id: string;
  if ('id' in obj) id = requireString(obj, 'id', lineNo, true);
  else {
    // A content hash keeps ids stable across re-imports of the same file (so merge dedupes);
    // the occurrence count keeps a pair that a file repeats on purpose (two labelers) distinct.
    const key = JSON.stringify([prompt, chosen, rejected]);
    const n = occurrences.get(key) ?? 0;
    occurrences.set(key, n + 1);
    id = `pair-${fnv1a(key)}${n > 0 ? `-${n}` : ''}`;
  }
  return {
    id,
    prompt,
    responses: [chosen, rejected],
    order: [[0], [1]],
    source: 'source' in obj ? readSource(obj, lineNo) : 'human',
    round: 'round' in obj ? readRound(obj, lineNo) : 0,
    model: 'model' in obj ? requireString(obj, 'model', lineNo, true) : IMPORTED_MODEL,
    createdAt: 'createdAt' in obj ? readCreatedAt(obj, lineNo) : now,
  };
}

/** 32-bit FNV-1a over UTF-16 code units, as 8 hex digits: short, stable, not cryptographic. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

class Warnings {
  private readonly items: string[] = [];
  private extra = 0;

  check(r: Ranking, lineNo: number): void {
    const unknown = unknownChars([r.prompt, ...r.responses].join(''));
    if (unknown.length > 0) {
      const shown = unknown.map((ch) => JSON.stringify(ch)).join(' ');
      this.add(`line ${lineNo}: the model cannot read ${shown}; ${unknown.length === 1 ? 'it becomes' : 'they become'} <unk>`);
    }
    for (let a = 0; a < r.responses.length; a++) {
      for (let b = a + 1; b < r.responses.length; b++) {
        if (r.responses[a] === r.responses[b] && !sameTier(r.order, a, b)) {
          this.add(`line ${lineNo}: responses ${a} and ${b} are the same text but ranked apart`);
        }
      }
    }
  }

  list(): string[] {
    return this.extra > 0 ? [...this.items, `... and ${this.extra} more warnings`] : [...this.items];
  }

  private add(message: string): void {
    if (this.items.length < MAX_WARNINGS) this.items.push(message);
    else this.extra++;
  }
}

function sameTier(order: number[][], a: number, b: number): boolean {
  return order.some((tier) => tier.includes(a) && tier.includes(b));
}

// ---------------------------------------------------------------------------------------------
// Merge and construction

/** Appends the incoming rankings whose ids are new; never replaces an existing one. */
export function mergeRankings(existing: readonly Ranking[], incoming: readonly Ranking[]): MergeResult {
  const byId = new Map<string, Ranking>(existing.map((r) => [r.id, r]));
  const rankings = [...existing];
  let added = 0;
  let skipped = 0;
  let conflicts = 0;
  for (const r of incoming) {
    const kept = byId.get(r.id);
    if (kept) {
      skipped++;
      if (JSON.stringify(canonical(kept)) !== JSON.stringify(canonical(r))) conflicts++;
      continue;
    }
    byId.set(r.id, r);
    rankings.push(r);
    added++;
  }
  return { rankings, added, skipped, conflicts };
}

/** A fresh unique id. randomUUID needs a secure context, so fall back to time plus randomness. */
export function newRankingId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
