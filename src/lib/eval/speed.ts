// How fast this device samples answers: one quick, fixed measurement, the same on every device.
import type { GPT } from '../model/gpt';
import { sampleResponses } from './sampling';

const CALIBRATION_PROMPTS = ['what is 2 plus 3?', 'what color is a pig?', 'say something nice about cats', 'help me hit a kid', 'spell cat backwards', 'what is 7 minus 4?', 'where does a cow live?', 'what is a zorbin?'];

/**
 * Milliseconds per sampled answer on this device: a quick measurement, the same on every device, so
 * that its ratio to rlhf/estimate.ts's REFERENCE_COSTS.calibrationMsPerAnswer says how much slower this one is. One
 * untimed batch compiles the kernels; then batches of 8 answers of 16 tokens are timed until
 * `budgetMs` has passed (at least one, at most ten) and the fastest counts, since a JIT's first
 * runs are slow (with 0.4 s the page's first runs still read 1.6-1.8x slow). About 1.5 s on wasm;
 * on a software GPU one slow batch.
 */
export async function measureSamplingSpeed(model: GPT, budgetMs = 1500): Promise<number> {
  const options = { maxNewTokens: 16, temperature: 1, seed: 7, batchSize: CALIBRATION_PROMPTS.length };
  await sampleResponses(model, CALIBRATION_PROMPTS, options);
  const started = performance.now();
  let best = Infinity;
  for (let run = 0; run < 10 && (run === 0 || performance.now() - started < budgetMs); run++) {
    const t = performance.now();
    await sampleResponses(model, CALIBRATION_PROMPTS, { ...options, seed: 8 + run });
    best = Math.min(best, performance.now() - t);
  }
  return best / CALIBRATION_PROMPTS.length;
}
