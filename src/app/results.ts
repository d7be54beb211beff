// The run's results as the page shows them: lib's summary type (the CLI's --json), re-exported
// so components need not reach into lib, and the summary read beside InstructGPT's figures.
import type { PipelineSummary } from '../lib/rlhf';
import { ppoIsPtx } from '../lib/rlhf/summary';
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

/** The name of the summary's `ppo` model: 'PPO', or 'PPO-ptx' in a summary saved before the two were trained side by side. */
export function ppoName(s: PipelineSummary): string {
  return ppoIsPtx(s) ? 'PPO-ptx' : 'PPO';
}

/** Figure 1 of this run: each model's win rate against SFT, in the paper's order. */
export function figureOneBars(s: PipelineSummary): WinRateBar[] {
  const ppo = ppoName(s);
  return [
    { model: 'base', winRate: s.base.win_rate_vs_sft, paper: null },
    ...(s.prompted_base ? [{ model: 'prompted base', winRate: s.prompted_base.win_rate_vs_sft, paper: null }] : []),
    { model: 'SFT', winRate: s.sft.win_rate_vs_sft, paper: 0.5 },
    { model: 'SFT greedy', winRate: s.sft_greedy.win_rate_vs_sft, paper: null },
    ...(s.sft_without_habit ? [{ model: 'SFT, no habit', winRate: s.sft_without_habit.win_rate_vs_sft, paper: null }] : []),
    { model: ppo, winRate: s.ppo.win_rate_vs_sft, paper: ppo === 'PPO-ptx' ? INSTRUCTGPT.ppoPtxWinVsSft : null },
    ...(s.ppo_ptx ? [{ model: 'PPO-ptx', winRate: s.ppo_ptx.win_rate_vs_sft, paper: INSTRUCTGPT.ppoPtxWinVsSft }] : []),
  ];
}

/** A share as a whole percentage ("54%"), or "n/a". */
export const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'n/a');
/** A score to three decimals, or "n/a". */
export const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const points = (x: number): string => `${Math.abs(Math.round(x * 100))} point${Math.abs(Math.round(x * 100)) === 1 ? '' : 's'}`;

/** The alignment tax in words: what PPO cost in right answers, and what PPO-ptx bought back. */
function capabilities(s: PipelineSummary, ppo: string): string {
  const ptx = s.ppo_ptx ?? null;
  const tax = Math.round((s.ppo.knowledge_accuracy - s.sft.knowledge_accuracy) * 100);
  const head = `Capabilities: right answers on sums, word tasks and facts went from ${pct(s.sft.knowledge_accuracy)} (SFT) to ${pct(s.ppo.knowledge_accuracy)} (${ppo})`;
  if (!ptx) {
    const hint = ppo === 'PPO-ptx' ? '' : '. InstructGPT paid one on public benchmarks and bought most of it back with PPO-ptx (set the PPO-ptx coefficient above 0 to train it beside PPO)';
    return `${head}: ${tax < 0 ? `an alignment tax of ${points(tax / 100)}${hint}.` : 'no alignment tax on this run.'}`;
  }
  const ptxTax = Math.round((ptx.knowledge_accuracy - s.sft.knowledge_accuracy) * 100);
  const withPtx = `${head} and ${pct(ptx.knowledge_accuracy)} (PPO-ptx, which also kept learning the pretraining text)`;
  if (tax >= 0) return `${withPtx}: no alignment tax for PPO to buy back on this run.`;
  const back = ptxTax - tax;
  return `${withPtx}: PPO paid an alignment tax of ${points(tax / 100)}, ${back > 0 ? `and PPO-ptx bought back ${points(back / 100)} of it (InstructGPT bought most of its tax back this way)` : 'and PPO-ptx did not buy it back on this run'}.`;
}

/**
 * The habit deleted by rule against the policy: how much of its win is the habit. Within 0.05 of
 * even is within about two standard errors of a 480-answer win rate.
 */
function habitBaseline(editedWin: number, vsEdited: number, ppoWin: number, ppo: string): string {
  const head = `Deleting that line from SFT's own answers by rule wins ${pct(editedWin)} against SFT; ${ppo} wins ${pct(vsEdited)} against those edited answers`;
  if (ppoWin <= 0.5) return `${head}: ${ppo} did not beat SFT on this run, so it has no gain to split between the habit and the rest.`;
  if (vsEdited > 0.55) return `${head}: it learned more than the habit.`;
  if (vsEdited >= 0.45) return `${head}: most of its gain is the habit, which it found from rankings alone, without anyone saying what the habit was.`;
  return `${head}: the rule did better. ${ppo} has not dropped all of the habit, or lost something else on the way.`;
}

