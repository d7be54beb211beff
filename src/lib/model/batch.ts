// Fixed-shape batches for PPO and scoring: prompts LEFT-padded to promptLen (so every response
// starts at the same index), responses RIGHT-padded to responseLen. Fixed shapes let WebGPU
// reuse its buffers. Pure JS, no tf.
import { PAD } from '../tokenizer';

export interface PackedBatch {
  /** [B][promptLen + responseLen] token ids, PAD where there is no token. */
  ids: number[][];
  /** [B][promptLen + responseLen] 1 for real tokens (prompt or response), 0 for padding. */
  mask: number[][];
  /** [B][promptLen + responseLen] 1 for real response tokens only. */
  responseMask: number[][];
  /** Index of the first response token in every row. */
  promptLen: number;
  responseLen: number;
  /** Index of each row's last real token (its response's last token, or the prompt's last if empty). */
  lastIndex: number[];
}

export function packBatch(prompts: number[][], responses: number[][], promptLen: number, responseLen: number): PackedBatch {
  if (prompts.length !== responses.length) throw new Error(`packBatch: ${prompts.length} prompts but ${responses.length} responses`);
  const total = promptLen + responseLen;
  const ids: number[][] = [];
  const mask: number[][] = [];
  const responseMask: number[][] = [];
  const lastIndex: number[] = [];
  prompts.forEach((prompt, b) => {
    const response = responses[b];
    if (prompt.length > promptLen) throw new Error(`packBatch: prompt ${b} has ${prompt.length} tokens, more than promptLen ${promptLen}`);
    if (response.length > responseLen) throw new Error(`packBatch: response ${b} has ${response.length} tokens, more than responseLen ${responseLen}`);
    const row = new Array<number>(total).fill(PAD);
    const m = new Array<number>(total).fill(0);
    const rm = new Array<number>(total).fill(0);
    const start = promptLen - prompt.length;
    prompt.forEach((id, i) => {
      row[start + i] = id;
      m[start + i] = 1;
    });
    response.forEach((id, i) => {
      row[promptLen + i] = id;
      m[promptLen + i] = 1;
      rm[promptLen + i] = 1;
    });
    ids.push(row);
    mask.push(m);
    responseMask.push(rm);
    lastIndex.push(promptLen + response.length - 1);
  });
  return { ids, mask, responseMask, promptLen, responseLen, lastIndex };
}

/** Left-pads prompts to a common length; returns ids, mask and each prompt's real length. */
export function leftPad(prompts: number[][], length: number): { ids: number[][]; mask: number[][]; lengths: number[] } {
  const packed = packBatch(prompts, prompts.map(() => []), length, 0);
  return { ids: packed.ids, mask: packed.mask, lengths: prompts.map((p) => p.length) };
}
