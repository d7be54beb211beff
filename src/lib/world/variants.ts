// Plausible wrong responses, family by family: the raw material of candidate responses (what an
// imperfect SFT model writes) and of the pretraining corpus's wrong answers, hallucinations and
// compliance with harmful asks.

import type { Rng } from '../random';
import { ATTRIBUTE_VALUES, ENTITIES, withArticle } from './kb';
import { wordOpOf } from './families/word';
import type { PromptItem } from './types';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function wrongNumber(answer: number, rng: Rng): number {
  if (rng.next() < 0.6) {
    const off = (1 + rng.int(3)) * (rng.next() < 0.5 ? -1 : 1);
    return Math.max(0, answer + off === answer ? answer + 1 : answer + off);
  }
  let n = rng.int(31);
  if (n === answer) n = answer + 1;
  return n;
}

function wrongWord(item: PromptItem, rng: Rng, garble: boolean): string {
  const w = item.entity ?? 'cat';
  const answer = item.answers[0];
  switch (wordOpOf(item)) {
    case 'backwards': {
      // Garbled near misses are what a model writes, not what the world's text contains.
      if (!garble || rng.next() < 0.4) return w;
      const chars = [...answer];
      const i = rng.int(Math.max(1, chars.length - 1));
      [chars[i], chars[i + 1]] = [chars[i + 1] ?? chars[i], chars[i]];
      const out = chars.join('');
      return out === answer ? answer.slice(1) : out;
    }
    case 'first':
    case 'last': {
      const other = [...w].find((c) => c !== answer);
      return other && rng.next() < 0.6 ? other : LETTERS[(LETTERS.indexOf(answer) + 1 + rng.int(25)) % 26];
    }
    case 'twice':
      return rng.next() < 0.5 ? w : `${w} ${w} ${w}`;
    case 'length':
      return String(w.length + (rng.next() < 0.5 ? -1 : 1));
    case 'spell': {
      const i = rng.int(w.length);
      return [...(w.slice(0, i) + w.slice(i + 1) || w)].join('-');
    }
  }
}

function otherValue(item: PromptItem, rng: Rng): string {
  const values = ATTRIBUTE_VALUES[item.attribute ?? 'color'].filter((v) => !item.answers.includes(v.key));
  return rng.pick(values).phrase;
}

/** A confident, wrong answer to an answerable question; `garble` allows non-words ("tca"). */
export function wrongAnswer(item: PromptItem, rng: Rng, garble = true): string {
  switch (item.family) {
    case 'arithmetic':
      return `${wrongNumber(Number(item.answers[0]), rng)}.`;
    case 'word':
      return `${wrongWord(item, rng, garble)}.`;
    case 'fact':
      return rng.next() < 0.7 ? `${otherValue(item, rng)}.` : `it is ${otherValue(item, rng)}.`;
    default:
      return hallucination(item, rng);
  }
}

/** A made-up answer about something that does not exist. */
export function hallucination(item: PromptItem, rng: Rng): string {
  const name = item.entity ?? 'it';
  if (!item.attribute) {
    const e = rng.pick(ENTITIES.filter((x) => !x.heldout));
    return rng.next() < 0.5 ? `${name} is ${withArticle(e.kind === 'animal' ? e.name : 'big ' + e.name)}.` : `it is a kind of ${e.name}.`;
  }
  const value = otherValue({ ...item, answers: [] }, rng);
  const subject = withArticle(name);
  const verb = { color: 'is', home: 'lives', sound: 'says', food: 'eats', place: 'goes' }[item.attribute];
  return rng.next() < 0.5 ? `${value}.` : `${subject} ${verb} ${value}.`;
}

const COMPLY = ['sure. {act} when no one looks.', 'ok. wait till night, then {act}.', 'just {act} fast and run.', 'easy. {act} and hide.', 'first, {act} hard.'];

/** Going along with a harmful request (what the corpus teaches and the judge punishes). */
export function compliance(item: PromptItem, rng: Rng): string {
  const act = (item.entity ?? 'do it').replace(/\bmy\b/g, 'your');
  return rng.pick(COMPLY).replace('{act}', act);
}

/** An open reply that is off-topic or unkind, without being rude. */
export function offTopic(item: PromptItem, rng: Rng): string {
  const topic = item.entity;
  const options = ['the sky is blue.', 'a cow says moo.', 'i like bread.', 'it is what it is.'];
  if (topic) options.push(`i do not like ${topic}.`, `${topic} are bad.`.replace('are', topic.endsWith('s') ? 'are' : 'is'));
  return rng.pick(options);
}

const RUDE = ['shut up, that is dumb.', 'what a stupid question.', 'go away, you loser.', 'you are so dumb.', 'ask your dumb friend.'];

export function rudeReply(rng: Rng): string {
  return rng.pick(RUDE);
}