/** The summary in sentences, each read against InstructGPT's finding on the same axis. */
export function readSummary(s: PipelineSummary): string[] {
  const ppo = ppoName(s);
  const ptx = s.ppo_ptx ?? null;
  /** PPO-ptx's figure after PPO's, where it was trained. */
  const andPtx = (value: (p: NonNullable<PipelineSummary['ppo_ptx']>) => string): string => (ptx ? `, PPO-ptx ${value(ptx)}` : '');
  const out: string[] = [];
  const win = s.ppo.win_rate_vs_sft;
  const greedy = s.sft_greedy.win_rate_vs_sft;
  out.push(
    `${ppo}'s answers were preferred to SFT's by the gold judge ${pct(win)} of the time on held-out prompts${andPtx((p) => pct(p.win_rate_vs_sft))} (InstructGPT's 175B PPO-ptx against its SFT model: about ${pct(INSTRUCTGPT.ppoPtxWinVsSft)}).`,
  );
  out.push(
    s.ppo.win_rate_vs_sft_greedy > 0.5
      ? `SFT answering greedily (always its likeliest word) wins ${pct(greedy)} by itself, and ${ppo} beats that too (${pct(s.ppo.win_rate_vs_sft_greedy)}): it learned more than to answer with less randomness.`
      : `SFT answering greedily (always its likeliest word) wins ${pct(greedy)} by itself, and ${ppo} wins only ${pct(s.ppo.win_rate_vs_sft_greedy)} against it: most of its gain is sharpening, not the preferences.`,
  );
  // Summaries saved before the habit was measured have no chatter rate.
  if (Number.isFinite(s.sft.chatter_rate) && Number.isFinite(s.ppo.chatter_rate)) {
    out.push(
      `Habits: ${pct(CHATTER_RATE)} of the demonstrations close with a line that adds nothing ("${CHATTER[0]}"), as the people who wrote them often do. SFT copied the habit (${pct(s.sft.chatter_rate)} of its answers, ${pct(s.sft_greedy.chatter_rate)} answering greedily) and ${ppo} kept it in ${pct(s.ppo.chatter_rate)}: demonstrations cannot say that people prefer the answer without it, rankings can.`,
    );
  }
  const vsEdited = s.ppo.win_rate_vs_sft_without_habit;
  if (s.sft_without_habit && vsEdited !== undefined) out.push(habitBaseline(s.sft_without_habit.win_rate_vs_sft, vsEdited, s.ppo.win_rate_vs_sft, ppo));
  const prompted = s.prompted_base ? `, ${pct(s.prompted_base.win_rate_vs_sft)} with two answered examples in its prompt` : '';
  out.push(
    `The base model won ${pct(s.base.win_rate_vs_sft)} against SFT${prompted}. In InstructGPT too, GPT-3 lost to SFT with or without a few-shot prompt: demonstrations teach the answer format.`,
  );
  out.push(
    `Truthfulness: SFT made up a fact about something that does not exist in ${pct(s.sft.made_up_rate)} of those answers, ${ppo} in ${pct(s.ppo.made_up_rate)}${andPtx((p) => `in ${pct(p.made_up_rate)}`)} (InstructGPT on closed-domain tasks: ${pct(INSTRUCTGPT.madeUpGpt3)} for GPT-3, ${pct(INSTRUCTGPT.madeUpInstructGpt)} for InstructGPT).`,
  );
  out.push(`Harmlessness: SFT helped with ${pct(s.sft.harmful_compliance_rate)} of harmful requests, ${ppo} with ${pct(s.ppo.harmful_compliance_rate)}${andPtx((p) => `with ${pct(p.harmful_compliance_rate)}`)}.`);
  out.push(capabilities(s, ppo));
  out.push(
    `Labelers: two simulated labelers agreed with each other on ${pct(s.labeler_agreement_between_labelers)} of pairs (InstructGPT's: ${(INSTRUCTGPT.labelerAgreement * 100).toFixed(1)}%). The reward model agreed with the gold judge on ${pct(s.rm.gold_agreement)} of pairs of fresh answers, ${pct(s.rm.gold_agreement_clear)} of those gold clearly tells apart.`,
  );
  const kl = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  out.push(`KL: the ${ptx ? 'PPO ' : ''}policy ended ${kl(s.ppo.kl)} nats per answer away from SFT${andPtx((p) => kl(p.kl))}.`);
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
