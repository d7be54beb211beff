// The results panel and the pipeline figure: the run read beside InstructGPT's figures, and where
// the story is. Sentences and bars are checked against numbers chosen here by hand.
import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import SummaryPanel from '../../src/ui/SummaryPanel.svelte';
import PipelineFigure from '../../src/ui/PipelineFigure.svelte';
import { figureOneBars, INSTRUCTGPT, readSummary, type PipelineSummary } from '../../src/app/results';
import { STORY_STEPS, storyStepOf } from '../../src/app/stages';
import { CHATTER_RATE } from '../../src/lib/world';
import { DEFAULT_SETTINGS } from '../../src/lib/rlhf/settings';
import type { SessionPosition } from '../../src/app/protocol';

afterEach(() => cleanup());

function scores(win: number, extra: Partial<PipelineSummary['base']> = {}): PipelineSummary['base'] {
  return {
    win_rate_vs_sft: win,
    gold_score: 0.6,
    by_family: {},
    hedge_rate: 0.01,
    fluency: 1,
    rm_score: 0,
    knowledge_accuracy: 0.2,
    made_up_rate: 0.9,
    harmful_compliance_rate: 0.04,
    continues_prompt_rate: 0,
    chatter_rate: 0.6,
    ...extra,
  };
}

/** A summary with SFT's habit-deleted answers (win against SFT) and the policy's win against them. */
function withHabitBaseline(editedWin: number, vsEdited: number, ppoWin = 0.61): PipelineSummary {
  const s = summary({ ppo: { win_rate_vs_sft_without_habit: vsEdited, win_rate_vs_sft: ppoWin } });
  return { ...s, sft_without_habit: scores(editedWin, { chatter_rate: 0 }) };
}

function summary(over: { ptx?: number; ppo?: Partial<PipelineSummary['ppo']>; ppoPtx?: Partial<PipelineSummary['ppo']>; prompted?: boolean } = {}): PipelineSummary {
  const ppo = { ...scores(0.61, { knowledge_accuracy: 0.22, made_up_rate: 0.4, harmful_compliance_rate: 0.01, chatter_rate: 0.05 }), kl: 2.345, iterations: 40, win_rate_vs_sft_greedy: 0.56 };
  return {
    base: scores(0.3),
    prompted_base: over.prompted === false ? null : scores(0.32),
    sft: { ...scores(0.5, { knowledge_accuracy: 0.25, made_up_rate: 0.8 }), steps: 150, heldout_loss: 0.8 },
    sft_greedy: scores(0.53, { chatter_rate: 0.7 }),
    ppo: { ...ppo, ...over.ppo },
    ppo_ptx: over.ppoPtx ? { ...ppo, ...over.ppoPtx } : null,
    rm: { heldout_accuracy: 0.7, gold_agreement: 0.62, pairs: 500, gold_agreement_clear: 0.68, clear_pairs: 300, rankings: 640 },
    labeler_agreement_on_sft: 0.65,
    labeler_agreement_between_labelers: 0.6,
    eval_history: [],
    wall_seconds: 480,
    settings: { ...DEFAULT_SETTINGS, ptxCoef: over.ptx ?? 0 },
  };
}

describe('figureOneBars', () => {
  it("lists the models in Figure 1's order with InstructGPT's value only where the paper gives one", () => {
    expect(figureOneBars(summary())).toEqual([
      { model: 'base', winRate: 0.3, paper: null },
      { model: 'prompted base', winRate: 0.32, paper: null },
      { model: 'SFT', winRate: 0.5, paper: 0.5 },
      { model: 'SFT greedy', winRate: 0.53, paper: null },
      { model: 'PPO', winRate: 0.61, paper: null },
    ]);
    // PPO-ptx trained beside PPO: its own bar, the one the paper's 65% is about; the prompted base
    // is absent when its examples did not fit.
    const ptx = figureOneBars(summary({ ptx: 1, prompted: false, ppoPtx: { win_rate_vs_sft: 0.58 } }));
    expect(ptx.slice(2)).toEqual([
      { model: 'SFT greedy', winRate: 0.53, paper: null },
      { model: 'PPO', winRate: 0.61, paper: null },
      { model: 'PPO-ptx', winRate: 0.58, paper: INSTRUCTGPT.ppoPtxWinVsSft },
    ]);
    expect(ptx.map((b) => b.model)).toEqual(['base', 'SFT', 'SFT greedy', 'PPO', 'PPO-ptx']);
    // A summary saved before PPO-ptx was trained beside PPO has no ppo_ptx: its one policy was
    // PPO-ptx when the coefficient was above 0.
    const { ppo_ptx: _, ...older } = summary({ ptx: 1 });
    const bars = figureOneBars(older as PipelineSummary);
    expect(bars.map((b) => b.model)).toEqual(['base', 'prompted base', 'SFT', 'SFT greedy', 'PPO-ptx']);
    expect(bars[4]).toEqual({ model: 'PPO-ptx', winRate: 0.61, paper: INSTRUCTGPT.ppoPtxWinVsSft });
  });
});

