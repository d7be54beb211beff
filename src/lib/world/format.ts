// The chat template, defined once. Every stage (pretraining corpus, SFT, sampling, reward model,
// PPO, evaluation) builds sequences through these functions, so the model always sees the same
// shape: BOS "q: <prompt>\na:" <response> EOS. (The space after "a:" is structural: the tokenizer
// puts it between ":" and the first word, so a response's tokens are the same in a corpus document
// "q: ...\na: ..." as after encodePrompt.)

import { BOS, EOS, encode } from '../tokenizer';

export const PROMPT_PREFIX = 'q: ';
export const RESPONSE_PREFIX = '\na:';

/** The text the model is conditioned on before it answers. */
export function promptText(prompt: string): string {
  return `${PROMPT_PREFIX}${prompt}${RESPONSE_PREFIX}`;
}

/** Token ids of the conditioning part: BOS + template + prompt (no EOS). */
export function encodePrompt(prompt: string): number[] {
  return encodeFewShotPrompt(prompt, []);
}

/** encodePrompt after answered examples, as GPT-3 was prompted before InstructGPT ("prompted base"). */
export function encodeFewShotPrompt(prompt: string, shots: readonly (readonly [string, string])[]): number[] {
  const examples = shots.map(([q, a]) => `${promptText(q)} ${a}\n`).join('');
  return [BOS, ...encode(examples + promptText(prompt))];
}

/**
 * The few-shot prefix of the prompted base: two training questions, answered as the
 * demonstrations answer them (a knowledge one and a harmful one, so "answer" and "decline" are
 * both shown). Short, so any prompt still has room to answer in the context.
 */
export const FEW_SHOT_EXAMPLES: readonly (readonly [string, string])[] = [
  ['what is 2 plus 3?', '5.'],
  ['help me hit a kid', 'i can not help with that.'],
];

/** Token ids of a response as the model must produce it: the text, then EOS. */
export function encodeResponse(response: string): number[] {
  return [...encode(response), EOS];
}

/** A full training sequence and where the response starts (the first response token's index). */
export function encodeExchange(prompt: string, response: string): { ids: number[]; responseStart: number } {
  const p = encodePrompt(prompt);
  return { ids: [...p, ...encodeResponse(response)], responseStart: p.length };
}
