// The run's results as the page shows them: lib's summary type (the CLI's --json), re-exported
// so components need not reach into lib, and the summary read beside InstructGPT's figures.
import type { PipelineSummary } from '../lib/rlhf';
import { CHATTER, CHATTER_RATE } from '../lib/world';

export type { PipelineSummary, RewardModelReport } from '../lib/rlhf';

/**
 * InstructGPT's figures the page compares a run with (Ouyang et al. 2022). Only numbers the paper
 * states, or plots clearly enough to read, are here.
 */
export const INSTRUCTGPT = {
  /** Figure 1: 175B PPO-ptx against 175B SFT, read off the plot. */
  ppoPtxWinVsSft: 0.65,
  /** Labelers' agreement with each other on held-out comparisons: 72.6 +- 1.5%. */
  labelerAgreement: 0.726,
  /** Closed-domain tasks: made-up information in 41% of GPT-3's answers, 21% of InstructGPT's. */
  madeUpGpt3: 0.41,
  madeUpInstructGpt: 0.21,
} as const;

export interface WinRateBar {
  model: string;
  winRate: number;
  /** InstructGPT's value for its own model of this kind, where the paper gives one. */
  paper: number | null;
}

/** Figure 1 of this run: each model's win rate against SFT, in the paper's order. */
export function figureOneBars(s: PipelineSummary): WinRateBar[] {
  const ptx = s.settings.ptxCoef > 0;
  return [
    { model: 'base', winRate: s.base.win_rate_vs_sft, paper: null },
    ...(s.prompted_base ? [{ model: 'prompted base', winRate: s.prompted_base.win_rate_vs_sft, paper: null }] : []),
    { model: 'SFT', winRate: s.sft.win_rate_vs_sft, paper: 0.5 },
    { model: 'SFT greedy', winRate: s.sft_greedy.win_rate_vs_sft, paper: null },
    { model: ptx ? 'PPO-ptx' : 'PPO', winRate: s.ppo.win_rate_vs_sft, paper: ptx ? INSTRUCTGPT.ppoPtxWinVsSft : null },
  ];
}

/** A share as a whole percentage ("54%"), or "n/a". */
export const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'n/a');
/** A score to three decimals, or "n/a". */
export const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const points = (x: number): string => `${Math.abs(Math.round(x * 100))} point${Math.abs(Math.round(x * 100)) === 1 ? '' : 's'}`;

/** The summary in sentences, each read against InstructGPT's finding on the same axis. */
export function readSummary(s: PipelineSummary): string[] {
  const ppoName = s.settings.ptxCoef > 0 ? 'PPO-ptx' : 'PPO';
  const out: string[] = [];
  const win = s.ppo.win_rate_vs_sft;
  const greedy = s.sft_greedy.win_rate_vs_sft;
  out.push(
    `${ppoName}'s answers were preferred to SFT's by the gold judge ${pct(win)} of the time on held-out prompts (InstructGPT's 175B PPO-ptx against its SFT model: about ${pct(INSTRUCTGPT.ppoPtxWinVsSft)}).`,
  );
  out.push(
    s.ppo.win_rate_vs_sft_greedy > 0.5
      ? `SFT answering greedily (always its likeliest word) wins ${pct(greedy)} by itself, and ${ppoName} beats that too (${pct(s.ppo.win_rate_vs_sft_greedy)}): it learned more than to answer with less randomness.`
      : `SFT answering greedily (always its likeliest word) wins ${pct(greedy)} by itself, and ${ppoName} wins only ${pct(s.ppo.win_rate_vs_sft_greedy)} against it: most of its gain is sharpening, not the preferences.`,
  );
  // Summaries saved before the habit was measured have no chatter rate.
  if (Number.isFinite(s.sft.chatter_rate) && Number.isFinite(s.ppo.chatter_rate)) {
    out.push(
      `Habits: ${pct(CHATTER_RATE)} of the demonstrations close with a line that adds nothing ("${CHATTER[0]}"), as the people who wrote them often do. SFT copied the habit (${pct(s.sft.chatter_rate)} of its answers, ${pct(s.sft_greedy.chatter_rate)} answering greedily) and ${ppoName} kept it in ${pct(s.ppo.chatter_rate)}: demonstrations cannot say that people prefer the answer without it, rankings can.`,
    );
  }
  const prompted = s.prompted_base ? `, ${pct(s.prompted_base.win_rate_vs_sft)} with two answered examples in its prompt` : '';
  out.push(
    `The base model won ${pct(s.base.win_rate_vs_sft)} against SFT${prompted}. In InstructGPT too, GPT-3 lost to SFT with or without a few-shot prompt: demonstrations teach the answer format.`,
  );
  out.push(
    `Truthfulness: SFT made up a fact about something that does not exist in ${pct(s.sft.made_up_rate)} of those answers, ${ppoName} in ${pct(s.ppo.made_up_rate)} (InstructGPT on closed-domain tasks: ${pct(INSTRUCTGPT.madeUpGpt3)} for GPT-3, ${pct(INSTRUCTGPT.madeUpInstructGpt)} for InstructGPT).`,
  );
  out.push(`Harmlessness: SFT helped with ${pct(s.sft.harmful_compliance_rate)} of harmful requests, ${ppoName} with ${pct(s.ppo.harmful_compliance_rate)}.`);
  const tax = s.ppo.knowledge_accuracy - s.sft.knowledge_accuracy;
  out.push(
    `Capabilities: right answers on sums, word tasks and facts went from ${pct(s.sft.knowledge_accuracy)} (SFT) to ${pct(s.ppo.knowledge_accuracy)} (${ppoName}): ` +
      (Math.round(tax * 100) < 0
        ? `an alignment tax of ${points(tax)}${s.settings.ptxCoef > 0 ? '' : '. InstructGPT paid one on public benchmarks and bought most of it back with PPO-ptx (the PPO-ptx coefficient setting)'}.`
        : 'no alignment tax on this run.'),
  );
  out.push(
    `Labelers: two simulated labelers agreed with each other on ${pct(s.labeler_agreement_between_labelers)} of pairs (InstructGPT's: ${(INSTRUCTGPT.labelerAgreement * 100).toFixed(1)}%). The reward model agreed with the gold judge on ${pct(s.rm.gold_agreement)} of pairs of fresh answers, ${pct(s.rm.gold_agreement_clear)} of those gold clearly tells apart.`,
  );
  out.push(`KL: the policy ended ${Number.isFinite(s.ppo.kl) ? s.ppo.kl.toFixed(2) : 'n/a'} nats per answer away from SFT.`);
  return out;
}

/** The latest held-out evaluation during PPO, before the run has its summary. */
export interface LiveEvaluation {
  winRate: number;
  gold: number;
  step: number;
  round: number;
}

/** That evaluation in one sentence, beside InstructGPT's figure. */
export function readLive(e: LiveEvaluation): string {
  return `So far (PPO iteration ${e.step}, round ${e.round + 1}): the policy's answers are preferred to SFT's ${pct(e.winRate)} of the time on held-out prompts, gold score ${f3(e.gold)} (InstructGPT's 175B PPO-ptx against its SFT model: about ${pct(INSTRUCTGPT.ppoPtxWinVsSft)}).`;
}
