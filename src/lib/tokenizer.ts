// Word-level tokenizer. The world has a closed lexicon, so every word it writes is one token
// (tokenizer-words.ts), punctuation and the newline are tokens, and anything else a user types is
// spelled out letter by letter after a <w> marker, or becomes UNK when no token can hold it.
//
// Spaces are not tokens: they are structural. The decoder puts one space between two tokens unless
// either side glues (".", "-", a newline, a spelled letter...). So a model cannot glue two words
// into one ("andbaa"), and world text needs no space tokens at all. Text whose spacing differs from
// that rule (user input) keeps it exactly through two rare tokens: <sp> (one explicit space) and
// <nosp> (no space where the rule would put one).
//
// Two ways the tokenizer could teach the wrong lesson are closed by construction: made-up names
// are ordinary word tokens like real names (spelling only ever marks text from outside the world,
// whichever family it is in), and there is one form of each word (no bare and leading-space twins).

import { hashString } from './random';
import { WORDS } from './tokenizer-words';

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
/** Starts a word spelled letter by letter (a word outside the world's lexicon). */
export const SPELL = 4;
/** One explicit space where the spacing rule would glue. */
export const SPACE = 5;
/** No space where the spacing rule would put one. */
export const GLUE = 6;
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>', '<w>', '<sp>', '<nosp>'] as const;

/**
 * Punctuation, in id order. "-" is there twice: first the hyphen between letters ("c-a-t"), last
 * the minus written between spaces ("3 - 2").
 */
const PUNCTUATION = ['\n', '.', ',', '?', '!', ':', "'", '-', '/', '+', '*', '=', '-'] as const;
/** Characters a spelled word is made of (after SPELL). */
const SPELLING = "abcdefghijklmnopqrstuvwxyz0123456789'";
const FIRST_PUNCT = SPECIAL_TOKENS.length;
const NEWLINE = FIRST_PUNCT + PUNCTUATION.indexOf('\n');
const HYPHEN = FIRST_PUNCT + PUNCTUATION.indexOf('-');
const MINUS = FIRST_PUNCT + PUNCTUATION.lastIndexOf('-');
const FIRST_LETTER = FIRST_PUNCT + PUNCTUATION.length;
const FIRST_WORD = FIRST_LETTER + SPELLING.length;

export const VOCAB_SIZE = FIRST_WORD + WORDS.length;

/**
 * Names this exact vocabulary; checkpoints record it and one made for another is refused. It
 * changes whenever a token is added, so it is computed, never written by hand.
 */
export const TOKENIZER_ID = `words-${VOCAB_SIZE}-${hashString([...SPECIAL_TOKENS, ...PUNCTUATION, SPELLING, ...WORDS].join('\u0001')).toString(16).padStart(8, '0')}`;

/** Every character the tokenizer can represent without UNK. */
export const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 .,?!'-:+*=/\n";

const wordToId = new Map<string, number>(WORDS.map((w, i) => [w, FIRST_WORD + i]));
const letterToId = new Map<string, number>([...SPELLING].map((c, i) => [c, FIRST_LETTER + i]));
/** Each mark's id; "-" maps to the hyphen (encode picks the minus by its spaces). */
const punctToId = new Map<string, number>(PUNCTUATION.map((p, i) => [p, FIRST_PUNCT + i] as [string, number]).filter(([, id]) => id !== MINUS));

/** Whether a token joins the one before it / after it without a space. */
const GLUE_BEFORE = new Set<number>([SPACE, GLUE, NEWLINE, HYPHEN, ...['.', ',', '?', '!', ':', "'", '/'].map((p) => punctToId.get(p)!)]);
const GLUE_AFTER = new Set<number>([SPELL, SPACE, GLUE, NEWLINE, HYPHEN, punctToId.get("'")!, punctToId.get('/')!]);
const isLetter = (id: number): boolean => id >= FIRST_LETTER && id < FIRST_WORD;
const gluesBefore = (id: number): boolean => GLUE_BEFORE.has(id) || isLetter(id);
const gluesAfter = (id: number): boolean => GLUE_AFTER.has(id);
/** The decoder's rule: a space between two tokens unless either side glues. */
const spaced = (prev: number, next: number): boolean => !gluesAfter(prev) && !gluesBefore(next);

