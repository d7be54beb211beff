// npm run pretrain -- [--backend wasm] [--steps 2500] [--batch 16] [--lr 1e-3] [--seed 1]
//                     [--docs 40000] [--from CKPT] [--drills 0] [--idk-share 0] [--out public/models/base]
//                     [--work .pretrain-work] [--fresh]
//
// Pretrains the default GPT on the world's "internet text" and writes the base checkpoint and its
// model card. --from continues from a pretrained checkpoint instead of random weights; --drills F
// makes a share F of the training documents spelling drills (src/lib/world/drills.ts). Together
// they reproduce the drills experiment (README, "Spelling drills teach the copy"); the shipped
// base uses neither. --idk-share F makes the corpus say "i do not know" in a share F of what it
// says about made-up things, and write the held-out made-up names too (CorpusOptions in
// src/lib/world/corpus.ts): the honesty experiment of docs/RESULTS.md; the shipped base uses 0.
// Checkpoints go to --work every --save-every steps; running the same command
// again resumes from there (model weights and step; Adam's moments restart, a small effect at
// that point), so an interrupted run loses at most --save-every steps.
import { existsSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../src/lib/backend-node';
import { isBackendName } from '../src/lib/backend';
import { DEFAULT_CONFIG, GPT, paramCount, type GPTConfig } from '../src/lib/model';
import { PretrainTrainer } from '../src/lib/train';
import { TOKENIZER_ID, encode } from '../src/lib/tokenizer';
import { hashString } from '../src/lib/random';
import { pretrainCorpus, drillCorpus, heldoutPrompts } from '../src/lib/world';
import { applyCheckpoint, parseCheckpoint, type CheckpointMeta } from '../src/lib/io/checkpoint';
import { loadCheckpointFile } from '../src/lib/io/store-node';
import { ProgressBar, UsageError, parseChoice, parseNonNegativeNumber, parsePositiveInt, runCli, writeJsonFile } from './lib/cli';
import { saveModelFile } from './lib/models';
import { evaluateModel, formatEvalTable } from '../src/lib/eval';

const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;

runCli(async () => {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      docs: { type: 'string' },
      from: { type: 'string' },
      drills: { type: 'string' },
      'idk-share': { type: 'string' },
      out: { type: 'string' },
      work: { type: 'string' },
      'save-every': { type: 'string' },
      'eval-every': { type: 'string' },
      fresh: { type: 'boolean' },
    },
  });
  const backend = parseChoice('backend', values.backend, BACKENDS, 'wasm');
  const steps = parsePositiveInt('steps', values.steps, 2500);
  const batchSize = parsePositiveInt('batch', values.batch, 16);
  const learningRate = parseNonNegativeNumber('lr', values.lr, 1e-3);
  const seed = parsePositiveInt('seed', values.seed, 1);
  const docCount = parsePositiveInt('docs', values.docs, 40_000);
  const drillShare = parseNonNegativeNumber('drills', values.drills, 0);
  if (drillShare >= 1) throw new UsageError(`--drills is a share of the documents, from 0 up to (not including) 1; got ${drillShare}`);
  const idkShare = parseNonNegativeNumber('idk-share', values['idk-share'], 0);
  if (idkShare > 1) throw new UsageError(`--idk-share is a share of what the corpus says about made-up things, from 0 to 1; got ${idkShare}`);
  const saveEvery = parsePositiveInt('save-every', values['save-every'], 100);
  const evalEvery = parsePositiveInt('eval-every', values['eval-every'], 250);
  const outDir = values.out ?? 'public/models/base';
  const workDir = values.work ?? '.pretrain-work';
  if (!isBackendName(backend)) throw new UsageError(`unknown backend ${backend}`);

  const report = await initNodeBackend(backend);
  process.stderr.write(`backend: ${report.name}\n`);

  // Corpus: one document per row, BOS ... EOS, so every document starts at position 0 exactly as
  // a prompt does at inference. The first 2% is held out to watch for overfitting.
  // Drills join the training part only, so the held-out loss stays comparable with the first run's.
  const docs = pretrainCorpus(seed, docCount, { madeUpIdkShare: idkShare });
  const toWindow = (d: string) => encode(d, { bos: true, eos: true }).slice(0, DEFAULT_CONFIG.contextLength);
  const heldoutCount = Math.max(64, Math.floor(docs.length * 0.02));
  const heldout = docs.slice(0, heldoutCount).map(toWindow);
  const drillCount = Math.round(((docs.length - heldoutCount) * drillShare) / (1 - drillShare));
  const drills = drillCorpus(seed, drillCount);
  const train = [...docs.slice(heldoutCount), ...drills].map(toWindow);
  const corpusHash = hashString([...docs, ...drills].join('\u0000')).toString(16).padStart(8, '0');

  const config = DEFAULT_CONFIG;
  const model = GPT.create(config, seed);
  let from: CheckpointMeta | undefined;
  if (values.from) {
    const parsed = parseCheckpoint(await loadCheckpointFile(values.from));
    if (parsed.meta.stage !== 'pretrain') throw new UsageError(`--from needs a pretrain checkpoint; ${values.from} is stage ${parsed.meta.stage}`);
    applyCheckpoint(model, parsed); // refuses a checkpoint of another config, naming the difference
    from = parsed.meta;
  }
  const workCkpt = join(workDir, 'pretrain.ckpt');
  const workLog = join(workDir, 'log.jsonl');
  let startStep = 0;
  // Steps this run was resumed at: the data order changes at each, so the model card must say so.
  let resumedAt: number[] = [];
  if (values.fresh) rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  if (existsSync(workCkpt)) {
    const parsed = parseCheckpoint(await loadCheckpointFile(workCkpt));
    if (parsed.meta.seed !== seed || parsed.meta.corpusHash !== corpusHash) {
      throw new UsageError(`${workCkpt} is from another run (seed or corpus differ); pass --fresh to start over`);
    }
    applyCheckpoint(model, parsed);
    startStep = Number(parsed.meta.step ?? 0);
    const earlier = Array.isArray(parsed.meta.resumedAt) ? (parsed.meta.resumedAt as number[]) : [];
    resumedAt = startStep < steps ? [...earlier, startStep] : earlier;
    process.stderr.write(`resuming from step ${startStep}\n`);
  }

  // The data order depends on the step we resume from, so a resumed run does not replay batches.
  const trainer = new PretrainTrainer(model, train, {
    batchSize,
    learningRate,
    maxLength: config.contextLength,
    seed: seed * 1000 + startStep,
  });
  const bar = new ProgressBar('pretrain', steps);
  const started = Date.now();
  let lastLoss = NaN;
  let heldoutLoss = NaN;
  const meta = (step: number) => ({ stage: 'pretrain', step, seed, corpusHash, steps, batchSize, learningRate, docCount, drillShare, ...(idkShare > 0 ? { idkShare } : {}), ...(from ? { from } : {}), ...(resumedAt.length > 0 ? { resumedAt } : {}) });
  for (let step = startStep + 1; step <= steps; step++) {
    const m = await trainer.step();
    lastLoss = lastLoss !== lastLoss ? m.loss : 0.98 * lastLoss + 0.02 * m.loss;
    if (step % evalEvery === 0 || step === steps) {
      heldoutLoss = (await trainer.evaluateWindows(heldout))['eval/loss'];
    }
    writeFileSync(workLog, `${JSON.stringify({ step, loss: m.loss, 'eval/loss': heldoutLoss, seconds: (Date.now() - started) / 1000 })}\n`, { flag: 'a' });
    if (step % saveEvery === 0 || step === steps) await saveModelFile(workCkpt, model, meta(step));
    bar.update(step, `loss ${lastLoss.toFixed(3)} held-out ${heldoutLoss.toFixed(3)}`);
  }
  bar.finish(`loss ${lastLoss.toFixed(3)}`);

  const finalEval = (await trainer.evaluateWindows(heldout))['eval/loss'];
  mkdirSync(outDir, { recursive: true });
  await saveModelFile(join(outDir, 'base.ckpt'), model, { ...meta(steps), finalLoss: finalEval });

  process.stderr.write('evaluating on held-out prompts...\n');
  const evaluation = await evaluateModel(model, heldoutPrompts(), { seed, temperature: 0.7 });
  process.stdout.write(`${formatEvalTable(evaluation)}\n`);
  writeJsonFile(join(outDir, 'eval.json'), evaluation);
  writeFileSync(
    join(outDir, 'MODEL_CARD.md'),
    modelCard({ config, params: paramCount(config), seed, steps, batchSize, learningRate, docCount, drillShare, drillCount, idkShare, from, resumedAt, corpusHash, finalLoss: finalEval, backend: report.name, evaluation, table: formatEvalTable(evaluation) }),
  );
  process.stderr.write(`wrote ${join(outDir, 'base.ckpt')} and MODEL_CARD.md\n`);
  trainer.dispose();
  model.dispose();
  tf.disposeVariables();
});

