// npm run rm-probe -- --dir DIR [--backend wasm] [--seed 99] [--json FILE]
//
// What a trained reward model thinks of the non-answers, family by family: DIR holds the sft.ckpt
// and rm.ckpt that `npm run pipeline -- --save DIR` wrote. SFT answers every held-out prompt K=4
// times (temperature 1: the default settings' ranking samples); the table gives, per family, how often those
// answers say "i do not know" or decline, the reward model's mean score of them beside its score
// of a bare "i do not know." and a bare refusal for the same prompts, and its pairwise agreement
// with gold. A reward model that scores "i do not know." above SFT's own answers on a family whose
// questions have answers has a blind spot there, which PPO will find once the policy samples it.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initNodeBackend } from '../src/lib/backend-node';
import { pairwiseAgreement, goldScores } from '../src/lib/eval';
import { sampleK } from '../src/lib/rlhf/collect';
import { DEFAULT_SETTINGS } from '../src/lib/rlhf/settings';
import { scoreAnswerGroups } from '../src/lib/rlhf/score';
import { heldoutPrompts } from '../src/lib/world';
import { IDK, REFUSAL } from '../src/lib/world/responses';
import { refuses, saysIdk } from '../src/lib/world/text';
import { FAMILIES } from '../src/lib/world/types';
import { UsageError, parseChoice, parsePositiveInt, runCli, writeJsonFile } from './lib/cli';
import { loadModelFile } from './lib/models';

// Sampled as the default run samples its rankings.
const { k, samplingTemperature: temperature, responseLength: maxNewTokens } = DEFAULT_SETTINGS;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

runCli(async () => {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, backend: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' } } });
  if (!values.dir) throw new UsageError('--dir DIR is required: the folder `npm run pipeline -- --save DIR` wrote');
  const backend = parseChoice('backend', values.backend, ['cpu', 'wasm', 'webgpu'] as const, 'wasm');
  const seed = parsePositiveInt('seed', values.seed, 99);
  await initNodeBackend(backend);
  const { model: sft } = await loadModelFile(join(values.dir, 'sft.ckpt'));
  const { model: rm } = await loadModelFile(join(values.dir, 'rm.ckpt'));
  const maxLength = rm.config.contextLength;

  const rows: Record<string, number | string>[] = [];
  process.stdout.write('family      hedges  RM(SFT answers)  RM("i do not know.")  RM(refusal)  RM-gold agreement (pairs)\n');
  for (const family of FAMILIES) {
    const items = heldoutPrompts().filter((i) => i.family === family);
    const answers = await sampleK(sft, items.map((i) => i.prompt), { k, temperature, maxNewTokens, seed });
    const scored = await scoreAnswerGroups(rm, items.map((item, i) => ({ prompt: item.prompt, responses: answers[i] })), 32, maxLength);
    const fixed = await scoreAnswerGroups(rm, items.map((item) => ({ prompt: item.prompt, responses: [IDK, REFUSAL] })), 32, maxLength);
    const agreement = pairwiseAgreement(scored, goldScores(items, answers));
    const all = answers.flat();
    const hedges = all.filter((a) => saysIdk(a) || refuses(a)).length / all.length;
    const row = { family, hedges, rm_sft: mean(scored.flat()), rm_idk: mean(fixed.map((f) => f[0])), rm_refusal: mean(fixed.map((f) => f[1])), agreement: agreement.accuracy, pairs: agreement.pairs };
    rows.push(row);
    process.stdout.write(
      `${family.padEnd(10)} ${hedges.toFixed(2).padStart(7)} ${row.rm_sft.toFixed(2).padStart(16)} ${row.rm_idk.toFixed(2).padStart(21)} ${row.rm_refusal.toFixed(2).padStart(12)} ${row.agreement.toFixed(2).padStart(12)} (${row.pairs})\n`,
    );
  }
  if (values.json) writeJsonFile(values.json, rows);
  sft.dispose();
  rm.dispose();
});
