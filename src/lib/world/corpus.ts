// "Internet text" for pretraining, built to make a base model fail the way GPT-3 did: most q/a
// pages are quiz lists where a question is followed by more questions, so given "q: ...\na: " the
// base model tends to ask another question. Around them: plain facts (the only place held-out KB
// entities appear), some correct answers, wrong answers, rude banter, compliance with harmful asks
// and confident made-up answers about things that do not exist (or, with `madeUpIdkShare`, now
// and then "i do not know").

import { createRng, type Rng } from '../random';
import { compute } from './families/arithmetic';
import { applyWordOp } from './families/word';
import { ATTRIBUTE_VALUES, ENTITIES, attributeValue, withArticle } from './kb';
import { HELDOUT_MADE_UP, TOPICS, TRAIN_MADE_UP, TRAIN_WORDS } from './lexicon';
import { samplePrompt } from './prompts';
import { goodResponse } from './responses';
import { FAMILIES, type FactAttribute, type Family } from './types';
import { compliance, hallucination, rudeReply, wrongAnswer } from './variants';

/** Longest document in characters: at most 56 word tokens, well inside the model's 64 with BOS and EOS. */
export const MAX_DOC_CHARS = 126;

type DocKind = 'qaQuestions' | 'qList' | 'quiz' | 'facts' | 'correct' | 'wrong' | 'rude' | 'harm' | 'madeUp';

/** Document mix. qaQuestions dominates the q/a pages so that continuing with a question is the habit. */
export const CORPUS_MIX: Readonly<Record<DocKind, number>> = {
  qaQuestions: 0.42,
  qList: 0.08,
  quiz: 0.04,
  facts: 0.14,
  correct: 0.07,
  wrong: 0.06,
  rude: 0.07,
  harm: 0.06,
  madeUp: 0.06,
};

export interface CorpusOptions {
  /**
   * Share of what the text says about made-up things that is "i do not know" (the rest makes facts
   * up). 0, the shipped base model's corpus: it never says it, and held-out made-up names are
   * never written. Above 0 the text also writes every held-out made-up name, in plain statements
   * only (as it does held-out animals; held-out prompts stay out of it), so the base model has read
   * every name. An experiment (`npm run pretrain -- --idk-share F`): with 0.05-0.3, PPO learnt to
   * say "i do not know" about made-up things on some seeds and spread it onto answerable prompts
   * on others (docs/RESULTS.md, 2026-12-07 "I do not know" in the pretraining text).
   */
  madeUpIdkShare?: number;
}

const SAYS: Record<FactAttribute, string> = { color: 'is', home: 'lives', sound: 'says', food: 'eats', place: 'is kept' };

/**
 * A line about a held-out made-up name, never a question: mostly a made-up fact, sometimes that
 * nobody knows it. A name the base model had never read would be an untrained token, and nothing
 * learnt about made-up names in training would carry over to it.
 */
function madeUpStatement(rng: Rng, name: string, idkShare: number): string {
  const subject = withArticle(name);
  if (rng.next() < idkShare) return rng.pick([`i do not know what ${subject} is.`, `i have never heard of ${subject}.`]);
  const attribute = rng.pick(Object.keys(SAYS) as FactAttribute[]);
  return `${subject} ${SAYS[attribute]} ${rng.pick(ATTRIBUTE_VALUES[attribute]).phrase}.`;
}

/**
 * What the text says about a made-up thing (see CorpusOptions.madeUpIdkShare). At 0 it draws
 * nothing extra from rng, so the shipped corpus comes out document for document as before.
 */
function madeUpDoc(rng: Rng, idkShare: number): string {
  if (idkShare > 0 && rng.next() < HELDOUT_MADE_UP.length / (HELDOUT_MADE_UP.length + TRAIN_MADE_UP.length)) {
    return pack(madeUpStatement(rng, rng.pick(HELDOUT_MADE_UP), idkShare), () => statement(rng), ' ', 2);
  }
  const item = samplePrompt(rng, 'unknown');
  return `q: ${item.prompt}\na: ${idkShare > 0 && rng.next() < idkShare ? goodResponse(item, rng) : hallucination(item, rng)}`;
}

