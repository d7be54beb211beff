// Reading a saved summary, free of tf so the page's main thread can use it.
import type { PipelineSummary } from './session';

/**
 * True when the summary's `ppo` policy is PPO-ptx: a summary saved before PPO-ptx was trained beside
 * PPO has no `ppo_ptx`, and its one policy learned the pretraining loss when ptxCoef was above 0.
 */
export function ppoIsPtx(s: PipelineSummary): boolean {
  return s.ppo_ptx === undefined && s.settings.ptxCoef > 0;
}
