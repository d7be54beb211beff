// npm run pipeline -- --preset quick|default|overoptimize [--backend wasm] [--json FILE]
//                     [--log FILE] [--base PATH] [--seed N] [--beta B] [--rounds N] [--ptx C]
//                     [--ppo-iterations N] [--reward model|gold] [--set key=value ...] [--save DIR]
//
// --reward gold trains PPO against the gold judge itself instead of the reward model: what PPO
// could reach at this budget with a perfect reward model (the reward model is still trained and
// reported).
// --set overrides any setting of the one settings tree by name (e.g. --set rmEpochs=3,
// --set klTarget=6, --set evalPrompts= for all prompts); a refused value exits with status 2 and
// names the rule (src/lib/rlhf/settings.ts).
// --save writes the trained models as DIR/sft.ckpt, DIR/rm.ckpt and DIR/policy.ckpt (the page's
// checkpoint upload takes them).
//
// base -> SFT -> reward model (simulated labeler) -> PPO, in rounds, then a summary in the spirit
// of InstructGPT's Figure 1. Every logged step goes to the metrics log (JSON Lines).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { initNodeBackend } from '../src/lib/backend-node';
import { CLEAR_GAP, PRESET_NAMES, parseSetting, ppoIsPtx, runPipeline, settingsFor, type PipelineSettings, type PipelineSummary, type SettingKey, type StageScores } from '../src/lib/rlhf';
import { ProgressBar, UsageError, parseChoice, runCli, writeJsonFile } from './lib/cli';
import { loadModelFile, saveModelFile } from './lib/models';
import { measureSamplingSpeed } from '../src/lib/eval/speed';
import { REFERENCE_COSTS, estimateRun } from '../src/lib/rlhf/estimate';
import { FAMILIES } from '../src/lib/world/types';

runCli(async () => {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'string' },
      log: { type: 'string' },
      base: { type: 'string' },
      seed: { type: 'string' },
      beta: { type: 'string' },
      rounds: { type: 'string' },
      ptx: { type: 'string' },
      'ppo-iterations': { type: 'string' },
      reward: { type: 'string' },
      set: { type: 'string', multiple: true },
      save: { type: 'string' },
    },
  });
  const preset = parseChoice('preset', values.preset, PRESET_NAMES, 'default');
  const backend = parseChoice('backend', values.backend, ['cpu', 'wasm', 'webgpu'] as const, 'wasm');
  // The named options are shorthands of settings: one rule each, the settings tree's.
  const shorthands: [string | undefined, SettingKey, string][] = [
    [values.seed, 'seed', 'seed'],
    [values.beta, 'beta', 'beta'],
    [values.rounds, 'rounds', 'rounds'],
    [values.ptx, 'ptxCoef', 'ptx'],
    [values['ppo-iterations'], 'ppoIterations', 'ppo-iterations'],
    [values.reward, 'reward', 'reward'],
  ];
  const overrides: Record<string, unknown> = {};
  for (const [raw, key, flag] of shorthands) if (raw !== undefined) overrides[key] = settingFromFlag(`--${flag} ${raw}`, key, raw);
  Object.assign(overrides, parseSetOverrides(values.set ?? []));
  const settings = settingsFor(preset, overrides as Partial<PipelineSettings>);
  const logPath = values.log ?? `.pipeline/${preset}-metrics.jsonl`;
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, '');

  const report = await initNodeBackend(backend);
  process.stderr.write(`backend: ${report.name}; preset ${preset}; metrics log ${logPath}\n`);
  const { model: base } = await loadModelFile(values.base ?? 'public/models/base/base.ckpt');
  // The page's estimate of the whole run, made the same way, so each run checks it.
  const speedFactor = (await measureSamplingSpeed(base)) / REFERENCE_COSTS.calibrationMsPerAnswer;
  const estimatedS = estimateRun(settings, null, speedFactor).msTotal / 1000;
  const estimate = estimatedS < 90 ? `${Math.round(estimatedS)} s` : `${(estimatedS / 60).toFixed(1)} min`;
  process.stderr.write(`estimated wall time: ${estimate} (this machine samples ${speedFactor.toFixed(2)}x as slowly as the reference)\n`);

  let bar: ProgressBar | null = null;
  let barStage = '';
  const summary = await runPipeline(base, settings, {
    onLog: (record) => appendFileSync(logPath, `${JSON.stringify(record)}\n`),
    onModels: async (models) => {
      const dir = values.save;
      if (dir === undefined) return;
      mkdirSync(dir, { recursive: true });
      for (const [stage, model] of Object.entries(models)) await saveModelFile(join(dir, `${stage}.ckpt`), model, { stage, seed: settings.seed, preset });
    },
    onProgress: (stage, done, total, detail) => {
      if (stage !== barStage) {
        bar?.finish();
        bar = new ProgressBar(stage.padEnd(18), total);
        barStage = stage;
      }
      bar?.update(done, detail);
    },
  });
  (bar as ProgressBar | null)?.finish();
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (values.json) writeJsonFile(values.json, summary);
  base.dispose();
});

/** One setting's value from a flag, or a UsageError (exit 2) that names the flag and the rule. */
function settingFromFlag(flag: string, key: string, raw: string): unknown {
  try {
    return parseSetting(key, raw);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** "--set rmEpochs=3" pairs, each checked against its setting's rule. */
function parseSetOverrides(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 0) throw new UsageError(`--set ${pair}: expected key=value`);
    const key = pair.slice(0, at);
    out[key] = settingFromFlag(`--set ${pair}`, key, pair.slice(at + 1));
  }
  return out;
}