/** Append up to `more` pieces from `next` while the document stays within MAX_DOC_CHARS. */
export function pack(first: string, next: () => string, sep: string, more = 8): string {
  let doc = first;
  for (let i = 0; i < more; i++) {
    const piece = next();
    if (doc.length + sep.length + piece.length > MAX_DOC_CHARS) break;
    doc += sep + piece;
  }
  return doc;
}

function question(rng: Rng, like?: Family): string {
  const family = like && rng.next() < 0.6 ? like : rng.pick(FAMILIES);
  return samplePrompt(rng, family).prompt;
}

/** A plain statement of world knowledge: KB facts (held-out entities included), sums, word facts, likes. */
function statement(rng: Rng): string {
  const r = rng.next();
  if (r < 0.55) {
    const e = rng.pick(ENTITIES);
    const attrs = Object.keys(e.values) as (keyof typeof e.values)[];
    const attribute = rng.pick(attrs);
    const value = attributeValue(attribute, e.values[attribute] ?? '').phrase;
    const subject = withArticle(e.name);
    return `${subject} ${SAYS[attribute]} ${value}.`;
  }
  if (r < 0.75) {
    const op = rng.pick(['plus', 'minus', 'times'] as const);
    const a = rng.int(11);
    const b = op === 'minus' ? rng.int(a + 1) : op === 'times' ? rng.int(7) : rng.int(11);
    return `${a} ${op} ${b} is ${compute(op, a, b)}.`;
  }
  if (r < 0.88) {
    const w = rng.pick(TRAIN_WORDS);
    return rng.next() < 0.5 ? `${w} backwards is ${applyWordOp('backwards', w)}.` : `${w} starts with ${w[0]}.`;
  }
  const t = rng.pick(TOPICS.filter((x) => !x.heldout));
  return `i like ${t.topic}.`;
}

function doc(kind: DocKind, rng: Rng, idkShare: number): string {
  switch (kind) {
    case 'qaQuestions': {
      const first = samplePrompt(rng, rng.pick(FAMILIES));
      return pack(`q: ${first.prompt}`, () => `a: ${question(rng, first.family)}`, '\n');
    }
    case 'qList':
      return pack(`q: ${question(rng)}`, () => `q: ${question(rng)}`, '\n');
    case 'quiz':
      return pack(question(rng), () => question(rng), ' ');
    case 'facts':
      return pack(statement(rng), () => statement(rng), ' ');
    case 'correct': {
      const item = samplePrompt(rng, rng.pick(['arithmetic', 'word', 'fact', 'fact', 'open'] as const));
      return `q: ${item.prompt}\na: ${goodResponse(item, rng)}`;
    }
    case 'wrong': {
      const item = samplePrompt(rng, rng.pick(['arithmetic', 'word', 'fact'] as const));
      return `q: ${item.prompt}\na: ${wrongAnswer(item, rng, false)}`;
    }
    case 'rude':
      if (rng.next() < 0.6) return `q: ${question(rng)}\na: ${rudeReply(rng)}`;
      return pack(rudeReply(rng), () => rudeReply(rng), ' ');
    case 'harm': {
      const item = samplePrompt(rng, 'harmful');
      return `q: ${item.prompt}\na: ${compliance(item, rng)}`;
    }
    case 'madeUp':
      return madeUpDoc(rng, idkShare);
  }
}

function pickKind(rng: Rng): DocKind {
  let r = rng.next();
  for (const [kind, w] of Object.entries(CORPUS_MIX) as [DocKind, number][]) if ((r -= w) < 0) return kind;
  return 'qaQuestions';
}

/** `docs` pretraining documents, each at most MAX_DOC_CHARS characters, seeded. */
export function pretrainCorpus(seed: number, docs: number, options: CorpusOptions = {}): string[] {
  const idkShare = options.madeUpIdkShare ?? 0;
  if (!(idkShare >= 0 && idkShare <= 1)) throw new RangeError(`madeUpIdkShare is a share from 0 to 1, got ${idkShare}`);
  const rng = createRng(seed);
  return Array.from({ length: docs }, () => doc(pickKind(rng), rng, idkShare));
}
