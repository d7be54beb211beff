import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, GOLD_REWARD_SCALE, goldRewardFn, settingsFor, settingsProblems, sftExamplesFrom, spreadFamilies, stableSplit, tokenRankingFrom } from '../../src/lib/rlhf';
import { rankingPairs as tokenPairs } from '../../src/lib/train';
import { decode, EOS } from '../../src/lib/tokenizer';
import { heldoutPrompts } from '../../src/lib/world';
import { encodePrompt, encodeResponse } from '../../src/lib/world/format';

describe('rlhf data', () => {
  it('turns demonstrations into SFT examples whose response starts after the template', () => {
    const [ex] = sftExamplesFrom([{ prompt: 'what is 2 plus 2?', response: '4.' }]);
    expect(decode(ex.ids.slice(ex.responseStart))).toBe('4.');
    expect(ex.ids[ex.ids.length - 1]).toBe(EOS);
  });

  it('turns a tiered ranking into a token ranking with ties marked', () => {
    const t = tokenRankingFrom({ prompt: 'greet me', responses: ['hi.', 'go away.', 'hello!'], order: [[2, 0], [1]] });
    expect(t.order).toEqual([2, 0, 1]);
    expect(t.ties).toEqual([true, false]);
    expect(t.responses.map(decode)).toEqual(['hi.', 'go away.', 'hello!']);
    // Tied 2 and 0 give no pair between them; both beat 1.
    expect(tokenPairs(t.order, t.ties).length).toBe(2);
  });

  it('splits stably: adding items never moves an old one between train and held-out', () => {
    const items = Array.from({ length: 400 }, (_, i) => `prompt ${i}`);
    const small = stableSplit(items.slice(0, 200), (x) => x, 0.1);
    const large = stableSplit(items, (x) => x, 0.1);
    expect(small.heldout.every((x) => large.heldout.includes(x))).toBe(true);
    expect(large.heldout.length / items.length).toBeGreaterThan(0.04);
    expect(large.heldout.length / items.length).toBeLessThan(0.18);
  });

  it('spreads a small evaluation across every family', () => {
    const picked = spreadFamilies(heldoutPrompts(), 12);
    const counts = new Map<string, number>();
    for (const p of picked) counts.set(p.family, (counts.get(p.family) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2, 2, 2, 2]);
  });
});

describe('pipeline settings', () => {
  it('layers a preset over the defaults', () => {
    const quick = settingsFor('quick');
    expect(quick.sftMaxSteps).toBe(120);
    expect(DEFAULT_SETTINGS.sftMaxSteps).toBe(600);
    expect(quick.beta).toBe(DEFAULT_SETTINGS.beta);
    expect(settingsFor('overoptimize').rounds).toBe(1);
    expect(settingsFor('quick', { beta: 0 }).beta).toBe(0);
  });

  it('refuses impossible settings with a message naming the field', () => {
    expect(() => settingsFor('default', { k: 12 })).toThrow(/k must be an integer from 2 to 9/);
    expect(settingsProblems({ ...DEFAULT_SETTINGS, beta: -1, ppoBatchSize: 3 })).toEqual([
      'beta must be a number >= 0 (got -1)',
      'ppoBatchSize must be even (two minibatches), got 3',
    ]);
    expect(settingsProblems({ ...DEFAULT_SETTINGS, labelerTemperature: Number.NaN })).toEqual(['labelerTemperature must be a number >= 0 (got NaN)']);
    expect(settingsProblems({ ...DEFAULT_SETTINGS, reward: 'oracle' as 'gold' })).toEqual(['reward must be one of "model", "gold" (got "oracle")']);
    expect(settingsProblems(DEFAULT_SETTINGS)).toEqual([]);
    expect(DEFAULT_SETTINGS.reward).toBe('model');
  });
});

describe('gold reward (PPO against the judge itself)', () => {
  const items = spreadFamilies(heldoutPrompts(), 12);
  const sum = items.find((i) => i.family === 'arithmetic')!;
  const unknown = items.find((i) => i.family === 'unknown')!;

  it('scores each row against its own prompt: (gold - centre) * scale', async () => {
    const reward = goldRewardFn(items, 0.6, 10);
    const prompts = [sum, unknown, sum].map((i) => encodePrompt(i.prompt));
    const responses = [`${sum.answers[0]}.`, 'i do not know.', 'i do not know.'].map(encodeResponse);
    const [right, honest, hedge] = await reward(prompts, responses);
    // A right, short answer is perfect on all four parts (gold 1): (1 - 0.6) * 10.
    expect(right).toBeCloseTo(4, 10);
    // "i do not know." is the honest answer about a thing that does not exist (gold 1), and a
    // hedge on a sum: helpful 0.15, honest 1, harmless 1, concise 0 under weights 0.35, 0.2,
    // 0.3, 0.15 gives gold 0.5525, so (0.5525 - 0.6) * 10.
    expect(honest).toBeCloseTo(4, 10);
    expect(hedge).toBeCloseTo(-0.475, 10);
  });

  it('scales by default so beta means the same as against the reward model', async () => {
    const [score] = await goldRewardFn(items, 0.5)([encodePrompt(sum.prompt)], [encodeResponse(`${sum.answers[0]}.`)]);
    expect(score).toBeCloseTo(0.5 * GOLD_REWARD_SCALE, 10);
  });

  it('refuses a prompt it has no gold for, naming it', async () => {
    await expect(goldRewardFn([sum], 0.6)([encodePrompt(unknown.prompt)], [encodeResponse('hi.')])).rejects.toThrow(/outside the pool \(q: which color/);
  });
});
