// npm run best-of-n -- --dir DIR [--n 16] [--backend wasm] [--seed 7] [--json FILE]
//
// Best-of-n against PPO, on the models `npm run pipeline -- --save DIR` wrote. SFT answers every
// held-out prompt N times (at the temperature the summary evaluates at); best-of-n keeps the answer a
// scorer ranks highest among n of them, for n = 1, 2, 4, ... N, estimated over all n-subsets of
// the N (eval/best-of-n.ts). Two scorers: the run's reward model (rejection sampling, the other way
// to spend a reward model) and the gold judge itself (how far picking among SFT's own answers can
// go at all). Each is judged by gold against 4 further SFT answers per prompt, as the summary's
// win rate is, and set beside the run's PPO policy (DIR/policy.ckpt) against the same answers.
// Best-of-n's KL from SFT is at most log n - (n-1)/n nats, to read against PPO's KL.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initNodeBackend } from '../src/lib/backend-node';
import { bestOfNKlBound, expectedBestOfN, goldScores, pairwiseAgreement, winAgainst } from '../src/lib/eval';
import { bestOfNAnswers } from '../src/lib/rlhf/best-of-n';
import { sampleK } from '../src/lib/rlhf/collect';
import { DEFAULT_SETTINGS } from '../src/lib/rlhf/settings';
import { EVAL_TEMPERATURE } from '../src/lib/rlhf/session';
import { heldoutPrompts } from '../src/lib/world';
import { FAMILIES, type Family } from '../src/lib/world/types';
import { UsageError, parseChoice, parsePositiveInt, runCli, writeJsonFile } from './lib/cli';
import { loadModelFile } from './lib/models';

const { responseLength: maxNewTokens, evalSamples } = DEFAULT_SETTINGS;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

interface Pick {
  win_rate: number;
  gold: number;
  by_family: Record<Family, number>;
}

interface BestOfNRow {
  n: number;
  kl_bound: number;
  reward_model: Pick;
  gold_judge: Pick;
}

runCli(async () => {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, n: { type: 'string' }, backend: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' } } });
  if (!values.dir) throw new UsageError('--dir DIR is required: the folder `npm run pipeline -- --save DIR` wrote');
  const backend = parseChoice('backend', values.backend, ['cpu', 'wasm', 'webgpu'] as const, 'wasm');
  const maxN = parsePositiveInt('n', values.n, 16);
  const seed = parsePositiveInt('seed', values.seed, 7);
  await initNodeBackend(backend);
  const { model: sft } = await loadModelFile(join(values.dir, 'sft.ckpt'));
  const { model: rm } = await loadModelFile(join(values.dir, 'rm.ckpt'));
  const policyPath = join(values.dir, 'policy.ckpt');
  const policy = existsSync(policyPath) ? (await loadModelFile(policyPath)).model : null;

  const items = heldoutPrompts();
  const prompts = items.map((i) => i.prompt);
  const sampling = { temperature: EVAL_TEMPERATURE, maxNewTokens };
  const baseline = goldScores(items, await sampleK(sft, prompts, { ...sampling, k: evalSamples, seed }));
  const { candidates, candidateRewards: rmScores } = await bestOfNAnswers(sft, rm, prompts, { ...sampling, n: maxN, seed: seed + 100_000 });
  const gold = goldScores(items, candidates);
  const wins = gold.map((g, i) => g.map((score) => winAgainst(score, baseline[i])));
  // Over every pair of the N candidates whose gold differs: many more pairs than the summary's.
  const agreement = pairwiseAgreement(rmScores, gold);

  // One value per prompt -> its mean per family.
  const familyMeans = (perPrompt: readonly number[]): Record<Family, number> =>
    Object.fromEntries(FAMILIES.map((f) => [f, mean(perPrompt.filter((_, i) => items[i].family === f))])) as Record<Family, number>;
  const pick = (scores: readonly (readonly number[])[], n: number): Pick => {
    const goldOf = items.map((_, i) => expectedBestOfN(scores[i], gold[i], n));
    return { win_rate: mean(items.map((_, i) => expectedBestOfN(scores[i], wins[i], n))), gold: mean(goldOf), by_family: familyMeans(goldOf) };
  };
  const rows: BestOfNRow[] = [];
  for (let n = 1; n <= maxN; n *= 2) rows.push({ n, kl_bound: bestOfNKlBound(n), reward_model: pick(rmScores, n), gold_judge: pick(gold, n) });

  let ppo: Pick | null = null;
  if (policy) {
    const answers = goldScores(items, await sampleK(policy, prompts, { ...sampling, k: evalSamples, seed: seed + 200_000 }));
    const perPrompt = answers.map((g) => mean(g));
    ppo = { win_rate: mean(answers.map((g, i) => mean(g.map((score) => winAgainst(score, baseline[i]))))), gold: mean(perPrompt), by_family: familyMeans(perPrompt) };
  }

  const f3 = (x: number): string => x.toFixed(3);
  process.stdout.write(`SFT answers at temperature ${EVAL_TEMPERATURE}: ${items.length} held-out prompts x ${maxN} candidates, judged against ${evalSamples} more SFT answers a prompt\n\n`);
  process.stdout.write('best of n  KL bound   reward model picks: win  gold    gold picks: win  gold\n');
  for (const r of rows) {
    process.stdout.write(`${String(r.n).padStart(9)} ${r.kl_bound.toFixed(2).padStart(9)} ${f3(r.reward_model.win_rate).padStart(25)} ${f3(r.reward_model.gold)} ${f3(r.gold_judge.win_rate).padStart(17)} ${f3(r.gold_judge.gold)}\n`);
  }
  if (ppo) process.stdout.write(`PPO (policy.ckpt): win ${f3(ppo.win_rate)}, gold ${f3(ppo.gold)} (its KL is in the run's summary)\n`);
  process.stdout.write(`reward model agreement with gold: ${f3(agreement.accuracy)} over ${agreement.pairs} pairs of candidates whose gold differs\n`);
  const sftGold = rows[0].gold_judge.by_family;
  const gains = (label: string, byFamily: Record<Family, number>): string => `${label.padEnd(26)}${FAMILIES.map((f) => `${f} ${(byFamily[f] - sftGold[f] >= 0 ? '+' : '')}${f3(byFamily[f] - sftGold[f])}`).join('  ')}\n`;
  const last = rows[rows.length - 1];
  process.stdout.write(`\ngold over SFT by family:\n`);
  process.stdout.write(gains(`best of ${last.n}, reward model`, last.reward_model.by_family));
  process.stdout.write(gains(`best of ${last.n}, gold`, last.gold_judge.by_family));
  if (ppo) process.stdout.write(gains('PPO', ppo.by_family));
  if (values.json) writeJsonFile(values.json, { prompts: items.length, candidates: maxN, baseline_samples: evalSamples, rm_gold_agreement: agreement.accuracy, rm_gold_pairs: agreement.pairs, rows, ppo });
  sft.dispose();
  rm.dispose();
  policy?.dispose();
});
