// The whole run's bar: the page's estimate before a run (from the worker's speed measurement), the
// speed re-measured on the run itself, and what the bar says as the run goes.
import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import RunProgress from '../../src/ui/pipeline/RunProgress.svelte';
import { durationInWords } from '../../src/app/pipeline.svelte';
import { DEFAULT_PRESET } from '../../src/app/presets';
import { REFERENCE_COSTS, planRun } from '../../src/lib/rlhf/estimate';
import type { SessionPosition } from '../../src/lib/rlhf/session';
import type { ProgramEvent } from '../../src/worker/protocol';
import { offlineController } from './controller';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const program = (position: SessionPosition): ProgramEvent => ({ type: 'program', position, rankingRound: 0, summary: null, locked: {}, ptxPolicy: false });
const referenceTotal = () => planRun(DEFAULT_PRESET.settings).reduce((a, p) => a + p.ms, 0);

describe('durationInWords', () => {
  it('rounds as a person would say it', () => {
    expect(durationInWords(400)).toBe('under a second');
    expect(durationInWords(40_000)).toBe('40 s');
    expect(durationInWords(8 * 60_000)).toBe('8 min');
    expect(durationInWords(130 * 60_000)).toBe('2 h 10 min');
  });
});

describe('the whole-run estimate', () => {
  it('is unknown until the worker measured the device, then scales the reference run by it', () => {
    const p = offlineController();
    expect(p.speedFactor).toBeNull();
    expect(p.estimate).toBeNull();
    p.onSpeed(REFERENCE_COSTS.calibrationMsPerAnswer * 3);
    expect(p.speedFactor).toBeCloseTo(3, 9);
    expect(p.estimate!.msTotal).toBeCloseTo(referenceTotal() * 3, 6);
    expect(p.estimate!.fraction).toBe(0);
  });

  it('re-measures the speed on the run itself once 5 s of its work has been watched', () => {
    const p = offlineController();
    p.onSpeed(REFERENCE_COSTS.calibrationMsPerAnswer); // the quick measurement says: as fast as the reference
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const sft = { phase: 'sft' as const, round: 0, step: 0, total: 600, rounds: 2 };
    p.onEvent(program(sft));
    p.onEvent({ type: 'stageState', stage: 'sft', state: 'training', step: 0, target: 600 });
    // 50 SFT steps took three times their reference work in wall time: this device is 3x slower.
    const fiftySteps = 50 * REFERENCE_COSTS.msPerSftStep;
    now = 3 * fiftySteps;
    p.onEvent({ type: 'stageState', stage: 'sft', state: 'training', step: 50, target: 600 });
    expect(p.speedFactor).toBeCloseTo(3, 9);
    expect(p.estimate!.msLeft).toBeCloseTo((referenceTotal() - planRun(DEFAULT_PRESET.settings)[0].ms - fiftySteps) * 3, 3);
    // A pause stops the clock: time spent paused is not counted as work.
    p.onEvent({ type: 'stageState', stage: 'sft', state: 'paused', step: 50, target: 600 });
    now = 1_000_000;
    p.onEvent({ type: 'stageState', stage: 'sft', state: 'training', step: 50, target: 600 });
    // The next 50 took just their reference work: (3 + 1) / 2 over the 100 steps watched.
    now = 1_000_000 + fiftySteps;
    p.onEvent({ type: 'stageState', stage: 'sft', state: 'training', step: 100, target: 600 });
    expect(p.speedFactor).toBeCloseTo(2, 9);
  });
});

describe('RunProgress', () => {
  it('says how long the run takes before it starts, and how much slower this device is', () => {
    render(RunProgress, { props: { estimate: { fraction: 0, msLeft: 24 * 60_000, msTotal: 24 * 60_000 }, speedFactor: 3, started: false, finished: false, running: false } });
    expect(screen.getByTestId('run-estimate').textContent!.replace(/\s+/g, ' ')).toMatch(/takes about 24 min on this device \(measured: 3\.0 times slower than the 2-core laptop .* where it takes 8 min\)/);
    expect(screen.queryByRole('note')).toBeNull();
  });

  it('shows one bar with the time left while it runs, and warns on a very slow device', () => {
    render(RunProgress, { props: { estimate: { fraction: 0.25, msLeft: 90 * 60_000, msTotal: 120 * 60_000 }, speedFactor: 15, started: true, finished: false, running: true, backend: 'webgpu' } });
    const bar = screen.getByRole('progressbar', { name: 'Whole run progress' }) as HTMLProgressElement;
    expect(bar.value).toBeCloseTo(0.25, 9);
    expect(screen.getByTestId('run-estimate').textContent).toBe('25% · about 1 h 30 min left');
    expect(screen.getByRole('note').textContent).toMatch(/about 15 times slower.*choose WebAssembly \(CPU\) under "Run on"/s);
  });

  it('on wasm, advises a shorter run rather than another backend', () => {
    render(RunProgress, { props: { estimate: { fraction: 0, msLeft: 60 * 60_000, msTotal: 60 * 60_000 }, speedFactor: 7.5, started: false, finished: false, running: false, backend: 'wasm' } });
    expect(screen.getByRole('note').textContent).toMatch(/about 8 times slower.*Fewer rounds or rankings/s);
    expect(screen.getByRole('note').textContent).not.toMatch(/Run on/);
  });

  it('says it is measuring before the speed is known', () => {
    render(RunProgress, { props: { estimate: null, speedFactor: null, started: false, finished: false, running: false } });
    expect(screen.getByTestId('run-estimate').textContent).toMatch(/Measuring how fast this device runs the model/);
  });
});