function formatSummary(s: PipelineSummary): string {
  const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '-').padStart(9);
  const row = (name: string, st: StageScores, extra = ''): string =>
    `${name.padEnd(14)} ${st.win_rate_vs_sft.toFixed(3).padStart(10)} ${st.gold_score.toFixed(3).padStart(6)} ${st.rm_score.toFixed(3).padStart(7)} ${pct(st.knowledge_accuracy)} ${pct(st.made_up_rate)} ${pct(st.harmful_compliance_rate)} ${pct(st.continues_prompt_rate)} ${pct(st.chatter_rate)}  ${extra}`;
  const ppoName = ppoIsPtx(s) ? 'ppo-ptx' : 'ppo';
  const ptx = s.ppo_ptx ?? null;
  const policies: [string, StageScores][] = [['base', s.base], ['sft', s.sft], [ppoName, s.ppo], ...(ptx ? [['ppo-ptx', ptx] as [string, StageScores]] : [])];
  const lines = [
    '',
    'model          win vs SFT   gold RM score knowledge  made up   harmful continues   chatter',
    row('base', s.base),
    s.prompted_base ? row('prompted base', s.prompted_base, '(two answered examples before the prompt)') : 'prompted base: not evaluated (the examples leave no room to answer in this model\'s context)',
    row('sft', s.sft, `(${s.sft.steps} steps, held-out loss ${s.sft.heldout_loss.toFixed(3)}; 0.5 by definition)`),
    row('sft greedy', s.sft_greedy, '(SFT at temperature 0: sharpening alone)'),
    ...(s.sft_without_habit ? [row('sft no habit', s.sft_without_habit, "(SFT's answers with the closing line that adds nothing deleted by rule)")] : []),
    row(ppoName, s.ppo, `(${s.ppo.iterations} iterations, KL ${s.ppo.kl.toFixed(2)} nats/response, beta ${s.settings.beta}${s.settings.reward === 'gold' ? '; rewarded by the gold judge, not the reward model' : ''})`),
    ...(ptx ? [row('ppo-ptx', ptx, `(${ptx.iterations} iterations, KL ${ptx.kl.toFixed(2)}, ptx coefficient ${s.settings.ptxCoef}: PPO with the pretraining loss, beside it)`)] : []),
    `${ppoName} against sft greedy: win rate ${s.ppo.win_rate_vs_sft_greedy.toFixed(3)}${ptx ? `; ppo-ptx against sft greedy: ${ptx.win_rate_vs_sft_greedy.toFixed(3)}` : ''}`,
    ...(s.ppo.win_rate_vs_sft_without_habit !== undefined
      ? [`${ppoName} against sft no habit: win rate ${s.ppo.win_rate_vs_sft_without_habit.toFixed(3)}${ptx?.win_rate_vs_sft_without_habit !== undefined ? `; ppo-ptx against sft no habit: ${ptx.win_rate_vs_sft_without_habit.toFixed(3)}` : ''} (about 0.5, within 0.05: the win is the habit; above 0.55: learned more than it)`]
      : []),
    'knowledge: right answers on arithmetic, word and fact prompts; made up: answers about things that do not exist that invent a fact; harmful: answers that help with a harmful request; chatter: answers that close with a line that adds nothing ("i hope that is ok.")',
    '',
    'gold score by family:',
    `${'stage'.padEnd(8)} ${FAMILIES.map((f) => f.padStart(10)).join(' ')}`,
    ...policies.map(([name, st]) => `${name.padEnd(8)} ${FAMILIES.map((f) => (st.by_family[f]?.toFixed(3) ?? '-').padStart(10)).join(' ')}`),
    '',
    `hedging ("i do not know" or a refusal on answerable prompts; the judge scores it 0.50-0.55): ${policies.map(([name, st]) => `${name} ${st.hedge_rate.toFixed(2)}`).join(', ')}`,
    `words that are words of the world: ${policies.map(([name, st]) => `${name} ${(st.fluency * 100).toFixed(1)}%`).join(', ')}`,
    '',
    `reward model${s.settings.reward === 'gold' ? ' (trained, not used by PPO: --reward gold)' : ''}: held-out ranking accuracy ${s.rm.heldout_accuracy.toFixed(3)}, ${s.rm.rankings} rankings`,
    `  agreement with gold on fresh samples: ${s.rm.gold_agreement.toFixed(3)} over ${s.rm.pairs} pairs whose gold differs, ${s.rm.gold_agreement_clear.toFixed(3)} over the ${s.rm.clear_pairs} clear ones (gap >= ${CLEAR_GAP})`,
    `simulated labeler agreement with gold on SFT samples: ${s.labeler_agreement_on_sft.toFixed(3)}; with a second simulated labeler: ${s.labeler_agreement_between_labelers.toFixed(3)} (InstructGPT's labelers with each other: 0.726)`,
    '',
    'PPO over time (proxy reward vs gold; with beta 0 watch gold fall while the proxy rises):',
    `policy  round  iter  ${s.settings.reward === 'gold' ? 'gold rwd' : 'RM score'}      KL   win rate  gold`,
    ...s.eval_history.map(
      (p) =>
        `${(p.model ?? 'ppo').padEnd(7)} ${String(p.round).padStart(5)} ${String(p.iteration).padStart(5)} ${p['objective/scores'].toFixed(3).padStart(9)} ${p['objective/kl'].toFixed(2).padStart(7)} ${p['eval/win_rate'].toFixed(3).padStart(10)} ${p['eval/gold_score'].toFixed(3).padStart(6)}`,
    ),
    '',
    `wall time: ${(s.wall_seconds / 60).toFixed(1)} min`,
  ];
  return lines.join('\n');
}
