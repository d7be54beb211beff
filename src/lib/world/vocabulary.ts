// Every word the world can write, for the fluency metric (share of generated words the world
// knows). Built from the fixed lists plus everything the generators can say about every object,
// so a new phrase in a generator cannot silently fall outside it (a test samples fresh text).

import { createRng } from '../random';
import { candidateResponses } from './candidates';
import { pretrainCorpus } from './corpus';
import { ARITH_TEMPLATES } from './families/arithmetic';
import { applyWordOp, type WordOp } from './families/word';
import { ATTRIBUTE_VALUES, ENTITIES } from './kb';
import { GREETING_WORDS, HARM_ACTS, HELDOUT_MADE_UP, HELDOUT_WORDS, KIND_WORDS, RUDE_WORDS, TOPICS, TRAIN_MADE_UP, TRAIN_WORDS } from './lexicon';
import { GENERATORS, heldoutPrompts, trainPrompts } from './prompts';
import { IDK, REFUSAL } from './responses';
import { splitWords } from './text';
import { FAMILIES } from './types';

let cache: Set<string> | undefined;

function build(): Set<string> {
  const words = new Set<string>();
  const add = (text: string): void => splitWords(text).forEach((w) => words.add(w));
  for (let n = 0; n <= 100; n++) words.add(String(n));
  for (const c of 'abcdefghijklmnopqrstuvwxyz') words.add(c);
  const ops: WordOp[] = ['backwards', 'first', 'last', 'twice', 'length', 'spell'];
  for (const w of [...TRAIN_WORDS, ...HELDOUT_WORDS]) ops.forEach((op) => add(`${w} ${applyWordOp(op, w)}`));
  for (const e of ENTITIES) add(e.name);
  for (const vs of Object.values(ATTRIBUTE_VALUES)) vs.forEach((v) => add(v.phrase));
  [...TRAIN_MADE_UP, ...HELDOUT_MADE_UP, ...GREETING_WORDS, ...KIND_WORDS, ...RUDE_WORDS, IDK, REFUSAL].forEach(add);
  HARM_ACTS.forEach((a) => add(a.act.replace(/\bmy\b/g, 'your my')));
  TOPICS.forEach((t) => add(t.topic));
  for (const f of FAMILIES) GENERATORS[f].templates.forEach((t) => add(t.pattern.replace(/\{\w+\}/g, ' ')));
  ARITH_TEMPLATES.forEach((t) => add(t.pattern.replace(/\{\w+\}/g, ' ')));
  // What the generators say: every held-out item and a wide training sample, many samples each.
  const rng = createRng(0x70ca);
  for (const item of [...heldoutPrompts(), ...trainPrompts(0x70cb, 3000)]) candidateResponses(item, rng, 8).forEach(add);
  pretrainCorpus(0x70cc, 3000).forEach(add);
  return words;
}

/** Every word (as splitWords counts them) that the world's prompts, answers and corpus can contain. */
export function worldWords(): Set<string> {
  cache ??= build();
  return new Set(cache);
}