export interface EncodeOptions {
  /** Prepend BOS. */
  bos?: boolean;
  /** Append EOS. */
  eos?: boolean;
}

/** A piece of text with the spaces written before it. */
interface Unit {
  ids: number[];
  spacesBefore: number;
}

/** Words (runs of letters and digits, inner apostrophes kept), single other characters, and the spaces between them. */
function units(text: string): Unit[] {
  const out: Unit[] = [];
  let spaces = 0;
  const lower = text.toLowerCase();
  const re = / +|[a-z0-9]+(?:'[a-z0-9]+)*|[^]/gu;
  for (const m of lower.matchAll(re)) {
    const piece = m[0];
    if (piece[0] === ' ') {
      spaces += piece.length;
      continue;
    }
    out.push({ ids: unitIds(piece, spaces, lower, m.index! + piece.length), spacesBefore: spaces });
    spaces = 0;
  }
  if (spaces > 0) out.push({ ids: [], spacesBefore: spaces });
  return out;
}

function unitIds(piece: string, spacesBefore: number, text: string, end: number): number[] {
  const word = wordToId.get(piece);
  if (word !== undefined) return [word];
  if (/^[a-z0-9]/.test(piece)) return [SPELL, ...[...piece].map((c) => letterToId.get(c)!)];
  if (piece === '-') return spacesBefore > 0 && text[end] === ' ' ? [MINUS] : [HYPHEN];
  return [punctToId.get(piece) ?? UNK];
}

/** Lower-cases (the world has no capitals) and turns text into ids; decode gives the text back exactly. */
export function encode(text: string, options: EncodeOptions = {}): number[] {
  const ids: number[] = [];
  if (options.bos) ids.push(BOS);
  let prev: number | undefined;
  for (const unit of units(text)) {
    const next = unit.ids[0];
    const expected = prev === undefined || next === undefined ? 0 : spaced(prev, next) ? 1 : 0;
    if (unit.spacesBefore !== expected) {
      if (unit.spacesBefore === 0) ids.push(GLUE);
      else for (let i = 0; i < unit.spacesBefore; i++) ids.push(SPACE);
    }
    ids.push(...unit.ids);
    if (unit.ids.length > 0) prev = unit.ids[unit.ids.length - 1];
  }
  if (options.eos) ids.push(EOS);
  return ids;
}

function tokenText(id: number): string {
  if (id === SPACE) return ' ';
  if (id === UNK) return '\uFFFD';
  if (id >= FIRST_PUNCT && id < FIRST_LETTER) return PUNCTUATION[id - FIRST_PUNCT];
  if (isLetter(id)) return SPELLING[id - FIRST_LETTER];
  if (id >= FIRST_WORD && id < VOCAB_SIZE) return WORDS[id - FIRST_WORD];
  if (id >= SPECIAL_TOKENS.length || id < 0) return '\uFFFD';
  return '';
}

/**
 * Turns ids back into text. Stops at the first EOS and skips PAD and BOS. UNK and ids outside the
 * vocabulary become U+FFFD ('?' is a real character of the world, so it cannot stand for "unknown").
 */
export function decode(ids: ArrayLike<number>): string {
  let out = '';
  let prev: number | undefined;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === EOS) break;
    if (id === PAD || id === BOS) continue;
    if (prev !== undefined && spaced(prev, id)) out += ' ';
    out += tokenText(id);
    prev = id;
  }
  return out;
}

/** The distinct characters of `text` (after lower-casing) that the vocabulary cannot represent. */
export function unknownChars(text: string): string[] {
  const unknown = new Set<string>();
  for (const ch of text.toLowerCase()) if (!ALPHABET.includes(ch)) unknown.add(ch);
  return [...unknown];
}

/** A readable name for a token id, for debugging and sample tables. */
export function tokenName(id: number): string {
  if (id >= 0 && id < SPECIAL_TOKENS.length) return SPECIAL_TOKENS[id];
  if (id === NEWLINE) return '\\n';
  if (id === MINUS) return ' - ';
  return id < VOCAB_SIZE ? tokenText(id) : `<${id}>`;
}
