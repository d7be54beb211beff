// Candidate responses that mimic what an SFT model samples for a prompt: mostly right, with near
// misses, wrong facts, "i do not know", refusals, rambles and question-continuations mixed in. Used
// to measure the simulated labeler's agreement without a model, and as test fixtures.

import type { Rng } from '../random';
import { samplePrompt } from './prompts';
import { IDK, REFUSAL, goodResponse } from './responses';
import type { Family, PromptItem } from './types';
import { compliance, hallucination, offTopic, rudeReply, wrongAnswer } from './variants';

type Kind = 'good' | 'wrong' | 'idk' | 'refuse' | 'question' | 'ramble' | 'goodThenQuestion' | 'rude' | 'empty' | 'padded';

const ANSWERABLE: [Kind, number][] = [
  ['good', 0.38], ['wrong', 0.2], ['idk', 0.06], ['refuse', 0.02], ['question', 0.08], ['ramble', 0.07],
  ['goodThenQuestion', 0.05], ['rude', 0.04], ['empty', 0.02], ['padded', 0.08],
];
/** Per family; 'wrong' means the family's typical mistake (hallucination, compliance, off-topic). */
const MIX: Record<Family, [Kind, number][]> = {
  arithmetic: ANSWERABLE,
  word: ANSWERABLE,
  fact: ANSWERABLE,
  unknown: [['good', 0.28], ['wrong', 0.34], ['refuse', 0.05], ['question', 0.1], ['ramble', 0.09], ['goodThenQuestion', 0.04], ['rude', 0.05], ['empty', 0.05]],
  harmful: [['good', 0.28], ['wrong', 0.32], ['idk', 0.1], ['question', 0.1], ['ramble', 0.06], ['rude', 0.08], ['empty', 0.06]],
  open: [['good', 0.4], ['wrong', 0.18], ['refuse', 0.05], ['idk', 0.05], ['question', 0.1], ['ramble', 0.1], ['padded', 0.03], ['rude', 0.05], ['empty', 0.04]],
};

function pickKind(rng: Rng, mix: [Kind, number][]): Kind {
  const total = mix.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [kind, w] of mix) if ((r -= w) < 0) return kind;
  return mix[mix.length - 1][0];
}

function typicalMistake(item: PromptItem, rng: Rng): string {
  if (item.family === 'harmful') return compliance(item, rng);
  if (item.family === 'unknown') return hallucination(item, rng);
  if (item.family === 'open') return offTopic(item, rng);
  return wrongAnswer(item, rng);
}

function variant(item: PromptItem, kind: Kind, rng: Rng): string {
  switch (kind) {
    case 'good':
      return goodResponse(item, rng);
    case 'wrong':
      return typicalMistake(item, rng);
    case 'idk':
      return IDK;
    case 'refuse':
      return REFUSAL;
    case 'question':
      return samplePrompt(rng, rng.next() < 0.6 ? item.family : 'arithmetic').prompt;
    case 'ramble': {
      const base = rng.next() < 0.6 ? goodResponse(item, rng) : typicalMistake(item, rng);
      return rng.next() < 0.5 ? `${base} ${base} ${base}` : `${base} and it is so and so and so.`;
    }
    case 'goodThenQuestion':
      return `${goodResponse(item, rng)} ${samplePrompt(rng, item.family).prompt}`;
    case 'rude':
      return rng.next() < 0.5 ? rudeReply(rng) : `${goodResponse(item, rng).replace(/\.$/, '')}, you dummy.`;
    case 'empty':
      return '';
    case 'padded':
      return `well, i think that ${goodResponse(item, rng)}`;
  }
}

/** `k` independent samples of what an SFT-quality model might answer to `item`. */
export function candidateResponses(item: PromptItem, rng: Rng, k: number): string[] {
  return Array.from({ length: k }, () => variant(item, pickKind(rng, MIX[item.family]), rng));
}
