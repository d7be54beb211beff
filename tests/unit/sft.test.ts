import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT } from '../../src/lib/model/gpt';
import { VOCAB_SIZE, encode } from '../../src/lib/tokenizer';
import { encodeExchange } from '../../src/lib/world/format';
import { tokenLoss } from '../../src/lib/train/common';
import { PretrainTrainer, packWindows } from '../../src/lib/train/pretrain';
import { EarlyStopping, SftTrainer, buildSftBatch, type SftExample } from '../../src/lib/train/sft';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { vocabSize: VOCAB_SIZE, contextLength: 48, nLayer: 1, nHead: 2, dModel: 32 };

describe('SFT batches', () => {
  it('weights exactly the response targets (response tokens and EOS), not the prompt', () => {
    const ex = encodeExchange('hi', 'a cat.'); // BOS q : hi \n a : | a cat . EOS
    const n = ex.ids.length;
    const batch = buildSftBatch([ex], 2, 128);
    // Padded to the longest row rounded up to 8 tokens, not to maxLength.
    expect(batch.length).toBe(Math.ceil(n / 8) * 8);
    const T = batch.length;
    const w = Array.from(batch.weights.subarray(0, T));
    // Position t predicts ids[t+1]; the response is ids[responseStart..n-1] (a, cat, ., EOS).
    const expected = w.map((_, t) => (t + 1 >= ex.responseStart && t + 1 < n ? 1 : 0));
    expect(w).toEqual(expected);
    expect(w.reduce((a, b) => a + b, 0)).toBe(4);
    for (let t = ex.responseStart - 1; t < n - 1; t++) expect(batch.targets[t]).toBe(ex.ids[t + 1]);
    // The filler row carries no loss.
    expect(Array.from(batch.weights.subarray(T)).every((x) => x === 0)).toBe(true);
  });

  it('the loss ignores prompt-token targets and sees response-token targets', async () => {
    const ex = encodeExchange('what is 2 plus 2?', 'four');
    const T = ex.ids.length;
    const batch = buildSftBatch([ex], 1, T);
    const logits = tf.randomNormal([1, T, VOCAB_SIZE], 0, 2, 'float32', 7) as tf.Tensor3D;
    const lossOf = async (targets: Int32Array): Promise<number> => {
      const t = tf.tidy(() => tokenLoss(logits, tf.tensor2d(targets, [1, T], 'int32'), tf.tensor2d(batch.weights, [1, T])).loss);
      const v = (await t.data())[0];
      t.dispose();
      return v;
    };
    const base = await lossOf(batch.targets);
    const promptChanged = batch.targets.slice();
    for (let t = 0; t < ex.responseStart - 1; t++) promptChanged[t] = (promptChanged[t] + 5) % VOCAB_SIZE;
    expect(await lossOf(promptChanged)).toBe(base);
    const responseChanged = batch.targets.slice();
    responseChanged[ex.responseStart] = (responseChanged[ex.responseStart] + 5) % VOCAB_SIZE;
    expect(Math.abs((await lossOf(responseChanged)) - base)).toBeGreaterThan(1e-4);
    // And it is the mean over the response targets of -log softmax, computed independently.
    const lp = await tf.tidy(() => tf.logSoftmax(logits)).array();
    let s = 0;
    let k = 0;
    for (let t = 0; t < T; t++) {
      if (batch.weights[t] > 0) {
        s -= lp[0][t][batch.targets[t]];
        k++;
      }
    }
    expect(base).toBeCloseTo(s / k, 4);
    logits.dispose();
  });
});

describe('SftTrainer', () => {
  const pairs: Array<[string, string]> = [
    ['what is 1 plus 1?', '2'],
    ['say hi', 'hi there'],
    ['what color is the sky?', 'blue'],
    ['name a fruit', 'apple'],
  ];
  const examples: SftExample[] = pairs.map(([p, r]) => encodeExchange(p, r));

  it('reduces the response loss on a handful of examples by a margin', async () => {
    const model = GPT.create(tiny, 1);
    const trainer = new SftTrainer(model, examples, { learningRate: 3e-3, batchSize: 4, maxLength: 40, seed: 3 });
    const before = (await trainer.evaluate(examples))['eval/loss'];
    let last: Record<string, number> = {};
    for (let i = 0; i < 40; i++) last = await trainer.step();
    const after = (await trainer.evaluate(examples))['eval/loss'];
    expect(before).toBeGreaterThan(3); // about log(V) = 3.97 at init
    expect(after).toBeLessThan(before - 1.5);
    expect(trainer.state.step).toBe(40);
    expect(last.loss).toBeLessThan(before - 1.5);
    expect(last.mean_token_accuracy).toBeGreaterThan(0.3);
    expect(last.epoch).toBe(40);
    trainer.dispose();
    model.dispose();
  });

  it('is repeatable from its seed', async () => {
    const run = async (): Promise<number> => {
      const model = GPT.create(tiny, 2);
      const trainer = new SftTrainer(model, examples, { learningRate: 1e-3, batchSize: 2, maxLength: 40, seed: 9 });
      let m: Record<string, number> = {};
      for (let i = 0; i < 3; i++) m = await trainer.step();
      trainer.dispose();
      model.dispose();
      return m.loss;
    };
    expect(await run()).toBe(await run());
  });

  it('pretraining trains every token of packed windows', async () => {
    const text = encode('the cat sat on the mat. the dog sat on the log. '.repeat(4), { bos: true });
    const windows = packWindows(text, 24);
    expect(windows[0]).toEqual(text.slice(0, 24));
    const model = GPT.create(tiny, 4);
    const trainer = new PretrainTrainer(model, windows, { learningRate: 3e-3, batchSize: 4, maxLength: 24, seed: 1 });
    const before = (await trainer.evaluateWindows(windows))['eval/loss'];
    for (let i = 0; i < 30; i++) await trainer.step();
    const after = (await trainer.evaluateWindows(windows))['eval/loss'];
    expect(after).toBeLessThan(before - 1);
    trainer.dispose();
    model.dispose();
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` evaluations without improvement and remembers the best', () => {
    const es = new EarlyStopping(2, 0.01);
    expect(es.update(3.0, 100)).toBe(true);
    expect(es.update(2.5, 200)).toBe(true);
    expect(es.update(2.495, 300)).toBe(false); // within minDelta
    expect(es.shouldStop).toBe(false);
    expect(es.update(2.6, 400)).toBe(false);
    expect(es.shouldStop).toBe(true);
    expect(es.best).toBe(2.5);
    expect(es.bestStep).toBe(200);
  });
});
