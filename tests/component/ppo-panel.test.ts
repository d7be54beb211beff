// The PPO charts as a student reads them: three story charts (reward beside gold, KL, win rate),
// smoothing on, a marked start of each round, the rest under "More metrics".
import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import PpoPanel from '../../src/ui/PpoPanel.svelte';
import { PipelineController } from '../../src/app/pipeline.svelte';
import { offlineController } from './controller';

afterEach(() => cleanup());

function withPpoPoints(): PipelineController {
  const pipeline = offlineController();
  // Two iterations of round 0, two of round 1; held-out gold at the end of each round.
  const point = (step: number, round: number, extra: Record<string, number> = {}) => ({ step, values: { 'objective/scores': 0.1 * step, 'objective/kl': step, round, ...extra } });
  pipeline.onEvent({
    type: 'metrics',
    stage: 'ppo',
    points: [point(1, 0), point(2, 0, { 'eval/gold_score': 0.61, 'eval/win_rate': 0.52 }), point(3, 1), point(4, 1, { 'eval/gold_score': 0.64, 'eval/win_rate': 0.55 })],
  });
  return pipeline;
}

describe('PpoPanel', () => {
  it('tells PPO in three charts, reward beside gold, with the start of round 2 marked', () => {
    render(PpoPanel, { props: { pipeline: withPpoPoints(), ready: true } });
    const story = [...document.querySelectorAll('.story figure')].map((f) => f.getAttribute('data-testid'));
    expect(story).toEqual(['chart-reward', 'chart-kl', 'chart-winrate']);
    // Reward model score on every iteration, gold at each held-out evaluation, in one chart.
    expect(screen.getByTestId('chart-reward').getAttribute('data-points-all')).toBe('4,2');
    expect(screen.getByTestId('chart-reward-summary').textContent).toMatch(/gold score \(held-out\): 2 points, last 0\.640 at step 4; round 2 at step 3$/);
    expect(screen.getByTestId('chart-kl-summary').textContent).toMatch(/round 2 at step 3$/);
    // The other metrics wait, closed, under "More metrics".
    const more = screen.getByText("More metrics (TRL's names)").closest('details')!;
    expect(more.open).toBe(false);
    expect(more.querySelector('[data-testid="chart-entropy"]')).not.toBeNull();
  });

  it('draws PPO-ptx, trained beside PPO, as dashed lines of the same quantities, and only when it ran', () => {
    const pipeline = withPpoPoints();
    const ptx = (step: number, extra: Record<string, number> = {}) => ({ step, values: { 'ptx/objective/scores': 0.05 * step, 'ptx/objective/kl': 2 * step, round: 0, ...extra } });
    pipeline.onEvent({ type: 'metrics', stage: 'ppo', points: [ptx(1), ptx(2, { 'ptx/eval/gold_score': 0.6, 'ptx/eval/win_rate': 0.51 })] });
    render(PpoPanel, { props: { pipeline, ready: true } });
    // PPO's reward and gold, then PPO-ptx's.
    expect(screen.getByTestId('chart-reward').getAttribute('data-points-all')).toBe('4,2,2,1');
    expect(screen.getByTestId('chart-reward-summary').textContent).toMatch(/PPO-ptx reward model score: 2 points, last 0\.100 at step 2; PPO-ptx gold score: 1 point, last 0\.600 at step 2/);
    expect(screen.getByTestId('chart-kl-summary').textContent).toMatch(/PPO-ptx KL: 2 points, last 4\.000 at step 2/);
    expect(screen.getByTestId('chart-winrate-summary').textContent).toMatch(/PPO-ptx win rate: 1 point, last 0\.510 at step 2/);
    // Its evaluation is not PPO's latest.
    expect(pipeline.latestEvaluation).toEqual({ winRate: 0.55, gold: 0.64, step: 4, round: 1 });
    cleanup();
    render(PpoPanel, { props: { pipeline: withPpoPoints(), ready: true } });
    expect(screen.getByTestId('chart-kl-summary').textContent).not.toMatch(/PPO-ptx/);
  });

  it('keeps the latest held-out evaluation for the results panel', () => {
    expect(withPpoPoints().latestEvaluation).toEqual({ winRate: 0.55, gold: 0.64, step: 4, round: 1 });
  });

  it('after a reload with PPO done, says why the latest rollouts are missing and where to look instead', () => {
    const pipeline = withPpoPoints();
    pipeline.onEvent({ type: 'stageState', stage: 'ppo', state: 'done', step: 20, target: 20 });
    render(PpoPanel, { props: { pipeline, ready: true } });
    expect(screen.getByTestId('ppo-samples-none').textContent).toMatch(/not kept when the page reloads.*compare the models side by side/s);
  });

  it('smooths by default', () => {
    render(PpoPanel, { props: { pipeline: withPpoPoints(), ready: true } });
    const slider = screen.getByLabelText('Smoothing') as HTMLInputElement;
    expect(Number(slider.value)).toBeCloseTo(0.6, 9);
  });
});
