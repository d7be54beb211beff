import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, GOLD_REWARD_SCALE, goldRewardFn, labelSamples, rankingsDetail, settingsFor, settingsProblems, sftExamplesFrom, spreadFamilies, stableSplit, tokenRankingFrom } from '../../src/lib/rlhf';
import { tokenRankingPairs, tokenRankingTiers } from '../../src/lib/train/reward';
import { rankingPairs, toPairwiseJsonl, type Ranking } from '../../src/lib/io/rankings';
import { decode, EOS } from '../../src/lib/tokenizer';
import { heldoutPrompts, parsePrompt } from '../../src/lib/world';
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
    // The tiers come back intact, and they are what the reward model's pairs come from: tied 2
    // and 0 give no pair between them; both beat 1.
    expect(tokenRankingTiers(t)).toEqual([[2, 0], [1]]);
    expect(tokenRankingPairs(t)).toEqual([
      { chosen: 2, rejected: 1 },
      { chosen: 0, rejected: 1 },
    ]);
  });

  it('a token ranking never pairs answers that encode alike (same text, or differing only in case)', () => {
    const t = tokenRankingFrom({ prompt: 'greet me', responses: ['hi.', 'go away.', 'Hi.'], order: [[0], [1], [2]] });
    expect(tokenRankingPairs(t)).toEqual([
      { chosen: 0, rejected: 1 },
      { chosen: 1, rejected: 2 },
    ]);
  });

  it('refuses an invalid order, naming the prompt', () => {
    expect(() => tokenRankingFrom({ prompt: 'greet me', responses: ['hi.', 'yo.'], order: [[0], [0]] })).toThrow(
      /^the ranking of "greet me": 'order' lists response 0 more than once$/,
    );
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

  it('counts every ranking so far by who made it, not the last step', () => {
    const ranking = (source: 'human' | 'simulated') => ({ source }) as Ranking;
    const all = [...Array.from({ length: 300 }, () => ranking('simulated')), ...Array.from({ length: 20 }, () => ranking('human'))];
    expect(rankingsDetail(all)).toBe('320 rankings so far (300 by the simulated labeler, 20 by people)');
    expect(rankingsDetail(all.slice(0, 301))).toBe('301 rankings so far (300 by the simulated labeler, 1 by a person)');
    expect(rankingsDetail(all.slice(0, 32))).toBe('32 rankings so far (32 by the simulated labeler)');
  });
});

describe('simulated rankings (labelSamples, what collectSimulatedRankings returns)', () => {
  const items = ['what is 3 plus 4?', 'what is 2 plus 2?', 'what is 5 plus 1?'].map((p) => parsePrompt(p)!);
  // Duplicates, all-identical sets and equally good but different answers, as a model's samples.
  const samples = [
    ['7.', '7.', '9.', '7.'],
    ['4.', '4.', '4.', '4.'],
    ['6.', '6', 'six.', '6.'],
  ];
  const options = { round: 0, modelName: 'sft' };

  it('over many seeds, never yields a pair with chosen == rejected', () => {
    let pairs = 0;
    for (let seed = 0; seed < 200; seed++) {
      const rankings = labelSamples(items, samples, { ...options, seed, labelerTieGap: seed % 2 === 0 ? 0 : 0.05 });
      for (const r of rankings) {
        // The tiers alone (no text check) must already keep identical answers together.
        for (const { chosen, rejected } of rankingPairs({ order: r.order })) {
          expect(r.responses[chosen]).not.toBe(r.responses[rejected]);
          pairs++;
        }
      }
      for (const l of toPairwiseJsonl(rankings).trimEnd().split('\n')) {
        const { chosen, rejected } = JSON.parse(l) as { chosen: string; rejected: string };
        expect(chosen).not.toBe(rejected);
      }
    }
    expect(pairs).toBeGreaterThan(200 * 5); // the other two prompts do give pairs
  });

  it('K copies of one answer come back as one all-tied ranking, which gives no pair', () => {
    for (let seed = 0; seed < 50; seed++) {
      const [, same] = labelSamples(items, samples, { ...options, seed });
      expect(same).toMatchObject({ prompt: 'what is 2 plus 2?', responses: ['4.', '4.', '4.', '4.'], order: [[0, 1, 2, 3]], source: 'simulated' });
      expect(rankingPairs(same)).toEqual([]);
    }
  });
});

describe('pipeline settings', () => {
  it('layers a preset over the defaults', () => {
    const quick = settingsFor('quick');
    expect(quick.evalEvery).toBe(20);
    expect(DEFAULT_SETTINGS.evalEvery).toBe(10);
    expect(quick.beta).toBe(DEFAULT_SETTINGS.beta);
    expect(settingsFor('overoptimize').beta).toBe(0);
    expect(settingsFor('overoptimize').ppoIterations).toBe(60);
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
