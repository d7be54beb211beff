// Rankings: what a person (or the simulated labeler) says about K responses to one prompt, the
// pairs the reward model learns from, and the JSON Lines files they travel in.
//
// Two file formats:
//   'rankings'  one full Ranking per line (what toJsonl writes; lossless).
//   'pairwise'  TRL's preference form, one {"prompt","chosen","rejected"} per line (what
//               toPairwiseJsonl writes; lossy: ties, flags and grouping are gone). On import each
//               line becomes a K=2 ranking whose id is derived from its content, so merging a
//               pairs file adds no pair the rankings already hold (see mergeRankings).
// Import is all-or-nothing: parseRankingsJsonl validates every line before returning anything,
// and the first problem throws an ImportError naming its line.
//
// Identical answers are ties, always: rankingPairs never pairs two responses with the same text
// (or, for token rows, the same ids), whatever tiers they were put in, so no export, count or
// reward-model batch holds a pair with chosen == rejected.
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

/** A response as text, or as the token row a model reads; two are identical when equal. */
export type ResponseKey = string | readonly number[];

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
  /**
   * Incoming rankings not added: their id was already present (or repeated within `incoming`),
   * or they are pairwise imports whose pair the rankings already hold (`duplicates`).
   */
  skipped: number;
  /** How many of the skipped had the same id as a kept ranking but different content. */
  conflicts: number;
  /** How many of the skipped were pairwise imports whose (prompt, chosen, rejected) was already held. */
  duplicates: number;
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

/**
 * The comparisons a ranking gives the reward model, the one place pairs are listed (the pairs
 * export, the counts, the page and the reward model's loss all use it): every (better, worse)
 * pair across different tiers, best tier first, C(K,2) for a strict ranking of K. Tied responses
 * give none. With `responses`, two identical responses give none either, even if the order puts
 * them in different tiers (a hand-made or imported ranking may): identical answers are ties.
 */
export function rankingPairs(r: { readonly order: Tiers; readonly responses?: readonly ResponseKey[] }): PreferencePair[] {
  const { order, responses } = r;
  const pairs: PreferencePair[] = [];
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      for (const chosen of order[i]) {
        for (const rejected of order[j]) {
          if (responses && sameResponse(responses[chosen], responses[rejected])) continue;
          pairs.push({ chosen, rejected });
        }
      }
    }
  }
  return pairs;
}

