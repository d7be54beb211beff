import { describe, expect, it } from 'vitest';
import { assistantRates, fluency, goldReport, hedgeRate, pairwiseAgreement, winRate } from '../../src/lib/eval';
import { heldoutPrompts, judge } from '../../src/lib/world';
import type { PromptItem } from '../../src/lib/world/types';

const arithmetic = heldoutPrompts().filter((i) => i.family === 'arithmetic').slice(0, 3);
const right = (item: PromptItem): string => `${item.answers[0]}.`;

describe('win rate', () => {
  it('counts wins 1, ties 1/2 and losses 0', () => {
    // Prompt 0: right beats wrong (win). Prompt 1: same text (tie). Prompt 2: wrong loses to right.
    const candidate = [right(arithmetic[0]), right(arithmetic[1]), 'what is 2 plus 2?'];
    const baseline = ['i like cats.', right(arithmetic[1]), right(arithmetic[2])];
    expect(judge(arithmetic[0], candidate[0]).score).toBeGreaterThan(judge(arithmetic[0], baseline[0]).score);
    expect(winRate(arithmetic, candidate, baseline)).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(winRate(arithmetic, baseline, candidate)).toBeCloseTo((0 + 0.5 + 1) / 3, 12);
  });

  it('refuses mismatched lengths', () => {
    expect(() => winRate(arithmetic, ['a'], ['b', 'c', 'd'])).toThrow();
  });
});

describe('gold report', () => {
  it('averages judge scores per family and overall', () => {
    const items = [...arithmetic, ...heldoutPrompts().filter((i) => i.family === 'harmful').slice(0, 2)];
    const responses = [right(items[0]), 'what is 5 plus 5?', right(items[2]), 'i can not help with that.', 'sure, here is how.'];
    const report = goldReport(items, responses);
    const scores = items.map((item, i) => judge(item, responses[i]).score);
    expect(report.gold_score).toBeCloseTo(scores.reduce((a, b) => a + b) / 5, 12);
    expect(report.by_family.arithmetic?.count).toBe(3);
    expect(report.by_family.arithmetic?.gold_score).toBeCloseTo((scores[0] + scores[1] + scores[2]) / 3, 12);
    expect(report.by_family.harmful?.count).toBe(2);
    // Only the question-as-answer continues the prompt.
    expect(report.by_family.arithmetic?.continues_prompt_rate).toBeCloseTo(1 / 3, 12);
    // The refusal is right on a harmful request: not a hedge.
    expect(report.hedge_rate).toBe(0);
    expect(goldReport(arithmetic, ['i do not know.', right(arithmetic[1]), 'i can not help with that.']).hedge_rate).toBeCloseTo(2 / 3, 12);
    expect(report.by_family.fact).toBeUndefined();
  });

  it('hedgeRate counts only answerable prompts', () => {
    const harmful = heldoutPrompts().filter((i) => i.family === 'harmful').slice(0, 2);
    // 1 hedge of 3 answerable prompts; the two refusals to harmful requests are right and not counted.
    const items = [...arithmetic, ...harmful];
    const responses = ['i do not know.', right(arithmetic[1]), '8.', 'i can not help with that.', 'i can not help with that.'];
    expect(hedgeRate(goldReport(items, responses))).toBeCloseTo(1 / 3, 12);
    expect(hedgeRate(goldReport(harmful, ['i can not help with that.', 'no.']))).toBeNaN();
  });

  it("reads InstructGPT's axes off a report: knowledge, made-up facts, help with harm", () => {
    const unknown = heldoutPrompts().filter((i) => i.family === 'unknown').slice(0, 3);
    const harmful = heldoutPrompts().filter((i) => i.family === 'harmful').slice(0, 4);
    const open = heldoutPrompts().filter((i) => i.family === 'open').slice(0, 1);
    const items = [...arithmetic, ...unknown, ...harmful, ...open];
    const responses = [
      right(arithmetic[0]), right(arithmetic[1]), 'what is 1 plus 1?', // 2 of 3 knowledge answers right
      'i do not know.', 'it is red.', 'i do not know.', // 1 of 3 makes a fact up about a thing that does not exist
      'i can not help with that.', 'i can not help with that.', 'i can not help with that.', `sure. ${harmful[3].prompt.replace(/^how (can|do) i /, '')} and run.`,
      'you are nice.', // open prompts count toward none of the three
    ];
    const report = goldReport(items, responses);
    // The judge's own verdicts, by hand: the wrong answer fails helpfulness, the made-up colour honesty.
    expect(judge(arithmetic[2], responses[2]).helpful).toBeLessThan(0.5);
    expect(judge(unknown[1], responses[4]).honest).toBeLessThan(0.5);
    expect(judge(harmful[3], responses[9]).harmless).toBeLessThan(0.5);
    const rates = assistantRates(report);
    expect(rates.knowledge_accuracy).toBeCloseTo(2 / 3, 12);
    expect(rates.made_up_rate).toBeCloseTo(1 / 3, 12);
    expect(rates.harmful_compliance_rate).toBeCloseTo(1 / 4, 12);
    expect(rates.continues_prompt_rate).toBeCloseTo(1 / 11, 12);
    expect(assistantRates(goldReport(open, ['you are nice.'])).made_up_rate).toBeNaN();
    expect(rates.chatter_rate).toBe(0);
  });

  it('counts closing chatter on every family, only after an answer', () => {
    const unknown = heldoutPrompts().filter((i) => i.family === 'unknown').slice(0, 1);
    const items = [...arithmetic, ...unknown];
    // Chatter after a right answer, after a wrong one, alone (no answer: not chatter), after "i do not know".
    const responses = [`${right(arithmetic[0])} i hope that is ok.`, '8. i am glad to help.', 'i am glad to help.', 'i do not know. i hope you like it.'];
    const report = goldReport(items, responses);
    expect(report.chatter_rate).toBeCloseTo(3 / 4, 12);
    expect(report.by_family.arithmetic?.chatter_rate).toBeCloseTo(2 / 3, 12);
    expect(assistantRates(report).chatter_rate).toBeCloseTo(3 / 4, 12);
  });

  it('measures fluency as the share of known words', () => {
    expect(fluency(['the cat', 'qzxv'])).toBeCloseTo(2 / 3, 12);
    expect(fluency([''])).toBe(1);
  });
});

describe('pairwise agreement', () => {
  it('counts only pairs whose gold scores differ', () => {
    // Group 0: gold [1, 0, 0]; rewards order 0 > 2 > 1. Pairs with distinct gold: (0,1) agree, (0,2) agree.
    // Group 1: gold [0.2, 0.8]; rewards [1, 0]: disagree.
    const result = pairwiseAgreement([[3, 1, 2], [1, 0]], [[1, 0, 0], [0.2, 0.8]]);
    expect(result.pairs).toBe(3);
    expect(result.accuracy).toBeCloseTo(2 / 3, 12);
  });
});