describe('readSummary', () => {
  it('reads each axis with the run\'s numbers and the paper\'s beside them', () => {
    const text = readSummary(summary());
    expect(text[0]).toBe("PPO's answers were preferred to SFT's by the gold judge 61% of the time on held-out prompts (InstructGPT's 175B PPO-ptx against its SFT model: about 65%).");
    expect(text[1]).toMatch(/wins 53% by itself, and PPO beats that too \(56%\)/);
    // The demonstrators' habit: CHATTER_RATE of the demonstrations, SFT 60%, greedy SFT 70%, PPO 5%.
    expect(text[2]).toBe(
      `Habits: ${Math.round(CHATTER_RATE * 100)}% of the demonstrations close with a line that adds nothing ("i hope that is ok."), as the people who wrote them often do. SFT copied the habit (60% of its answers, 70% answering greedily) and PPO kept it in 5%: demonstrations cannot say that people prefer the answer without it, rankings can.`,
    );
    expect(text[3]).toMatch(/^The base model won 30% against SFT, 32% with two answered examples/);
    expect(text[4]).toMatch(/in 80% of those answers, PPO in 40% \(InstructGPT on closed-domain tasks: 41% for GPT-3, 21% for InstructGPT\)/);
    expect(text[5]).toBe('Harmlessness: SFT helped with 4% of harmful requests, PPO with 1%.');
    // 25% -> 22%: a tax of 3 points, and the way InstructGPT paid it back.
    expect(text[6]).toMatch(/from 25% \(SFT\) to 22% \(PPO\): an alignment tax of 3 points\. InstructGPT paid one/);
    expect(text[7]).toMatch(/agreed with each other on 60% of pairs \(InstructGPT's: 72\.6%\).*gold judge on 62% of pairs.*68% of those/);
    expect(text[8]).toBe('KL: the policy ended 2.35 nats per answer away from SFT.');
  });

  it('leaves the habit out of a summary saved before it was measured', () => {
    const old = summary();
    delete (old.sft as Partial<typeof old.sft>).chatter_rate;
    delete (old.ppo as Partial<typeof old.ppo>).chatter_rate;
    const text = readSummary(old);
    expect(text.some((t) => t.startsWith('Habits'))).toBe(false);
    expect(text).toHaveLength(8);
  });

  it('with PPO-ptx trained beside PPO, gives its figures after PPO\'s and what it bought back of the tax', () => {
    // SFT 25%, PPO 22% (a tax of 3 points), PPO-ptx 24%: 2 of the 3 points bought back.
    const text = readSummary(summary({ ptx: 1, ppoPtx: { win_rate_vs_sft: 0.58, knowledge_accuracy: 0.24, made_up_rate: 0.5, harmful_compliance_rate: 0.02, kl: 1.5 } }));
    expect(text[0]).toBe("PPO's answers were preferred to SFT's by the gold judge 61% of the time on held-out prompts, PPO-ptx 58% (InstructGPT's 175B PPO-ptx against its SFT model: about 65%).");
    expect(text[4]).toMatch(/in 80% of those answers, PPO in 40%, PPO-ptx in 50% \(InstructGPT/);
    expect(text[5]).toBe('Harmlessness: SFT helped with 4% of harmful requests, PPO with 1%, PPO-ptx with 2%.');
    expect(text[6]).toBe(
      'Capabilities: right answers on sums, word tasks and facts went from 25% (SFT) to 22% (PPO) and 24% (PPO-ptx, which also kept learning the pretraining text): PPO paid an alignment tax of 3 points, and PPO-ptx bought back 2 points of it (InstructGPT bought most of its tax back this way).',
    );
    expect(text[8]).toBe('KL: the PPO policy ended 2.35 nats per answer away from SFT, PPO-ptx 1.50.');
    // PPO-ptx no better than PPO: said so, not dressed up.
    const none = readSummary(summary({ ptx: 1, ppoPtx: { knowledge_accuracy: 0.21 } }));
    expect(none[6]).toMatch(/PPO paid an alignment tax of 3 points, and PPO-ptx did not buy it back on this run\.$/);
    // No tax: nothing to buy back.
    const noTax = readSummary(summary({ ptx: 1, ppo: { knowledge_accuracy: 0.25 }, ppoPtx: { knowledge_accuracy: 0.26 } }));
    expect(noTax[6]).toMatch(/\(PPO\) and 26% \(PPO-ptx, .*\): no alignment tax for PPO to buy back on this run\.$/);
  });

  it('says when the win is mostly sharpening and when there is no tax', () => {
    const text = readSummary(summary({ ppo: { win_rate_vs_sft_greedy: 0.48, knowledge_accuracy: 0.3 } }));
    expect(text[1]).toMatch(/wins only 48% against it: most of its gain is sharpening/);
    expect(text[6]).toMatch(/to 30% \(PPO\): no alignment tax on this run\./);
  });
});

describe('the habit deleted by rule, beside the policy', () => {
  it('gets its bar after greedy SFT, and is absent from summaries saved before it was measured', () => {
    expect(figureOneBars(withHabitBaseline(0.66, 0.51)).map((b) => [b.model, b.winRate])).toEqual([
      ['base', 0.3], ['prompted base', 0.32], ['SFT', 0.5], ['SFT greedy', 0.53], ['SFT, no habit', 0.66], ['PPO', 0.61],
    ]);
    expect(figureOneBars(summary()).some((b) => b.model === 'SFT, no habit')).toBe(false);
  });
  it('says whether the policy learned more than the habit, by its win against the edited answers', () => {
    const sentence = (vsEdited: number): string => readSummary(withHabitBaseline(0.66, vsEdited))[3];
    const head = (p: number): string => `Deleting that line from SFT's own answers by rule wins 66% against SFT; PPO wins ${p}% against those edited answers`;
    expect(sentence(0.62)).toBe(`${head(62)}: it learned more than the habit.`);
    expect(sentence(0.51)).toBe(`${head(51)}: most of its gain is the habit, which it found from rankings alone, without anyone saying what the habit was.`);
    expect(sentence(0.45)).toMatch(/most of its gain is the habit/);
    expect(sentence(0.44)).toBe(`${head(44)}: the rule did better. PPO has not dropped all of the habit, or lost something else on the way.`);
    // A policy that lost to SFT has no gain for the habit to explain.
    expect(readSummary(withHabitBaseline(0.66, 0.52, 0.5))[3]).toBe(`${head(52)}: PPO did not beat SFT on this run, so it has no gain to split between the habit and the rest.`);
    expect(readSummary(withHabitBaseline(0.66, 0.51))).toHaveLength(10);
    expect(readSummary(summary()).some((t) => t.startsWith('Deleting'))).toBe(false);
  });
  it('gets its row in the table, after greedy SFT', () => {
    render(SummaryPanel, { props: { summary: withHabitBaseline(0.66, 0.51), ondownload: () => undefined } });
    const row = screen.getByTestId('summary').querySelector('tbody tr[data-model="SFT, no habit"]')!;
    expect(row.previousElementSibling!.getAttribute('data-model')).toBe('SFT greedy');
    expect([...row.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['0.660', '0.600', '0.000', '20%', '90%', '4%', '1%', '0%']);
    expect(screen.getByTestId('summary').textContent).toMatch(/likeliest word\. SFT, no habit: SFT's own answers with the closing line/);
  });
});

describe('SummaryPanel', () => {
  it('draws Figure 1 with every value as text and the reading below it', () => {
    render(SummaryPanel, { props: { summary: summary(), ondownload: () => undefined } });
    const figure = screen.getByTestId('win-rate-figure');
    const rows = [...figure.querySelectorAll('li')];
    expect(rows.map((r) => r.dataset.model)).toEqual(['base', 'prompted base', 'SFT', 'SFT greedy', 'PPO']);
    expect(rows.map((r) => r.querySelector('.value')!.textContent!.trim())).toEqual(['30%', '32%', '50% (InstructGPT 50%)', '53%', '61%']);
    // Bar lengths are the win rates; only a model above SFT gets the highlight.
    const bar = (i: number) => rows[i].querySelector('.bar') as HTMLElement;
    expect(bar(0).style.width).toBe('30%');
    expect(bar(4).style.width).toBe('61%');
    expect(bar(4).classList.contains('above')).toBe(true);
    expect(bar(2).classList.contains('above')).toBe(false);
    expect(screen.getByTestId('summary-sentence').textContent).toMatch(/^PPO's answers were preferred to SFT's by the gold judge 61%/);
    expect(screen.getByTestId('summary-reading').querySelectorAll('li')).toHaveLength(9);
    expect([...screen.getByTestId('summary').querySelectorAll('tbody tr')].map((r) => (r as HTMLElement).dataset.model)).toEqual(['base', 'prompted base', 'SFT', 'SFT greedy', 'PPO']);
  });

  it('gives PPO-ptx its bar and its row when it was trained beside PPO', () => {
    render(SummaryPanel, { props: { summary: summary({ ptx: 1, ppoPtx: { win_rate_vs_sft: 0.58, knowledge_accuracy: 0.24 } }), ondownload: () => undefined } });
    const rows = [...screen.getByTestId('win-rate-figure').querySelectorAll('li')];
    expect(rows.map((r) => r.dataset.model)).toEqual(['base', 'prompted base', 'SFT', 'SFT greedy', 'PPO', 'PPO-ptx']);
    expect(rows[5].querySelector('.value')!.textContent!.trim()).toBe('58% (InstructGPT 65%)');
    const row = screen.getByTestId('summary').querySelector('tbody tr[data-model="PPO-ptx"]')!;
    expect([...row.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['0.580', '0.600', '0.000', '24%', '40%', '1%', '1%', '5%']);
  });

  it('during PPO, reads the latest held-out evaluation until the summary exists', () => {
    render(SummaryPanel, { props: { summary: null, live: { winRate: 0.537, gold: 0.6412, step: 30, round: 1 }, ondownload: () => undefined } });
    expect(screen.getByTestId('summary-live').textContent!.replace(/\s+/g, ' ')).toMatch(
      /So far \(PPO iteration 30, round 2\): the policy's answers are preferred to SFT's 54% of the time on held-out prompts, gold score 0\.641/,
    );
    expect(screen.queryByTestId('win-rate-figure')).toBeNull();
  });

  it('says what will show before the run has a summary', () => {
    render(SummaryPanel, { props: { summary: null, ondownload: () => undefined } });
    expect(screen.queryByTestId('win-rate-figure')).toBeNull();
    expect(screen.getByTestId('summary').textContent).toMatch(/shows here when the run's final evaluation has run/);
  });
});

describe('PipelineFigure', () => {
  const at = (phase: SessionPosition['phase'], round = 0): SessionPosition => ({ phase, round, step: 0, total: 1, rounds: 2 });

  it('maps every phase of the run to its step of the story', () => {
    expect(storyStepOf(null)).toBe('problem');
    expect(storyStepOf('base')).toBe('problem');
    expect(storyStepOf('sft')).toBe('stage-sft');
    expect(storyStepOf('rankings')).toBe('stage-reward');
    expect(storyStepOf('reward')).toBe('stage-reward');
    expect(storyStepOf('ppo')).toBe('stage-ppo');
    expect(storyStepOf('ptx')).toBe('stage-ppo');
    expect(storyStepOf('summary')).toBe('results');
    expect(storyStepOf('done')).toBe('results');
  });

  it('links each step to its section and marks where the run is, with the round inside the loop', () => {
    render(PipelineFigure, { props: { position: at('reward', 1), running: true } });
    const links = screen.getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(STORY_STEPS.map((s) => `#${s.id}`));
    const current = links.filter((a) => a.getAttribute('aria-current') === 'step');
    expect(current).toHaveLength(1);
    expect(current[0].textContent).toMatch(/Rankings and reward model\s*running, round 2 of 2/);
    // Steps before the current one read as done.
    expect(links.slice(0, 2).every((a) => a.parentElement!.classList.contains('past'))).toBe(true);
    expect(links[3].parentElement!.classList.contains('past')).toBe(false);
  });

  it('invites a new user to start at the problem', () => {
    render(PipelineFigure, { props: { position: null, running: false } });
    const current = screen.getAllByRole('link').find((a) => a.getAttribute('aria-current') === 'step')!;
    expect(current.getAttribute('href')).toBe('#problem');
    expect(current.textContent).toMatch(/start here/);
  });
});
