// npm run eval -- --model PATH [--json FILE] [--backend wasm] [--seed 1] [--temperature 0.7] [--prompts N]
//
// Samples one answer per held-out prompt and prints, per family, the gold judge's mean score, the
// helpful/honest/harmless rates and how often the model continues the prompt instead of answering.
import { parseArgs } from 'node:util';
import { initNodeBackend } from '../src/lib/backend-node';
import { evaluateModel, formatEvalTable } from '../src/lib/eval';
import { heldoutPrompts } from '../src/lib/world';
import { spreadFamilies } from '../src/lib/rlhf';
import { UsageError, parseChoice, parseNonNegativeNumber, parsePositiveInt, runCli, writeJsonFile } from './lib/cli';
import { loadModelFile } from './lib/models';

runCli(async () => {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      json: { type: 'string' },
      backend: { type: 'string' },
      seed: { type: 'string' },
      temperature: { type: 'string' },
      prompts: { type: 'string' },
    },
  });
  if (!values.model) throw new UsageError('--model PATH is required (e.g. public/models/base/base.ckpt)');
  const backend = parseChoice('backend', values.backend, ['cpu', 'wasm', 'webgpu'] as const, 'wasm');
  const seed = parsePositiveInt('seed', values.seed, 1);
  const temperature = parseNonNegativeNumber('temperature', values.temperature, 0.7);
  const all = heldoutPrompts();
  const items = values.prompts ? spreadFamilies(all, parsePositiveInt('prompts', values.prompts, all.length)) : all;

  await initNodeBackend(backend);
  const { model, meta } = await loadModelFile(values.model);
  process.stderr.write(`${values.model}: stage ${meta.stage}, step ${meta.step ?? '?'}; ${items.length} held-out prompts, temperature ${temperature}\n`);
  const report = await evaluateModel(model, items, { seed, temperature });
  process.stdout.write(`${formatEvalTable(report)}\n`);
  if (values.json) {
    const { responses, ...numbers } = report;
    writeJsonFile(values.json, { ...numbers, samples: items.map((item, i) => ({ family: item.family, prompt: item.prompt, response: responses[i] })) });
  }
  model.dispose();
});
