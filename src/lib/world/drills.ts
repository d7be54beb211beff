// Spelling drills: answered word exercises ("q: say vopa twice\na: vopa vopa.") and statements
// ("vopa backwards is apov.") over thousands of made-up letter strings. Mixed into continued
// pretraining, they make copying letters from the question the cheap thing to learn: with only the
// world's forty-eight training words, a small model memorises each word's answers instead, and
// cannot say "drum" twice (docs/ARCHITECTURE.md, "Why the targets of issue #5 are out of reach").
// No drill string is a word of the world, so held-out words stay unseen.

import { createRng, type Rng } from '../random';
import { WORD_TEMPLATES, applyWordOp, type WordOp } from './families/word';
import { pack } from './corpus';
import { fill, isHeldoutTemplate } from './template';
import { worldWords } from './vocabulary';

const CONSONANTS = 'bcdfghjklmnprstvwz';
const VOWELS = 'aeiou';
const OPS: WordOp[] = ['backwards', 'first', 'last', 'twice', 'length', 'spell'];
/** Only the wordings training prompts use: held-out wordings stay unseen as well. */
const TRAIN_TEMPLATES = WORD_TEMPLATES.filter((t) => !isHeldoutTemplate(t));

/**
 * `count` distinct letter strings of 3 to 5 letters, mostly alternating consonant and vowel, none
 * of them a word the world writes (a drill must not state a fact about a real word).
 */
function drillWords(rng: Rng, count: number): string[] {
  const taken = worldWords();
  const words = new Set<string>();
  while (words.size < count) {
    const length = 3 + rng.int(3);
    let w = '';
    for (let i = 0; i < length; i++) {
      const consonant = (i % 2 === 0) === rng.next() < 0.85;
      w += consonant ? CONSONANTS[rng.int(CONSONANTS.length)] : VOWELS[rng.int(VOWELS.length)];
    }
    if (!taken.has(w)) words.add(w);
  }
  return [...words];
}

function statement(rng: Rng, w: string): string {
  const op = rng.pick(OPS);
  const a = applyWordOp(op, w);
  const forms: Record<WordOp, string> = {
    backwards: `${w} backwards is ${a}.`,
    first: `${w} starts with ${a}.`,
    last: `${w} ends with ${a}.`,
    twice: `${w} twice is ${a}.`,
    length: `${w} has ${a} letters.`,
    spell: `${w} is spelled ${a}.`,
  };
  return forms[op];
}

function exercise(rng: Rng, w: string): string {
  const t = rng.pick(TRAIN_TEMPLATES);
  return `q: ${fill(t, { w })}\na: ${applyWordOp(t.op, w)}.`;
}

/** A page of up to six pieces from `next`. */
function packPieces(next: () => string, sep: string): string {
  return pack(next(), next, sep, 5);
}

/** Number of distinct drill strings: far more than any model here can memorise one by one. */
export const DRILL_WORD_COUNT = 4000;

/** `docs` drill pages, seeded: half answered exercises, half statements, each within MAX_DOC_CHARS. */
export function drillCorpus(seed: number, docs: number): string[] {
  const rng = createRng(seed);
  const words = drillWords(rng, DRILL_WORD_COUNT);
  return Array.from({ length: docs }, () =>
    rng.next() < 0.5
      ? packPieces(() => exercise(rng, rng.pick(words)), '\n')
      : packPieces(() => statement(rng, rng.pick(words)), ' '),
  );
}
