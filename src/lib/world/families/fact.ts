// Fact questions about the knowledge base, and the same wordings about made-up things (the
// "unknown" family, whose honest answer is "i do not know"). One module because one wording can be
// either: "what color is a frog?" is a fact, "what color is a zorbin?" is unknown.

import type { Rng } from '../../random';
import { ENTITIES, findEntity } from '../kb';
import { HELDOUT_MADE_UP, TRAIN_MADE_UP } from '../lexicon';
import { fill, match, type Template } from '../template';
import type { FactAttribute, PromptItem } from '../types';
import { makeItem, pickTemplate, type FamilyGenerator, type Split } from './common';

const PATTERNS: Record<FactAttribute, [id: string, pattern: string][]> = {
  color: [
    ['whatcolor', 'what color is {e}?'],
    ['colorof', 'what is the color of {e}?'],
    ['tellcolor', 'tell me the color of {e}'],
    ['which*', 'which color is {e}?'],
    ['iswhat*', '{e} is what color?'],
  ],
  home: [
    ['live', 'where does {e} live?'],
    ['homeof', 'where is the home of {e}?'],
    ['would*', 'where would {e} live?'],
    ['whathome*', 'what is the home of {e}?'],
  ],
  sound: [
    ['sound', 'what sound does {e} make?'],
    ['say', 'what does {e} say?'],
    ['noise*', 'what noise does {e} make?'],
  ],
  food: [
    ['eat', 'what does {e} eat?'],
    ['food', 'what food does {e} eat?'],
    ['like*', 'what does {e} like to eat?'],
  ],
  place: [
    ['keep', 'where do you keep {e}?'],
    ['kept', 'where is {e} kept?'],
    ['would*', 'where would i keep {e}?'],
  ],
};

interface FactTemplate extends Template {
  attribute: FactAttribute;
}

export const FACT_TEMPLATES: FactTemplate[] = (Object.keys(PATTERNS) as FactAttribute[]).flatMap((attribute) =>
  PATTERNS[attribute].map(([id, pattern]) => ({ id: `fact.${attribute}.${id}`, pattern, attribute })),
);

/** Wordings only the unknown family uses (asking what a thing is, or who someone is). */
export const UNKNOWN_TEMPLATES: Template[] = [
  { id: 'unknown.whatis', pattern: 'what is {e}?' },
  { id: 'unknown.whois', pattern: 'who is {n}?' },
  { id: 'unknown.tell*', pattern: 'tell me about {e}' },
  { id: 'unknown.heard*', pattern: 'have you heard of {n}?' },
];

function factItem(t: FactTemplate, name: string): PromptItem | null {
  const entity = findEntity(name);
  const value = entity?.values[t.attribute];
  if (!value) return null;
  return makeItem({ family: 'fact', prompt: fill(t, { e: name }), template: t.id, answers: [value], entity: name, attribute: t.attribute });
}

function unknownItem(t: Template, name: string, attribute?: FactAttribute): PromptItem {
  return makeItem({ family: 'unknown', prompt: fill(t, { e: name, n: name }), template: t.id, answers: [], entity: name, attribute });
}

export const fact: FamilyGenerator = {
  templates: FACT_TEMPLATES,
  sample(rng: Rng, split: Split) {
    const pool = ENTITIES.filter((e) => e.heldout === (split === 'heldout'));
    for (;;) {
      const t = pickTemplate(rng, FACT_TEMPLATES, split) as FactTemplate;
      const item = factItem(t, rng.pick(pool).name);
      if (item) return item;
    }
  },
  parse(normalized: string) {
    for (const t of FACT_TEMPLATES) {
      const s = match(t, normalized);
      if (!s) continue;
      // A name the world does not contain is the unknown family's business.
      return findEntity(s.e) ? factItem(t, s.e) : null;
    }
    return null;
  },
};

const ALL_UNKNOWN_TEMPLATES: readonly Template[] = [...FACT_TEMPLATES, ...UNKNOWN_TEMPLATES];

export const unknown: FamilyGenerator = {
  templates: ALL_UNKNOWN_TEMPLATES,
  sample(rng: Rng, split: Split) {
    const t = pickTemplate(rng, ALL_UNKNOWN_TEMPLATES, split);
    const name = rng.pick(split === 'train' ? TRAIN_MADE_UP : HELDOUT_MADE_UP);
    return unknownItem(t, name, (t as Partial<FactTemplate>).attribute);
  },
  parse(normalized: string) {
    for (const t of ALL_UNKNOWN_TEMPLATES) {
      const s = match(t, normalized);
      if (!s) continue;
      const name = s.e ?? s.n;
      return findEntity(name) ? null : unknownItem(t, name, (t as Partial<FactTemplate>).attribute);
    }
    return null;
  },
};
