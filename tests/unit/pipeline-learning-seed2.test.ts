// The lesson on a second seed: `npm run pipeline -- --preset quick --seed 2`, asserted with the
// same margins as seed 1 (pipeline-learning.test.ts), so one lucky seed cannot make it pass.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll } from 'vitest';
import { describeTheLesson, runQuickPipeline, type LearningRun } from './learning-run';

let run: LearningRun;

beforeAll(async () => {
  run = await runQuickPipeline(2);
}, 1_800_000);

afterAll(() => {
  tf.disposeVariables();
});

describeTheLesson(2, () => run);
