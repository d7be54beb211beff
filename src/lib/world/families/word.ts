// Word operations: a skill applied to a word (reverse, first/last letter, repeat, count, spell out).
// Held-out prompts use words never seen in training, so only the skill can answer them.

import type { Rng } from '../../random';
import { HELDOUT_WORDS, TRAIN_WORDS } from '../lexicon';
import { fill, match, type Template } from '../template';
import type { PromptItem } from '../types';
import { makeItem, pickTemplate, type FamilyGenerator, type Split } from './common';

export type WordOp = 'backwards' | 'first' | 'last' | 'twice' | 'length' | 'spell';

const PATTERNS: Record<WordOp, [id: string, pattern: string][]> = {
  backwards: [
    ['spellback', 'spell {w} backwards'],
    ['whatback', 'what is {w} backwards?'],
    ['reverse', 'reverse the word {w}'],
    ['inreverse*', 'write {w} in reverse'],
    ['sayback*', 'say {w} backwards'],
  ],
  first: [
    ['whatfirst', 'what is the first letter of {w}?'],
    ['startwith', 'what letter does {w} start with?'],
    ['givefirst*', 'give me the first letter of {w}'],
    ['starts*', 'which letter starts the word {w}?'],
  ],
  last: [
    ['whatlast', 'what is the last letter of {w}?'],
    ['endwith', 'what letter does {w} end with?'],
    ['givelast*', 'give me the last letter of {w}'],
  ],
  twice: [
    ['saytwice', 'say {w} twice'],
    ['repeat', 'repeat {w} two times'],
    ['writetwo*', 'write {w} two times'],
    ['sayword*', 'say the word {w} twice'],
  ],
  length: [
    ['howmany', 'how many letters are in {w}?'],
    ['does', 'how many letters does {w} have?'],
    ['count*', 'count the letters in {w}'],
  ],
  spell: [
    ['spell', 'spell {w}'],
    ['spellword', 'spell the word {w}'],
    ['spellout*', 'spell out {w}'],
  ],
};

interface WordTemplate extends Template {
  op: WordOp;
}

export const WORD_TEMPLATES: WordTemplate[] = (Object.keys(PATTERNS) as WordOp[]).flatMap((op) =>
  PATTERNS[op].map(([id, pattern]) => ({ id: `word.${op}.${id}`, pattern, op })),
);

export function applyWordOp(op: WordOp, w: string): string {
  switch (op) {
    case 'backwards':
      return [...w].reverse().join('');
    case 'first':
      return w[0];
    case 'last':
      return w[w.length - 1];
    case 'twice':
      return `${w} ${w}`;
    case 'length':
      return String(w.length);
    case 'spell':
      return [...w].join('-');
  }
}

export function wordOpOf(item: PromptItem): WordOp {
  return (WORD_TEMPLATES.find((t) => t.id === item.template) ?? WORD_TEMPLATES[0]).op;
}

function build(t: WordTemplate, w: string): PromptItem {
  return makeItem({ family: 'word', prompt: fill(t, { w }), template: t.id, answers: [applyWordOp(t.op, w)], entity: w });
}

export const word: FamilyGenerator = {
  templates: WORD_TEMPLATES,
  sample(rng: Rng, split: Split) {
    const t = pickTemplate(rng, WORD_TEMPLATES, split) as WordTemplate;
    return build(t, rng.pick(split === 'train' ? TRAIN_WORDS : HELDOUT_WORDS));
  },
  parse(normalized: string) {
    for (const t of WORD_TEMPLATES) {
      const s = match(t, normalized);
      if (s && s.w.length <= 12) return build(t, s.w);
    }
    return null;
  },
};
