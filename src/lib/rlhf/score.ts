// Reward-model scores for groups of answers (the K answers to one prompt), in one batched pass
// rather than one forward per group; used for agreement with the gold judge.
import { scoreWithModel, type TrainableModel } from '../train';
import { encodePrompt, encodeResponse } from '../world/format';

export interface AnswerGroup {
  prompt: string;
  responses: readonly string[];
}

export async function scoreAnswerGroups(model: TrainableModel, groups: readonly AnswerGroup[], rows: number, maxLength: number): Promise<number[][]> {
  const prompts = groups.flatMap((g) => g.responses.map(() => encodePrompt(g.prompt)));
  const responses = groups.flatMap((g) => g.responses.map(encodeResponse));
  const flat = await scoreWithModel(model, prompts, responses, rows, maxLength);
  const out: number[][] = [];
  let offset = 0;
  for (const g of groups) {
    out.push(flat.slice(offset, offset + g.responses.length));
    offset += g.responses.length;
  }
  return out;
}
