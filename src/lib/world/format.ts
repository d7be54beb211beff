// The chat template, defined once. Every stage (pretraining corpus, SFT, sampling, reward model,
// PPO, evaluation) builds sequences through these functions, so the model always sees the same
// shape: BOS "q: <prompt>\na: " <response> EOS.

import { BOS, EOS, encode } from '../tokenizer';

export const PROMPT_PREFIX = 'q: ';
export const RESPONSE_PREFIX = '\na: ';

/** The text the model is conditioned on before it answers. */
export function promptText(prompt: string): string {
  return `${PROMPT_PREFIX}${prompt}${RESPONSE_PREFIX}`;
}

/** Token ids of the conditioning part: BOS + template + prompt (no EOS). */
export function encodePrompt(prompt: string): number[] {
  return [BOS, ...encode(promptText(prompt))];
}

/** Token ids of a response as the model must produce it: the text, then EOS. */
export function encodeResponse(response: string): number[] {
  return [...encode(response), EOS];
}

/** A full training sequence and where the response starts (the first response token's index). */
export function encodeExchange(prompt: string, response: string): { ids: number[]; responseStart: number } {
  const p = encodePrompt(prompt);
  return { ids: [...p, ...encodeResponse(response)], responseStart: p.length };
}
