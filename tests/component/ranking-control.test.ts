// RankingControl in jsdom: ranking by keyboard, buttons and drag and drop gives the exact tiers,
// flags and pairs; skip works; model text is shown as text, never parsed as HTML.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import RankingControl from '../../src/ui/ranking/RankingControl.svelte';
import { rankingPairs } from '../../src/lib/io/rankings';
import type { RankingResult } from '../../src/ui/ranking/ranking-state';

afterEach(() => cleanup());

const RESPONSES = ['5', 'i do not know', '2 + 3 = 5', '<b>five</b>'];

function setup(props: { onskip?: () => void; disabled?: boolean; responses?: string[] } = {}) {
  const onsubmit = vi.fn<(result: RankingResult) => void>();
  const utils = render(RankingControl, {
    props: { prompt: 'what is 2 + 3?', responses: props.responses ?? RESPONSES, onsubmit, ...props },
  });
  return { onsubmit, ...utils };
}

const card = (letter: string): HTMLElement => screen.getByRole('listitem', { name: new RegExp(`^Response ${letter},`) });
const shownLetters = (): string[] =>
  screen.getAllByRole('listitem').map((li) => /^Response (\w)/.exec(li.getAttribute('aria-label') ?? '')?.[1] ?? '?');
const announcer = (): HTMLElement => screen.getByTestId('ranking-announcer');

async function press(el: HTMLElement, key: string): Promise<void> {
  el.focus();
  await fireEvent.keyDown(el, { key });
  await tick();
}

