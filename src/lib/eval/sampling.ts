// Answers to a list of prompts from a model, in fixed-size batches (fixed shapes let the WebGPU
// buffer pool reuse its buffers; the last batch is padded with repeats and trimmed).
import { decode } from '../tokenizer';
import { encodeFewShotPrompt } from '../world/format';
import { generate, type GPT } from '../model';

export interface ResponseSampling {
  temperature: number;
  maxNewTokens: number;
  seed: number;
  batchSize?: number;
  topK?: number;
  /** Answered examples put before each prompt (the prompted-base baseline). */
  shots?: readonly (readonly [string, string])[];
}

export async function sampleResponses(
  model: GPT,
  prompts: readonly string[],
  options: ResponseSampling,
  /** Called after each batch; awaited, so a caller can pause between batches. */
  onProgress?: (done: number, total: number) => void | Promise<void>,
): Promise<string[]> {
  const batchSize = options.batchSize ?? 32;
  const out: string[] = [];
  for (let start = 0; start < prompts.length; start += batchSize) {
    const chunk = prompts.slice(start, start + batchSize);
    const ids = chunk.map((p) => encodeFewShotPrompt(p, options.shots ?? []));
    while (ids.length < batchSize && prompts.length > batchSize) ids.push(ids[0]);
    const { responses } = await generate(model, ids, {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      topK: options.topK,
      seed: options.seed + start,
    });
    for (let i = 0; i < chunk.length; i++) out.push(decode(responses[i]));
    await onProgress?.(Math.min(start + batchSize, prompts.length), prompts.length);
  }
  return out;
}
