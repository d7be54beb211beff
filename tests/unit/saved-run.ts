// A run folder as `npm run pipeline -- --save DIR` writes it, with tiny models, for the CLIs that
// read one. Its reward model scores every answer alike (a scalar head of zeros and a bias of 0.25).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GPT } from '../../src/lib/model';
import { VOCAB_SIZE } from '../../src/lib/tokenizer';
import { saveModelFile } from '../../scripts/lib/models';

export const CONSTANT_REWARD = 0.25;

export async function saveConstantRewardRun(dir: string, options: { policy: boolean }): Promise<void> {
  await tf.setBackend('cpu');
  const config = { vocabSize: VOCAB_SIZE, contextLength: 40, nLayer: 1, nHead: 1, dModel: 8 };
  const sft = GPT.create(config, 1);
  const rm = GPT.create(config, 2);
  rm.weights.get('scalar.w')?.assign(tf.zeros(rm.weights.get('scalar.w')!.shape));
  rm.weights.get('scalar.b')?.assign(tf.fill(rm.weights.get('scalar.b')!.shape, CONSTANT_REWARD));
  await saveModelFile(join(dir, 'sft.ckpt'), sft, { stage: 'sft' });
  await saveModelFile(join(dir, 'rm.ckpt'), rm, { stage: 'rm' });
  sft.dispose();
  rm.dispose();
  if (options.policy) {
    const policy = GPT.create(config, 3);
    await saveModelFile(join(dir, 'policy.ckpt'), policy, { stage: 'policy' });
    policy.dispose();
  }
}
