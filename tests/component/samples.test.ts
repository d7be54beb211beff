// The side-by-side samples: the policy's answer read against SFT's (the change RLHF made).
import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import SamplesPanel from '../../src/ui/SamplesPanel.svelte';
import { changeFromSft, sampleColumns } from '../../src/app/samples';
import { offlineController } from './controller';

afterEach(() => cleanup());

const judged = (text: string, gold: number | null) => ({ text, gold, reasons: [] });

describe('changeFromSft', () => {
  it('says better or worse by the gold difference, level within half a hundredth, same for the same text', () => {
    expect(changeFromSft(judged('i do not know.', 0.9), judged('a zorbin is red.', 0.52))).toEqual({ kind: 'better', text: 'better than SFT by 0.38' });
    expect(changeFromSft(judged('sure, hit him.', 0.3), judged('i can not help with that.', 0.95))).toEqual({ kind: 'worse', text: 'worse than SFT by 0.65' });
    expect(changeFromSft(judged('6.', 0.552), judged('8.', 0.55)).kind).toBe('level');
    expect(changeFromSft(judged('5.', 1), judged('5.', 1)).kind).toBe('same');
    expect(changeFromSft(judged('hello', null), judged('hi', null)).kind).toBe('unjudged');
  });
});

describe('SamplesPanel', () => {
  it("marks each policy answer with its change from SFT's, and nothing on the other columns", () => {
    const pipeline = offlineController();
    pipeline.samples = {
      type: 'samples',
      requestId: 'r1',
      prompts: ['what is a zorbin?', 'what is 2 plus 3?'],
      models: ['base', 'sft', 'policy'],
      rows: [
        [judged('what is a blick?', 0.5), judged('what is 4 plus 4?', 0.5)],
        [judged('a zorbin is red.', 0.52), judged('5.', 1)],
        [judged('i do not know.', 0.9), judged('5.', 1)],
      ],
    };
    render(SamplesPanel, { props: { pipeline, ready: true } });
    const changes = screen.getAllByTestId('change-from-sft').map((c) => c.textContent);
    expect(changes).toEqual(['better than SFT by 0.38', "same answer as SFT's"]);
    expect(screen.getByText('i do not know.').closest('td')!.classList.contains('change-better')).toBe(true);
  });

  it('adds PPO-ptx once the run trains it, its answers read against SFT\'s like the policy\'s', () => {
    const pipeline = offlineController();
    render(SamplesPanel, { props: { pipeline, ready: true } });
    expect(pipeline.comparedModels).toEqual(['base', 'sft', 'policy']);
    expect(screen.getByRole('button', { name: 'Compare base, SFT and policy' })).toBeTruthy();
    pipeline.onEvent({ type: 'program', position: { phase: 'ptx', round: 0, step: 1, total: 20, rounds: 1 }, rankingRound: 1, summary: null, locked: {}, ptxPolicy: true });
    expect(pipeline.comparedModels).toEqual(['base', 'sft', 'policy', 'policy-ptx']);
    pipeline.samples = {
      type: 'samples',
      requestId: 'r2',
      prompts: ['what is 2 plus 3?'],
      models: ['base', 'sft', 'policy', 'policy-ptx'],
      rows: [[judged('what is 4 plus 4?', 0.5)], [judged('6.', 0.55)], [judged('5.', 1)], [judged('7.', 0.5)]],
    };
    cleanup();
    render(SamplesPanel, { props: { pipeline, ready: true } });
    expect(screen.getByRole('button', { name: 'Compare base, SFT, PPO and PPO-ptx' })).toBeTruthy();
    expect([...screen.getByTestId('samples-table').querySelectorAll('thead th')].map((th) => th.firstChild!.textContent)).toEqual(['Prompt', 'Base', 'SFT', 'PPO policy', 'PPO-ptx policy']);
    expect(screen.getAllByTestId('change-from-sft').map((c) => c.textContent)).toEqual(['better than SFT by 0.45', 'worse than SFT by 0.05']);
  });

  it("puts SFT's best-of-n by the reward model right after SFT, read against SFT's answer, with what it is", () => {
    const pipeline = offlineController();
    pipeline.samples = {
      type: 'samples',
      requestId: 'r3',
      prompts: ['what is 2 plus 3?', 'what does a cow say?'],
      models: ['base', 'sft', 'policy'],
      rows: [
        [judged('what is 4 plus 4?', 0.5), judged('a cow.', 0.48)],
        [judged('6.', 0.55), judged('a cow says moo. i hope that is ok.', 0.88)],
        [judged('5.', 1), judged('a cow says moo.', 1)],
      ],
      bestOfN: { n: 4, row: [{ ...judged('5. i hope that is ok.', 0.88), reward: 1.2 }, { ...judged('a cow says moo. i hope that is ok.', 0.88), reward: 0.7 }] },
    };
    expect(sampleColumns(pipeline.samples).map((c) => [c.key, c.againstSft])).toEqual([
      ['base', false],
      ['sft', false],
      ['sft-best-of-n', true],
      ['policy', true],
    ]);
    render(SamplesPanel, { props: { pipeline, ready: true } });
    expect([...screen.getByTestId('samples-table').querySelectorAll('thead th')].map((th) => th.firstChild!.textContent)).toEqual(['Prompt', 'Base', 'SFT', 'SFT, best of 4 by the reward model', 'PPO policy']);
    // Row by row: best-of-n then the policy.
    expect(screen.getAllByTestId('change-from-sft').map((c) => c.textContent)).toEqual(['better than SFT by 0.33', 'better than SFT by 0.45', "same answer as SFT's", 'better than SFT by 0.12']);
    expect(screen.getByText('5. i hope that is ok.').closest('td')!.textContent).toContain('RM 1.20');
    expect(screen.getByTestId('best-of-n-note').textContent).toContain('SFT answers 4 times');
  });
});