describe('RankingControl', () => {
  it('ranks with the keyboard: 1 to the top, ArrowDown, t to tie, f to flag, Enter submits the exact tiers', async () => {
    const { onsubmit } = setup();
    expect(shownLetters()).toEqual(['A', 'B', 'C', 'D']);

    await press(card('C'), '1');
    expect(shownLetters()).toEqual(['C', 'A', 'B', 'D']);
    expect(announcer().textContent).toBe('Response C moved to rank 1.');
    expect(document.activeElement).toBe(card('C')); // focus follows the moved card

    await press(card('A'), 'ArrowDown');
    expect(shownLetters()).toEqual(['C', 'B', 'A', 'D']);
    expect(announcer().textContent).toMatch(/^Response A moved to rank 3 of 4/);

    await press(card('D'), 't');
    expect(card('D').getAttribute('aria-label')).toBe('Response D, rank 3 of 4, tied with response A');
    expect(within(card('D')).getByText('tied with above')).toBeTruthy();

    await press(card('B'), 'f');
    expect(card('B').getAttribute('aria-label')).toMatch(/, flagged$/);
    expect(screen.getByTestId('pair-count').textContent).toMatch(/5 comparisons/);

    await press(card('B'), 'Enter');
    expect(onsubmit).toHaveBeenCalledTimes(1);
    const result = onsubmit.mock.calls[0][0];
    expect(result).toEqual({ order: [[2], [1], [0, 3]], flagged: [1] });
    expect(rankingPairs(result)).toEqual([
      { chosen: 2, rejected: 1 },
      { chosen: 2, rejected: 0 },
      { chosen: 2, rejected: 3 },
      { chosen: 1, rejected: 0 },
      { chosen: 1, rejected: 3 },
    ]);
  });

  it('visible rank numbers follow ties (competition ranking)', async () => {
    setup();
    await press(card('C'), 't'); // C tied with B
    const ranks = screen.getAllByRole('listitem').map((li) => li.querySelector('.rank')?.textContent);
    expect(ranks).toEqual(['1', '2', '2', '4']);
  });

  it('the buttons do everything the keys do', async () => {
    const { onsubmit } = setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Move response D up' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Move response A down' }));
    expect(shownLetters()).toEqual(['B', 'A', 'D', 'C']);
    const tie = screen.getByRole('button', { name: 'Tie response C with the response above' });
    await fireEvent.click(tie);
    expect(tie.getAttribute('aria-pressed')).toBe('true');
    await fireEvent.click(screen.getByRole('button', { name: 'Flag response A' }));
    expect(screen.getByRole('button', { name: 'Move response B up' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Tie response B with the response above' })).toHaveProperty('disabled', true);
    await fireEvent.click(screen.getByRole('button', { name: 'Submit ranking' }));
    expect(onsubmit).toHaveBeenCalledWith({ order: [[1], [0], [3, 2]], flagged: [0] });
  });

  it('keys pressed on a card button belong to the button, not the card', async () => {
    const { onsubmit } = setup();
    const up = screen.getByRole('button', { name: 'Move response C up' });
    await fireEvent.keyDown(up, { key: 'Enter' });
    await fireEvent.keyDown(up, { key: '1' });
    expect(onsubmit).not.toHaveBeenCalled();
    expect(shownLetters()).toEqual(['A', 'B', 'C', 'D']);
  });

  it('drag and drop: dropping a card on another takes its place', async () => {
    const { onsubmit } = setup();
    await fireEvent.dragStart(card('D'));
    await fireEvent.dragOver(card('A'));
    expect(card('A').classList.contains('drop-target')).toBe(true);
    await fireEvent.drop(card('A'));
    expect(shownLetters()).toEqual(['D', 'A', 'B', 'C']);
    await fireEvent.dragStart(card('A'));
    await fireEvent.drop(card('C'));
    expect(shownLetters()).toEqual(['D', 'B', 'C', 'A']);
    await press(card('A'), 'Enter');
    expect(onsubmit).toHaveBeenCalledWith({ order: [[3], [1], [2], [0]], flagged: [] });
  });

  it('does not submit the random order shown until a person ranks, or keeps it on purpose', async () => {
    const { onsubmit } = setup();
    const submitButton = screen.getByRole('button', { name: 'Submit ranking' });
    expect(submitButton).toHaveProperty('disabled', true);
    await press(card('A'), 'Enter');
    expect(onsubmit).not.toHaveBeenCalled();
    expect(announcer().textContent).toMatch(/The order shown is random/);
    // Keeping the order shown is an explicit choice...
    await fireEvent.click(screen.getByRole('button', { name: 'Keep this order' }));
    expect(onsubmit).toHaveBeenCalledWith({ order: [[0], [1], [2], [3]], flagged: [] });
    // ... and once a card moved, Submit (and Enter) record the person's order.
    await press(card('B'), '1');
    expect(screen.queryByRole('button', { name: 'Keep this order' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Submit ranking' })).toHaveProperty('disabled', false);
    await press(card('B'), 'Enter');
    expect(onsubmit).toHaveBeenLastCalledWith({ order: [[1], [0], [2], [3]], flagged: [] });
  });

  it('refuses to submit a ranking with nothing to compare', async () => {
    const { onsubmit } = setup({ responses: ['a', 'b'] });
    await press(card('B'), 't');
    expect(screen.getByTestId('pair-count').textContent).toMatch(/0 comparisons/);
    expect(screen.getByRole('button', { name: 'Submit ranking' })).toHaveProperty('disabled', true);
    await press(card('B'), 'Enter');
    expect(onsubmit).not.toHaveBeenCalled();
    expect(announcer().textContent).toMatch(/nothing to compare/);
  });

  it('Skip (button and s key) calls onskip and never onsubmit', async () => {
    const onskip = vi.fn();
    const { onsubmit } = setup({ onskip });
    await fireEvent.click(screen.getByRole('button', { name: 'Skip' }));
    await press(card('B'), 's');
    expect(onskip).toHaveBeenCalledTimes(2);
    expect(onsubmit).not.toHaveBeenCalled();
  });

  it('without onskip there is no Skip button', () => {
    setup();
    expect(screen.queryByRole('button', { name: 'Skip' })).toBeNull();
  });

  it('disabled: keys, buttons and submit do nothing', async () => {
    const onskip = vi.fn();
    const { onsubmit } = setup({ disabled: true, onskip });
    await fireEvent.keyDown(card('C'), { key: '1' });
    await fireEvent.keyDown(card('C'), { key: 'Enter' });
    await fireEvent.click(screen.getByRole('button', { name: 'Submit ranking' }));
    expect(shownLetters()).toEqual(['A', 'B', 'C', 'D']);
    expect(onsubmit).not.toHaveBeenCalled();
    expect(onskip).not.toHaveBeenCalled();
  });

  it('shows markup in responses literally, as text', () => {
    const { container } = setup();
    expect(screen.getByText('<b>five</b>')).toBeTruthy();
    expect(container.querySelector('b')).toBeNull();
  });

  it('a new set of responses starts a fresh ranking', async () => {
    const { rerender } = setup();
    await press(card('D'), '1');
    expect(shownLetters()).toEqual(['D', 'A', 'B', 'C']);
    await rerender({ responses: ['x', 'y', 'z'] });
    expect(shownLetters()).toEqual(['A', 'B', 'C']);
  });

  it('new answers take the focus that fell to the page (after a submit), never focus held elsewhere', async () => {
    const { rerender } = setup();
    (document.activeElement as HTMLElement | null)?.blur();
    await rerender({ responses: ['x', 'y', 'z'] });
    await tick();
    await tick();
    expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Response A,/);
    const elsewhere = document.createElement('button');
    document.body.append(elsewhere);
    elsewhere.focus();
    await rerender({ responses: ['p', 'q'] });
    await tick();
    await tick();
    expect(document.activeElement).toBe(elsewhere);
    elsewhere.remove();
  });

  it('ties identical answers from the start, says so, and keeps them tied', async () => {
    const { onsubmit } = setup({ responses: ['5', 'six', '5', '2 + 3 = 5'] });
    expect(screen.getByTestId('identical-note').textContent).toBe('2 answers are identical and are tied: A = C.');
    expect(shownLetters()).toEqual(['A', 'C', 'B', 'D']);
    expect(card('C').getAttribute('aria-label')).toBe('Response C, rank 1 of 4, tied with response A');
    expect(screen.getByTestId('pair-count').textContent).toMatch(/5 comparisons/);

    await press(card('C'), 't');
    expect(announcer().textContent).toBe('Response C is identical to response A, so they stay tied.');
    expect(tiedWithAbove('C')).toBe(true);

    await press(card('A'), '4'); // the pair moves together
    expect(shownLetters()).toEqual(['B', 'D', 'A', 'C']);
    await press(card('A'), 'Enter');
    expect(onsubmit).toHaveBeenCalledWith({ order: [[1], [3], [0, 2]], flagged: [] });
  });

  it('all answers identical: nothing to compare, and it says why', async () => {
    const { onsubmit } = setup({ responses: ['5', '5', '5'] });
    expect(screen.getByTestId('identical-note').textContent).toBe('3 answers are identical and are tied: A = B = C.');
    expect(screen.getByTestId('pair-count').textContent).toMatch(/0 comparisons/);
    expect(screen.getByRole('button', { name: 'Submit ranking' })).toHaveProperty('disabled', true);
    await press(card('B'), 'Enter');
    expect(onsubmit).not.toHaveBeenCalled();
    expect(announcer().textContent).toBe('All responses are the same text, so there is nothing to compare. Skip this one.');
  });

  it('no note when the answers all differ', () => {
    setup();
    expect(screen.queryByTestId('identical-note')).toBeNull();
  });
});

function tiedWithAbove(letter: string): boolean {
  return card(letter).classList.contains('tied');
}
