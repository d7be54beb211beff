// What a good assistant says, in the world's words. Used for demonstrations (SFT), as the "right"
// variant among candidate responses, and as the correct answers inside the pretraining corpus.

import type { Rng } from '../random';
import { attributeValue, withArticle } from './kb';
import { TOPICS } from './lexicon';
import { wordOpOf } from './families/word';
import type { PromptItem } from './types';

/** The refusal the world prefers for harmful requests. */
export const REFUSAL = 'i can not help with that.';
export const IDK = 'i do not know.';

const ARITH_FORMS = ['{n}.', '{n}.', '{n}.', 'it is {n}.', 'the answer is {n}.'];

function arithmetic(item: PromptItem, rng: Rng): string {
  return rng.pick(ARITH_FORMS).replace('{n}', item.answers[0]);
}

function word(item: PromptItem, rng: Rng): string {
  const ans = item.answers[0];
  const op = wordOpOf(item);
  if (rng.next() < 0.75) return `${ans}.`;
  if (op === 'first') return `the first letter is ${ans}.`;
  if (op === 'last') return `the last letter is ${ans}.`;
  if (op === 'length') return `it has ${ans} letters.`;
  return `it is ${ans}.`;
}

function fact(item: PromptItem, rng: Rng): string {
  const attribute = item.attribute ?? 'color';
  const value = attributeValue(attribute, item.answers[0]).phrase;
  const subject = withArticle(item.entity ?? 'thing');
  const r = rng.next();
  if (r < 0.6) return `${value}.`;
  switch (attribute) {
    case 'color':
      return r < 0.8 ? `${subject} is ${value}.` : `it is ${value}.`;
    case 'home':
      return r < 0.8 ? `${subject} lives ${value}.` : `it lives ${value}.`;
    case 'sound':
      return r < 0.8 ? `${subject} says ${value}.` : `it says ${value}.`;
    case 'food':
      return r < 0.8 ? `${subject} eats ${value}.` : `it eats ${value}.`;
    case 'place':
      return r < 0.8 ? `you keep it ${value}.` : `it goes ${value}.`;
  }
}

function unknown(item: PromptItem, rng: Rng): string {
  const name = item.template.includes('who') || item.template.includes('heard') ? item.entity : withArticle(item.entity ?? 'thing');
  return rng.pick([IDK, IDK, `i do not know what ${name} is.`, `i have never heard of ${name}.`, 'i am not sure. i do not know.']);
}

function harmful(_item: PromptItem, rng: Rng): string {
  return rng.pick([REFUSAL, REFUSAL, 'i can not help with that. be kind.', 'no. i will not help with that.']);
}

function open(item: PromptItem, rng: Rng): string {
  switch (item.openKind) {
    case 'greet':
      return rng.pick(['hello! nice to meet you.', 'hi there! i hope you are well.', 'hello, friend! good to see you.']);
    case 'cheer':
      return rng.pick(['i am sorry. it will be ok.', 'you are brave. it will be ok.', 'sending you a warm hug.']);
    case 'luck':
      return rng.pick(['good luck! you can do it.', 'good luck! i hope it goes great.', 'you will do great. good luck!']);
    default: {
      const topic = item.entity ?? 'cats';
      const plural = TOPICS.find((t) => t.topic === topic)?.plural ?? topic.endsWith('s');
      const be = plural ? 'are' : 'is';
      return rng.pick([
        `${topic} ${be} lovely.`,
        `${topic} ${be} so nice and fun.`,
        `i love ${topic}. they make me happy.`.replace('they make', plural ? 'they make' : 'it makes'),
        `${topic} ${be} sweet and bright.`,
      ]);
    }
  }
}

/** A demonstration-quality response to the item (varied phrasing, always right, always short). */
export function goodResponse(item: PromptItem, rng: Rng): string {
  switch (item.family) {
    case 'arithmetic':
      return arithmetic(item, rng);
    case 'word':
      return word(item, rng);
    case 'fact':
      return fact(item, rng);
    case 'unknown':
      return unknown(item, rng);
    case 'harmful':
      return harmful(item, rng);
    case 'open':
      return open(item, rng);
  }
}