interface CardFacts {
  config: GPTConfig; params: number; seed: number; steps: number; batchSize: number; learningRate: number;
  docCount: number; drillShare: number; drillCount: number; idkShare: number; from?: CheckpointMeta; resumedAt: readonly number[]; corpusHash: string; finalLoss: number; backend: string;
  evaluation: { gold_score: number; continues_prompt_rate: number; fluency: number }; table: string;
}

function modelCard(c: CardFacts): string {
  const corpusOptions = c.idkShare > 0 ? `, { madeUpIdkShare: ${c.idkShare} }` : '';
  const data = `${c.docCount} documents from \`pretrainCorpus(${c.seed}, ${c.docCount}${corpusOptions})\`, 2% held out`
    + (c.drillCount > 0 ? `, plus ${c.drillCount} spelling drills from \`drillCorpus(${c.seed}, ${c.drillCount})\` (${Math.round(c.drillShare * 100)}% of the training documents)` : '')
    + `; corpus hash ${c.corpusHash}`;
  const thisRun = `${c.steps} Adam steps, batch ${c.batchSize}, learning rate ${c.learningRate}, seed ${c.seed}, backend ${c.backend}`;
  const command = (steps: unknown, batchSize: unknown, learningRate: unknown, extra: string, fresh = true) =>
    `npm run pretrain -- --backend ${c.backend} --steps ${steps} --batch ${batchSize} --lr ${learningRate} --seed ${c.seed} --docs ${c.docCount}${c.idkShare > 0 ? ` --idk-share ${c.idkShare}` : ''}${extra}${fresh ? ' --fresh' : ''}`;
  // A resumed run draws its batches in another order from the step it resumed at, so it is
  // reproduced by stopping at the same steps: one command per stop, only the first --fresh.
  const thisRunCommands = (extra: string): string[] =>
    [...c.resumedAt, c.steps].map((steps, i) => command(steps, c.batchSize, c.learningRate, extra, i === 0));
  const resumedNote = c.resumedAt.length > 0
    ? ` It was stopped and resumed at step ${c.resumedAt.join(', ')}; a resumed run draws its batches in another order from there, so the commands stop at the same steps (the later ones resume from the --work checkpoint).`
    : '';
  const training = c.from
    ? `${c.from.steps} steps from random weights on the corpus alone (batch ${c.from.batchSize}, learning rate ${c.from.learningRate}, corpus hash ${c.from.corpusHash}), then ${thisRun}`
    : thisRun;
  const reproduce = c.from
    ? `Reproduce in two runs (the second continues the first).${resumedNote}\n\n\`\`\`\n${[command(c.from.steps, c.from.batchSize, c.from.learningRate, ' --out .pretrain-first --work .pretrain-work-first'), ...thisRunCommands(` --from .pretrain-first/base.ckpt --drills ${c.drillShare}`)].join('\n')}\n\`\`\``
    : c.resumedAt.length > 0
      ? `Reproduce:${resumedNote}\n\n\`\`\`\n${thisRunCommands('').join('\n')}\n\`\`\``
      : `Reproduce: \`${command(c.steps, c.batchSize, c.learningRate, '')}\``;
  const drills = c.drillCount > 0
    ? `\nThe spelling drills (src/lib/world/drills.ts) are word exercises over thousands of made-up letter
strings. Without them the model learns each training word's answers by heart and cannot copy a new
word from a question; with them it learns to copy, and the SFT model gets many more held-out word
questions right (README, "Spelling drills teach the copy").\n`
    : '';
  const honesty = c.idkShare > 0
    ? `\nIts text says "i do not know" in ${Math.round(c.idkShare * 100)}% of what it says about things that do not exist (the
rest makes facts up), and writes every made-up name, the held-out ones in plain statements only
(docs/RESULTS.md, "I do not know" in the pretraining text).\n`
    : '';
  return `# Base model (pretrained, not aligned)

The starting point of the playground: a word-level GPT pretrained on the assistant world's
"internet text" (src/lib/world/corpus.ts). Every word of the world is one token
(src/lib/tokenizer.ts; the list is src/lib/tokenizer-words.ts, made by \`npm run vocabulary\`).
Like GPT-3 before InstructGPT, it is fluent in the world's language but, asked a question, it
usually continues with more questions instead of answering. That is on purpose: the three
RLHF stages have something to fix.
${drills}${honesty}
| | |
| --- | --- |
| config | ${c.config.nLayer} layers, ${c.config.nHead} heads, width ${c.config.dModel}, context ${c.config.contextLength}, vocabulary ${c.config.vocabSize} tokens (tokenizer ${TOKENIZER_ID}) |
| parameters | ${c.params} |
| data | ${data} |
| training | ${training} |
| held-out corpus loss | ${c.finalLoss.toFixed(4)} nats/token |
| held-out prompts: gold score | ${c.evaluation.gold_score.toFixed(3)} |
| continues the prompt instead of answering | ${(c.evaluation.continues_prompt_rate * 100).toFixed(1)}% |
| fluency (generated words in the world's vocabulary) | ${(c.evaluation.fluency * 100).toFixed(1)}% |

${reproduce}

Same code and seed give the same data; floating-point sums differ slightly across backends.

Evaluation on the held-out prompts (temperature 0.7, \`npm run eval -- --model public/models/base/base.ckpt\`):

\`\`\`
${c.table}
\`\`\`
`;
}
