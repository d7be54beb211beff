// Evaluating a model end to end: sample answers to prompts, judge them with gold, and format the
// per-family table that `npm run eval`, the pipeline and the model cards print.
import type { GPT } from '../model';
import { FAMILIES, type PromptItem } from '../world/types';
import { goldReport, type GoldReport } from './gold';
import { sampleResponses } from './sampling';

export interface ModelEvaluation extends GoldReport {
  responses: string[];
}

export interface EvaluateOptions {
  seed: number;
  temperature?: number;
  maxNewTokens?: number;
  batchSize?: number;
}

export async function evaluateModel(model: GPT, items: readonly PromptItem[], options: EvaluateOptions): Promise<ModelEvaluation> {
  const responses = await sampleResponses(
    model,
    items.map((i) => i.prompt),
    {
      seed: options.seed,
      temperature: options.temperature ?? 0.7,
      maxNewTokens: options.maxNewTokens ?? 24,
      batchSize: options.batchSize ?? 40,
    },
  );
  return { ...goldReport(items, responses), responses };
}

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`.padStart(5);

/** A plain-text table: one row per family and an "all" row. */
export function formatEvalTable(report: GoldReport): string {
  const header = 'family      n  gold  helpful honest harmless continues';
  const row = (name: string, s: GoldReport['by_family'][keyof GoldReport['by_family']] & object): string =>
    `${name.padEnd(10)} ${String(s.count).padStart(3)}  ${s.gold_score.toFixed(2)}  ${pct(s.helpful_rate)}   ${pct(s.honest_rate)}  ${pct(s.harmless_rate)}    ${pct(s.continues_prompt_rate)}`;
  const lines = [header];
  for (const family of FAMILIES) {
    const s = report.by_family[family];
    if (s) lines.push(row(family, s));
  }
  lines.push(row('all', report));
  lines.push(`fluency: ${(report.fluency * 100).toFixed(1)}% of generated words are in the world's vocabulary`);
  return lines.join('\n');
}
