// The whole InstructGPT loop, headless: a driver of the one program (session.ts) from the first
// step to the summary. The CLI (scripts/pipeline.ts) and the tests run this; the page's worker
// drives the same session step by step.
import type { GPT } from '../model';
import { RlhfSession, type PipelineSummary } from './session';
import type { PipelineSettings } from './settings';

export interface PipelineHooks {
  /** Every logged step: one line of the metrics log. */
  onLog?: (record: Record<string, number | string>) => void;
  onProgress?: (stage: string, done: number, total: number, detail?: string) => void;
  /** The trained models, once, before they are disposed (e.g. to save them as checkpoints). */
  onModels?: (models: { sft: GPT; rm: GPT; policy: GPT }) => Promise<void>;
}

/** The progress bar's label of a phase ("ppo r1"), as the CLI prints it. */
function phaseLabel(phase: string, round: number): string {
  if (phase === 'rankings') return `rankings r${round}`;
  if (phase === 'reward') return `reward model r${round}`;
  if (phase === 'ppo') return `ppo r${round}`;
  if (phase === 'ptx') return `ppo-ptx r${round}`;
  return phase;
}

/** Runs the pipeline on `base` (left untouched); returns the summary. Caller owns tf's backend. */
export async function runPipeline(base: GPT, settings: PipelineSettings, hooks: PipelineHooks = {}): Promise<PipelineSummary> {
  const session = new RlhfSession(base, settings, { onLog: hooks.onLog });
  try {
    while (!session.done) {
      const { phase, round, step, total, detail } = await session.step();
      hooks.onProgress?.(phaseLabel(phase, round), step, total, detail);
    }
    await hooks.onModels?.(session.models());
    return session.summary as PipelineSummary;
  } finally {
    session.dispose();
  }
}