/** Whether two responses are the same text (or the same token row). */
export function sameResponse(a: ResponseKey | undefined, b: ResponseKey | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Indices of the responses grouped by identical content, every index exactly once: groups in
 * order of first appearance, members ascending. ['a', 'b', 'a'] gives [[0, 2], [1]].
 */
export function groupIdentical(responses: readonly ResponseKey[]): number[][] {
  const groups: number[][] = [];
  for (let i = 0; i < responses.length; i++) {
    const group = groups.find((g) => sameResponse(responses[g[0]], responses[i]));
    if (group) group.push(i);
    else groups.push([i]);
  }
  return groups;
}

/**
 * Number of pairs: all pairs minus the pairs inside each tier (without building them), or, for a
 * ranking with its responses, exactly rankingPairs(r).length (identical answers give none). Takes
 * a ranking, { order, responses }, or just an order.
 */
export function comparisonCount(r: { readonly order: Tiers; readonly responses?: readonly ResponseKey[] } | Tiers): number {
  if (!Array.isArray(r)) {
    const ranking = r as { readonly order: Tiers; readonly responses?: readonly ResponseKey[] };
    if (ranking.responses) return rankingPairs(ranking).length;
    return comparisonCount(ranking.order);
  }
  let k = 0;
  let within = 0;
  for (const tier of r as Tiers) {
    k += tier.length;
    within += (tier.length * (tier.length - 1)) / 2;
  }
  return (k * (k - 1)) / 2 - within;
}

/**
 * Why `order` is not a valid tiering of `k` responses, or null if it is. The one check of an
 * order: the importer (through rankingProblem) and the reward model's token rankings use it, so
 * all mean the same thing by "valid". Never recurses into what it is given, so a deeply nested
 * value gives a message, not a stack overflow.
 */
export function orderProblem(order: unknown, k: number): string | null {
  if (!Array.isArray(order)) return `'order' must be an array of tiers, e.g. [[1],[0,2]]`;
  const seen = new Array<boolean>(k).fill(false);
  for (let t = 0; t < order.length; t++) {
    const tier: unknown = order[t];
    if (!Array.isArray(tier)) return `'order' tier ${t} must be an array of response indices`;
    if (tier.length === 0) return `'order' tier ${t} is empty`;
    for (const index of tier) {
      if (!Number.isInteger(index)) return `'order' tier ${t} holds ${preview(index)}, not a response index`;
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
 * ranking; ties and identical answers give none, so chosen never equals rejected). "id" (the
 * ranking and pair it came from), "source", "round" and "model" ride along for provenance; a
 * re-import derives its ids from the content, so it adds no pair the rankings already hold.
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

/** What a ranking says, without where or when it was made. */
function judgement(r: Ranking): Pick<Ranking, 'prompt' | 'responses' | 'order'> {
  return { prompt: r.prompt, responses: r.responses, order: r.order };
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

/** A problem with one record; parseRankingsJsonl adds the line, rankingProblem returns the text. */
class Problem extends Error {}

function fail(problem: string): never {
  throw new Problem(problem);
}

/**
 * Parses and validates a whole file; throws ImportError on the first problem, returning nothing.
 * Pairwise lines get ids derived from their content (prompt, chosen, rejected and how many times
 * the file repeated that pair before), whatever "id" the line carries; a pairwise line whose
 * chosen and rejected are the same text says nothing and is left out, with a warning.
 */
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
    let ranking: Ranking | null;
    try {
      const obj = parseObject(raw);
      const kind = detectFormat(obj);
      if (format === null) format = { kind, line: lineNo };
      else if (format.kind !== kind) {
        fail(`mixed formats: line ${format.line} is ${describeFormat(format.kind)} but this line is ${describeFormat(kind)}; a file must hold one format`);
      }
      ranking = kind === 'rankings' ? readRanking(obj) : readPair(obj, createdAt, pairOccurrences);
    } catch (e) {
      throw lineError(e, lineNo);
    }
    if (ranking === null) {
      warnings.add(`line ${lineNo}: 'chosen' and 'rejected' are the same text, which compares nothing; the line is left out`);
      continue;
    }
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

/** What went wrong on a line, as an ImportError naming it (a stack overflow included). */
function lineError(e: unknown, lineNo: number): unknown {
  if (e instanceof Problem) return new ImportError(lineNo, e.message);
  // JSON.parse (in some engines) and anything that walks a value recursively can overflow the
  // stack on input nested thousands deep; that is a bad line, not a crash.
  if (e instanceof RangeError) {
    return new ImportError(lineNo, `nested too deeply to read (${e.message}); a ranking holds flat lists of strings and numbers`);
  }
  return e;
}

/**
 * Why `value` is not a valid Ranking, or null if it is: the same checks, in the same words, as
 * the importer applies to each line (without the line number). For anything else that takes
 * rankings from outside, e.g. a store read back after a reload.
 */
export function rankingProblem(value: unknown): string | null {
  try {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return `expected a ranking object, found ${jsonKind(value as Json)}`;
    readRanking(value as JsonObject);
    return null;
  } catch (e) {
    if (e instanceof Problem) return e.message;
    if (e instanceof RangeError) return `nested too deeply to read (${e.message})`;
    throw e;
  }
}

/** Whether `value` is a valid Ranking (rankingProblem finds nothing). */
export function isRanking(value: unknown): value is Ranking {
  return rankingProblem(value) === null;
}

function checkSize(text: string): void {
  // UTF-8 never takes fewer bytes than UTF-16 code units, so length alone can refuse early.
  const bytes = text.length > MAX_IMPORT_BYTES ? text.length : new TextEncoder().encode(text).length;
  if (bytes > MAX_IMPORT_BYTES) {
    const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
    throw new ImportError(0, `the file is ${mb(bytes)} MB, over the ${mb(MAX_IMPORT_BYTES)} MB limit for one import; split it into smaller files`);
  }
}

function parseObject(raw: string): JsonObject {
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch (e) {
    if (e instanceof RangeError) throw e; // too deep: lineError says so
    const detail = e instanceof Error ? e.message : String(e);
    fail(`not valid JSON (${detail})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`expected a JSON object, found ${jsonKind(value)}`);
  }
  return value;
}

function detectFormat(obj: JsonObject): RankingsFormat {
  const isRankingLine = 'responses' in obj || 'order' in obj;
  const isPair = 'chosen' in obj || 'rejected' in obj;
  if (isRankingLine && isPair) {
    fail(`unknown format: has both ranking keys ('responses'/'order') and pairwise keys ('chosen'/'rejected')`);
  }
  if (isRankingLine) return 'rankings';
  if (isPair) return 'pairwise';
  fail(`unknown format: expected a ranking (id, prompt, responses, order, ...) or a preference pair (prompt, chosen, rejected)`);
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

/** A short description of a value for a message: the value itself if it is a scalar, else its kind. */
function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value !== null && typeof value === 'object') return jsonKind(value as Json);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function requireString(obj: JsonObject, key: string, nonEmpty: boolean): string {
  if (!(key in obj) || obj[key] === undefined) fail(`missing '${key}'`);
  const value = obj[key];
  if (typeof value !== 'string') {
    const hint = Array.isArray(value) ? ' (conversational message lists are not supported; use plain text)' : '';
    fail(`'${key}' must be a string, found ${jsonKind(value)}${hint}`);
  }
  if (nonEmpty && value === '') fail(`'${key}' is empty`);
  return value;
}

function readSource(obj: JsonObject): RankingSource {
  const value = obj.source;
  if (typeof value === 'string' && (SOURCES as readonly string[]).includes(value)) return value as RankingSource;
  fail(`'source' must be "human" or "simulated", found ${preview(value)}`);
}

function readRound(obj: JsonObject): number {
  const value = obj.round;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  fail(`'round' must be a whole number >= 0, found ${preview(value)}`);
}

function readCreatedAt(obj: JsonObject): string {
  const value = requireString(obj, 'createdAt', true);
  if (Number.isNaN(Date.parse(value))) fail(`'createdAt' is not a date: ${preview(value)}`);
  return value;
}

/** The one validator of a full ranking: the import of a line and rankingProblem both call it. */
function readRanking(obj: JsonObject): Ranking {
  const id = requireString(obj, 'id', true);
  const prompt = requireString(obj, 'prompt', true);

  if (!('responses' in obj)) fail(`missing 'responses'`);
  const rawResponses = obj.responses;
  if (!Array.isArray(rawResponses)) fail(`'responses' must be an array of strings, found ${jsonKind(rawResponses)}`);
  const k = rawResponses.length;
  if (k < MIN_RESPONSES || k > MAX_RESPONSES) fail(`'responses' must hold ${MIN_RESPONSES} to ${MAX_RESPONSES} responses, found ${k}`);
  const responses = rawResponses.map((value, i) => {
    if (typeof value !== 'string') fail(`response ${i} must be a string, found ${jsonKind(value)}`);
    if (value === '') fail(`response ${i} is empty`);
    return value;
  });

  if (!('order' in obj)) fail(`missing 'order'`);
  const problem = orderProblem(obj.order, k);
  if (problem) fail(problem);
  const order = (obj.order as number[][]).map((tier) => [...tier]);

  let flagged: number[] | undefined;
  if (obj.flagged !== undefined) {
    const raw = obj.flagged;
    if (!Array.isArray(raw)) fail(`'flagged' must be an array of response indices, found ${jsonKind(raw)}`);
    const seen = new Set<number>();
    for (const value of raw) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= k) {
        fail(`'flagged' holds ${preview(value)}, not a response index 0 to ${k - 1}`);
      }
      if (seen.has(value)) fail(`'flagged' lists response ${value} more than once`);
      seen.add(value);
    }
    flagged = raw as number[];
  }

  const ranking: Ranking = {
    id,
    prompt,
    responses,
    order,
    source: readSource(obj),
    round: readRound(obj),
    model: requireString(obj, 'model', true),
    createdAt: readCreatedAt(obj),
  };
  if (flagged !== undefined) ranking.flagged = [...flagged];
  return ranking;
}

/** A pairwise line as a K=2 ranking, or null when chosen and rejected are the same text. */
function readPair(obj: JsonObject, now: string, occurrences: Map<string, number>): Ranking | null {
  const prompt = requireString(obj, 'prompt', true);
  const chosen = requireString(obj, 'chosen', true);
  const rejected = requireString(obj, 'rejected', true);
  const ranking: Ranking = {
    id: '',
    prompt,
    responses: [chosen, rejected],
    order: [[0], [1]],
    source: 'source' in obj ? readSource(obj) : 'human',
    round: 'round' in obj ? readRound(obj) : 0,
    model: 'model' in obj ? requireString(obj, 'model', true) : IMPORTED_MODEL,
    createdAt: 'createdAt' in obj ? readCreatedAt(obj) : now,
  };
  if (chosen === rejected) return null;
  // The occurrence count keeps a pair that a file repeats on purpose (two labelers) distinct.
  const key = pairKey(prompt, chosen, rejected);
  const n = occurrences.get(key) ?? 0;
  occurrences.set(key, n + 1);
  ranking.id = pairId(prompt, chosen, rejected, n);
  return ranking;
}

/** What a pair says, as a map key: prompt, chosen text, rejected text. */
function pairKey(prompt: string, chosen: string, rejected: string): string {
  return JSON.stringify([prompt, chosen, rejected]);
}

/**
 * The id a pairwise import gets: a hash of its content plus, from the second time a file repeats
 * the same pair, the occurrence ("-1", "-2", ...). Stable across re-imports of the same file.
 */
export function pairId(prompt: string, chosen: string, rejected: string, occurrence = 0): string {
  return `pair-${hash53(pairKey(prompt, chosen, rejected))}${occurrence > 0 ? `-${occurrence}` : ''}`;
}

/**
 * For a pairwise import (a K=2 ranking whose id is pairId of its own content): which occurrence
 * of that pair it is. Null for any other ranking.
 */
function pairOccurrence(r: Ranking): number | null {
  if (r.responses.length !== 2 || r.order.length !== 2 || r.order[0][0] !== 0 || r.order[1][0] !== 1) return null;
  const base = pairId(r.prompt, r.responses[0], r.responses[1]);
  if (r.id === base) return 0;
  const rest = r.id.startsWith(`${base}-`) ? r.id.slice(base.length + 1) : '';
  return /^[1-9]\d*$/.test(rest) ? Number(rest) : null;
}

/** cyrb53: a 53-bit string hash as 14 hex digits; short, stable, not cryptographic. */
function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
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
          this.add(`line ${lineNo}: responses ${a} and ${b} are the same text but ranked apart; they count as tied (no comparison between them)`);
        }
      }
    }
  }

  list(): string[] {
    return this.extra > 0 ? [...this.items, `... and ${this.extra} more warnings`] : [...this.items];
  }

  add(message: string): void {
    if (this.items.length < MAX_WARNINGS) this.items.push(message);
    else this.extra++;
  }
}

function sameTier(order: number[][], a: number, b: number): boolean {
  return order.some((tier) => tier.includes(a) && tier.includes(b));
}

// ---------------------------------------------------------------------------------------------
// Merge and construction

/**
 * Appends the incoming rankings that are new; never replaces an existing one. A ranking is not
 * new when its id is already present (or earlier in `incoming`), or when it is a pairwise import
 * (id = pairId of its content) whose (prompt, chosen, rejected) the rankings already hold as
 * often as this occurrence: so importing the pairs export of rankings already here, or the same
 * pairs file twice, adds nothing, while a file that repeats a pair keeps its repeats.
 */
export function mergeRankings(existing: readonly Ranking[], incoming: readonly Ranking[]): MergeResult {
  const byId = new Map<string, Ranking>(existing.map((r) => [r.id, r]));
  const held = new Map<string, number>(); // pair content -> how many times the rankings hold it
  const hold = (r: Ranking) => {
    for (const { chosen, rejected } of rankingPairs(r)) {
      const key = pairKey(r.prompt, r.responses[chosen], r.responses[rejected]);
      held.set(key, (held.get(key) ?? 0) + 1);
    }
  };
  existing.forEach(hold);
  const rankings = [...existing];
  let added = 0;
  let skipped = 0;
  let conflicts = 0;
  let duplicates = 0;
  for (const r of incoming) {
    const kept = byId.get(r.id);
    const occurrence = pairOccurrence(r);
    if (kept) {
      skipped++;
      // A pairwise import's id is its content, so only a different pair under it is a conflict
      // (not the createdAt a line without one was given on each import).
      const same = occurrence !== null ? JSON.stringify(judgement(kept)) === JSON.stringify(judgement(r)) : JSON.stringify(canonical(kept)) === JSON.stringify(canonical(r));
      if (!same) conflicts++;
      continue;
    }
    if (occurrence !== null && occurrence < (held.get(pairKey(r.prompt, r.responses[0], r.responses[1])) ?? 0)) {
      skipped++;
      duplicates++;
      continue;
    }
    byId.set(r.id, r);
    hold(r);
    rankings.push(r);
    added++;
  }
  return { rankings, added, skipped, conflicts, duplicates };
}

/** A fresh unique id. randomUUID needs a secure context, so fall back to time plus randomness. */
export function newRankingId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
