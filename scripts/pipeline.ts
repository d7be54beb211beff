// npm run pipeline -- --preset quick|default|overoptimize [--backend wasm] [--json FILE]
//                     [--log FILE] [--base PATH] [--seed N] [--beta B] [--rounds N] [--ptx C]
//                     [--ppo-iterations N]
//
// base -> SFT -> reward model (simulated labeler) -> PPO, in rounds, then a summary in the spirit
// of InstructGPT's Figure 1. Every logged step goes to the metrics log (JSON Lines).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { initNodeBackend } from '../src/lib/backend-node';
import { PRESET_NAMES, runPipeline, settingsFor, type PipelineSettings, type PipelineSummary } from '../src/lib/rlhf';
import { ProgressBar, parseChoice, parseNonNegativeNumber, parsePositiveInt, runCli, writeJsonFile } from './lib/cli';
import { loadModelFile } from './lib/models';

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
    },
  });
  const preset = parseChoice('preset', values.preset, PRESET_NAMES, 'default');
  const backend = parseChoice('backend', values.backend, ['cpu', 'wasm', 'webgpu'] as const, 'wasm');
  const overrides: Partial<PipelineSettings> = {};
  if (values.seed !== undefined) overrides.seed = parsePositiveInt('seed', values.seed, 1);
  if (values.beta !== undefined) overrides.beta = parseNonNegativeNumber('beta', values.beta, 0);
  if (values.rounds !== undefined) overrides.rounds = parsePositiveInt('rounds', values.rounds, 1);
  if (values.ptx !== undefined) overrides.ptxCoef = parseNonNegativeNumber('ptx', values.ptx, 0);
  if (values['ppo-iterations'] !== undefined) overrides.ppoIterations = parsePositiveInt('ppo-iterations', values['ppo-iterations'], 1);
  const settings = settingsFor(preset, overrides);
  const logPath = values.log ?? `.pipeline/${preset}-metrics.jsonl`;
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, '');

  const report = await initNodeBackend(backend);
  process.stderr.write(`backend: ${report.name}; preset ${preset}; metrics log ${logPath}\n`);
  const { model: base } = await loadModelFile(values.base ?? 'public/models/base/base.ckpt');

  let bar: ProgressBar | null = null;
  let barStage = '';
  const summary = await runPipeline(base, settings, {
    onLog: (record) => appendFileSync(logPath, `${JSON.stringify(record)}\n`),
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

function formatSummary(s: PipelineSummary): string {
  const row = (name: string, win: number, gold: number, extra = ''): string =>
    `${name.padEnd(8)} ${win.toFixed(3).padStart(10)} ${gold.toFixed(3).padStart(10)}  ${extra}`;
  const lines = [
    '',
    'stage    win vs SFT  gold score',
    row('base', s.base.win_rate_vs_sft, s.base.gold_score),
    row('sft', s.sft.win_rate_vs_sft, s.sft.gold_score, `(${s.sft.steps} steps, held-out loss ${s.sft.heldout_loss.toFixed(3)}; 0.5 by definition)`),
    row(s.settings.ptxCoef > 0 ? 'ppo-ptx' : 'ppo', s.ppo.win_rate_vs_sft, s.ppo.gold_score, `(${s.ppo.iterations} iterations, KL ${s.ppo.kl.toFixed(2)} nats/response, beta ${s.settings.beta})`),
    '',
    `reward model: held-out ranking accuracy ${s.rm.heldout_accuracy.toFixed(3)}, agreement with gold on fresh samples ${s.rm.gold_agreement.toFixed(3)} (${s.rm.pairs} pairs), ${s.rm.rankings} rankings`,
    `simulated labeler agreement with gold on SFT samples: ${s.labeler_agreement_on_sft.toFixed(3)}`,
    '',
    'PPO over time (proxy reward vs gold; with beta 0 watch gold fall while the proxy rises):',
    'round  iter  RM score      KL   win rate  gold',
    ...s.eval_history.map(
      (p) => `${String(p.round).padStart(5)} ${String(p.iteration).padStart(5)} ${p['objective/scores'].toFixed(3).padStart(9)} ${p['objective/kl'].toFixed(2).padStart(7)} ${p['eval/win_rate'].toFixed(3).padStart(10)} ${p['eval/gold_score'].toFixed(3).padStart(6)}`,
    ),
    '',
    `wall time: ${(s.wall_seconds / 60).toFixed(1)} min`,
  ];
  return lines.join('\n');
}
