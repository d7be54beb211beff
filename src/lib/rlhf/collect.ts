// Collecting rankings on a model's own samples (InstructGPT step 2): K answers per prompt, ordered
// by the simulated labeler. The same Ranking records hold human rankings made in the page.
import type { GPT } from '../model';
import { decode } from '../tokenizer';
import { createRng, hashString, type Rng } from '../random';
import { encodePrompt } from '../world/format';
import { generate } from '../model';
import { simulateRanking, DEFAULT_LABELER_TEMPERATURE, type JudgeWeights } from '../world';
import type { PromptItem } from '../world/types';
import type { Ranking } from '../io/rankings';

export interface SampleKOptions {
  k: number;
  temperature: number;
  maxNewTokens: number;
  seed: number;
  /** Prompts per generate call (each sampled k times): rows = promptsPerBatch * k. */
  promptsPerBatch?: number;
}

/** K sampled answers for each prompt, as text. */
export async function sampleK(model: GPT, prompts: readonly string[], options: SampleKOptions): Promise<string[][]> {
  const perBatch = options.promptsPerBatch ?? Math.max(1, Math.floor(32 / options.k));
  const out: string[][] = [];
  for (let start = 0; start < prompts.length; start += perBatch) {
    const chunk = prompts.slice(start, start + perBatch);
    const ids: number[][] = [];
    // Fixed batch shape: pad the last chunk with repeats of its first prompt.
    for (let i = 0; i < perBatch; i++) {
      const p = encodePrompt(chunk[Math.min(i, chunk.length - 1)]);
      for (let j = 0; j < options.k; j++) ids.push(p);
    }
    const { responses } = await generate(model, ids, {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      seed: options.seed + start,
    });
    for (let i = 0; i < chunk.length; i++) out.push(responses.slice(i * options.k, (i + 1) * options.k).map(decode));
  }
  return out;
}

export interface SimulatedRankingOptions extends SampleKOptions {
  round: number;
  modelName: string;
  labelerTemperature?: number;
  /** Gold-score gap under which the labeler calls two answers equally good (see rankWithTies). */
  labelerTieGap?: number;
  weights?: JudgeWeights;
}

/**
 * Samples K answers per prompt and has the simulated labeler rank them (see labelSamples). One
 * ranking per item, in order.
 */
export async function collectSimulatedRankings(
  model: GPT,
  items: readonly PromptItem[],
  options: SimulatedRankingOptions,
  now: () => Date = () => new Date(),
): Promise<Ranking[]> {
  const samples = await sampleK(model, items.map((i) => i.prompt), options);
  return labelSamples(items, samples, options, now);
}

/**
 * One round's rankings collected in parts (so a caller can pause between them), with exactly the
 * rankings one collectSimulatedRankings call over all the items would give: each part starts on
 * a sampling-batch boundary with the seed that batch would have had, and the labeler's rng goes on
 * from part to part.
 */
export class RoundCollection {
  private readonly rng: Rng;
  private cursor = 0;
  readonly perBatch: number;

  constructor(
    private readonly items: readonly PromptItem[],
    private readonly options: SimulatedRankingOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.rng = createRng(options.seed ^ 0x5eed);
    this.perBatch = options.promptsPerBatch ?? Math.max(1, Math.floor(32 / options.k));
  }

  /** Prompts collected so far. */
  get collected(): number {
    return this.cursor;
  }

  get remaining(): number {
    return this.items.length - this.cursor;
  }

  /**
   * Ranks the next `count` prompts (fewer at the end) on `model`'s samples. A part that is a whole
   * number of sampling batches keeps the next one aligned (same seeds as one call over all).
   */
  async next(model: GPT, count: number, modelName = this.options.modelName): Promise<Ranking[]> {
    const start = this.cursor;
    const part = this.items.slice(start, start + Math.max(0, count));
    if (part.length === 0) return [];
    const samples = await sampleK(model, part.map((i) => i.prompt), { ...this.options, promptsPerBatch: this.perBatch, seed: this.options.seed + start });
    this.cursor += part.length;
    return labelSamples(part, samples, { ...this.options, modelName }, this.now, { rng: this.rng, offset: start });
  }
}

/**
 * The simulated labeler's rankings of given samples (samples[i] answers items[i]). Identical
 * answers always share a tier. When all K answers are equally good the labeler must still choose
 * between different ones (a strict noisy order of the distinct texts); when all K are the same
 * text the ranking is one tier: it is still returned (the labeler saw that prompt) but gives no
 * pair, so the reward model learns nothing from it (RewardTrainer drops it).
 */
export function labelSamples(
  items: readonly PromptItem[],
  samples: readonly (readonly string[])[],
  options: Pick<SimulatedRankingOptions, 'seed' | 'round' | 'modelName' | 'labelerTemperature' | 'labelerTieGap' | 'weights'>,
  now: () => Date = () => new Date(),
  /** A collection in parts (RoundCollection) passes its labeler's rng and where this part starts. */
  continued?: { rng: Rng; offset: number },
): Ranking[] {
  if (samples.length !== items.length) throw new Error(`labelSamples: ${samples.length} sample lists for ${items.length} prompts`);
  const rng = continued?.rng ?? createRng(options.seed ^ 0x5eed);
  const offset = continued?.offset ?? 0;
  return items.map((item, local) => {
    const i = offset + local;
    const { ranking } = simulateRanking(item, samples[local], rng, {
      temperature: options.labelerTemperature ?? DEFAULT_LABELER_TEMPERATURE,
      tieGap: options.labelerTieGap,
      weights: options.weights,
    });
    return {
      id: `sim-${options.round}-${(hashString(`${options.seed}:${i}:${item.prompt}`) >>> 0).toString(16)}`,
      prompt: item.prompt,
      responses: [...samples[local]],
      order: ranking,
      source: 'simulated' as const,
      round: options.round,
      model: options.modelName,
      createdAt: now().toISOString(),
    };
  });
}
