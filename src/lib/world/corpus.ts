// "Internet text" for pretraining, built to make a base model fail the way GPT-3 did: most q/a
// pages are quiz lists where a question is followed by more questions, so given "q: ...\na: " the
// base model tends to ask another question. Around them: plain facts (the only place held-out KB
// entities appear), some correct answers, wrong answers, rude banter, compliance with harmful asks
// and confident made-up answers about things that do not exist.

import { createRng, type Rng } from '../random';
import { compute } from './families/arithmetic';
import { applyWordOp } from './families/word';
import { ENTITIES, attributeValue, withArticle } from './kb';
import { TOPICS, TRAIN_WORDS } from './lexicon';
import { samplePrompt } from './prompts';
import { goodResponse } from './responses';
import { FAMILIES, type Family } from './types';
import { compliance, hallucination, rudeReply, wrongAnswer } from './variants';

/** Longest document in characters: at most 56 word tokens, well inside the model's 64 with BOS and EOS. */
export const MAX_DOC_CHARS = 126;

type DocKind = 'qaQuestions' | 'qList' | 'quiz' | 'facts' | 'correct' | 'wrong' | 'rude' | 'harm' | 'hallucinate';

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
  hallucinate: 0.06,
};

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
    const verb = { color: 'is', home: 'lives', sound: 'says', food: 'eats', place: 'is kept' }[attribute];
    return `${subject} ${verb} ${value}.`;
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

function doc(kind: DocKind, rng: Rng): string {
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
    case 'hallucinate': {
      const item = samplePrompt(rng, 'unknown');
      return `q: ${item.prompt}\na: ${hallucination(item, rng)}`;
    }
  }
}

function pickKind(rng: Rng): DocKind {
  let r = rng.next();
  for (const [kind, w] of Object.entries(CORPUS_MIX) as [DocKind, number][]) if ((r -= w) < 0) return kind;
  return 'qaQuestions';
}

/** `docs` pretraining documents, each at most MAX_DOC_CHARS characters, seeded. */
export function pretrainCorpus(seed: number, docs: number): string[] {
  const rng = createRng(seed);
  return Array.from({ length: docs }, () => doc(pickKind(rng), rng));
}
