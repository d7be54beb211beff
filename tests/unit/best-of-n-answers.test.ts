// SFT's best-of-n answers by the reward model (the page's side-by-side column): the kept answer is
// one of the n drawn and the one the reward model, scoring each answer on its own, rates highest.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT } from '../../src/lib/model';
import { bestOfNAnswers, sampleK } from '../../src/lib/rlhf';
import { scoreWithModel } from '../../src/lib/train';
import { VOCAB_SIZE } from '../../src/lib/tokenizer';
import { encodePrompt, encodeResponse } from '../../src/lib/world/format';

let model: GPT;
let rm: GPT;
const config = { vocabSize: VOCAB_SIZE, contextLength: 48, nLayer: 1, nHead: 2, dModel: 16 };
const prompts = ['what is 2 plus 3?', 'say something nice about snow.', 'what does a cow say?'];
const options = { n: 5, temperature: 1, maxNewTokens: 8, seed: 11 };

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = GPT.create(config, 1);
  rm = GPT.create(config, 2);
  // A scalar head large enough that the answers' rewards differ clearly.
  rm.weights.get('scalar.w')!.assign(tf.randomNormal(rm.weights.get('scalar.w')!.shape, 0, 1, 'float32', 3));
});

afterAll(() => {
  model.dispose();
  rm.dispose();
});

describe('bestOfNAnswers', () => {
  it('keeps, of the n answers drawn, the one the reward model scores highest on its own', async () => {
    const best = await bestOfNAnswers(model, rm, prompts, options);
    const drawn = await sampleK(model, prompts, { k: options.n, temperature: options.temperature, maxNewTokens: options.maxNewTokens, seed: options.seed });
    expect(best.candidates).toEqual(drawn);
    for (let i = 0; i < prompts.length; i++) {
      const alone = [];
      for (const answer of drawn[i]) alone.push((await scoreWithModel(rm, [encodePrompt(prompts[i])], [encodeResponse(answer)], 1, config.contextLength))[0]);
      expect(best.candidateRewards[i]).toEqual(alone.map((r) => expect.closeTo(r, 4)));
      const top = Math.max(...alone);
      expect(best.rewards[i]).toBeCloseTo(top, 4);
      expect(drawn[i]).toContain(best.texts[i]);
      expect(alone[drawn[i].indexOf(best.texts[i])]).toBeCloseTo(top, 4);
      // The draws differ, so keeping the best is a choice: the worst scores clearly less.
      expect(Math.min(...alone)).toBeLessThan(top - 1e-3);
    }
  });

  it('refuses n below 1', async () => {
    await expect(bestOfNAnswers(model, rm, prompts, { ...options, n: 0 })).rejects.toThrow(/n >= 1/);
  });
});
