// The whole playground in a real Chromium on WebGPU (SwiftShader), with the tiny preset (a small
// fresh model, batches of 2, K=2, 8-token answers) so it runs in a few minutes: SFT, ranking with
// the keyboard, auto-ranking (both count toward the round's rankings), the reward model, two PPO
// iterations with charts and the run's summary, a refused setting, a reload that keeps the
// rankings and resumes the saved run, and rankings exported and imported into a fresh profile,
// with a malformed file refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertText, launchChromium, openBuiltApp, type ConsoleProblem, type LaunchedBrowser } from './browser';
import type { StaticServer } from './static-server';

const dist = join(import.meta.dirname, '..', '..', 'dist');
const READY_MS = 180_000;
const TRAIN_MS = 180_000;

let server: StaticServer;
let chromium: LaunchedBrowser;
let page: Page;
let problems: ConsoleProblem[];
let exported = '';

async function waitReady(p: Page): Promise<void> {
  await p.waitForFunction(() => document.querySelector('[data-testid="backend-badge"]')?.getAttribute('data-backend') === 'webgpu', null, {
    timeout: READY_MS,
  });
}

function stage(name: string): Locator {
  return page.locator(`li[data-stage="${name}"]`);
}

async function waitStage(name: string, state: string): Promise<void> {
  await page.waitForFunction(
    ([n, s]) => document.querySelector(`li[data-stage="${n}"]`)?.getAttribute('data-state') === s,
    [name, state] as const,
    { timeout: TRAIN_MS },
  );
}

async function counter(p: Page): Promise<{ human: string | null; simulated: string | null; comparisons: string | null }> {
  const c = p.getByTestId('ranking-counter');
  return {
    human: await c.getAttribute('data-human-rankings'),
    simulated: await c.getAttribute('data-simulated-rankings'),
    comparisons: await c.getAttribute('data-comparisons'),
  };
}

beforeAll(async () => {
  ({ server, browser: chromium, page, problems } = await openBuiltApp(dist));
  await page.goto(`${server.url}?preset=tiny&backend=webgpu&seed=3`);
  await waitReady(page);
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

describe('the playground pipeline (tiny preset) in Chromium on WebGPU', () => {
  it('refuses an emptied beta at the field, naming the rule, and keeps the run from starting', async () => {
    const beta = page.getByLabel('KL coefficient β');
    await beta.fill('');
    await expect(page.getByTestId('problem-beta').innerText()).resolves.toBe('Refused: beta must be a number >= 0 (got empty).');
    expect(await stage('sft').getByRole('button', { name: 'Start' }).isDisabled()).toBe(true);
    await beta.fill('0.2');
    expect(await page.getByTestId('problem-beta').count()).toBe(0);
    expect(await stage('sft').getByRole('button', { name: 'Start' }).isDisabled()).toBe(false);
  });

  it('runs SFT for a few steps', async () => {
    await stage('sft').getByRole('button', { name: 'Start' }).click();
    await waitStage('sft', 'done');
    expect(await page.getByTestId('sft-step').getAttribute('data-step')).toBe('3');
    expect(await alertText(page)).toBe('');
  });

  it('ranks one prompt with the keyboard and counts C(K,2) comparisons', async () => {
    await page.getByRole('button', { name: 'Get answers to rank' }).click();
    const first = page.locator('[data-response="0"]');
    await first.waitFor({ timeout: TRAIN_MS });
    await expect(page.getByTestId('rank-model').innerText()).resolves.toBe('Answers by the SFT model.');
    await first.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="ranking-counter"]')?.getAttribute('data-human-rankings') === '1');
    expect(await counter(page)).toEqual({ human: '1', simulated: '0', comparisons: '1' });
  });

  it('auto-ranks a few prompts with the simulated labeler', async () => {
    await page.getByRole('button', { name: /^Auto-rank 2 prompts/ }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="ranking-counter"]')?.getAttribute('data-simulated-rankings') === '2', null, {
      timeout: TRAIN_MS,
    });
    expect(await counter(page)).toEqual({ human: '1', simulated: '2', comparisons: '3' });
  });

  it('trains the reward model and reports its agreement with gold', async () => {
    await stage('reward').getByRole('button', { name: 'Start' }).click();
    await waitStage('reward', 'done');
    await page.getByTestId('rm-gold-agreement').waitFor({ timeout: TRAIN_MS });
    expect(await page.getByTestId('rm-eval').innerText()).toMatch(/Agreement with the gold judge on fresh samples: \d+% \([1-9]\d* pairs\)/);
  });

  it('runs two PPO iterations and charts reward, KL and win rate, then shows the run\'s summary', async () => {
    await stage('ppo').getByRole('button', { name: 'Start' }).click();
    await waitStage('ppo', 'done');
    await page.getByTestId('summary-sentence').waitFor({ timeout: TRAIN_MS });
    expect(await page.getByTestId('summary-sentence').innerText()).toMatch(/preferred to SFT's by the gold judge \d+% of the time/);
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-reward"]')?.getAttribute('data-points') === '2', null, { timeout: 30_000 });
    expect(await page.getByTestId('chart-reward').getAttribute('data-points')).toBe('2');
    expect(await page.getByTestId('chart-kl').getAttribute('data-points')).toBe('2');
    expect(Number(await page.getByTestId('chart-winrate').getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    await page.getByTestId('ppo-samples').waitFor();
    expect(await alertText(page)).toBe('');
    // The finished page (figure, cards, charts, results) fits a phone: nothing scrolls sideways.
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    if (viewport) await page.setViewportSize(viewport);
  });

  it("compares the models side by side, SFT's best of 4 by the reward model among them", async () => {
    await page.getByRole('button', { name: /^Compare base, SFT/ }).click();
    await page.getByTestId('samples-table').waitFor({ timeout: TRAIN_MS });
    const headers = await page.getByTestId('samples-table').locator('thead th').allInnerTexts();
    expect(headers.slice(0, 5)).toEqual(['Prompt', 'Base', 'SFT', 'SFT, best of 4 by the reward model', 'PPO policy']);
    expect(await page.getByTestId('samples-table').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('best-of-n-note').innerText()).toMatch(/SFT answers 4 times/);
    expect(await alertText(page)).toBe('');
  });

  it('after a reload the rankings are still there and the saved run resumes', async () => {
    await page.waitForTimeout(800); // the session record is saved half a second after a stage stops
    await page.reload();
    await waitReady(page);
    await page.getByTestId('resume-offer').waitFor({ timeout: 30_000 });
    const offer = await page.getByTestId('resume-offer').innerText();
    expect(offer).toMatch(/a saved run that finished \(round 1\)/);
    expect(offer).toMatch(/Your 3 rankings are kept/);
    expect(await counter(page)).toEqual({ human: '1', simulated: '2', comparisons: '3' });
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('notice').getByText(/Resumed the saved run: finished/).waitFor({ timeout: 60_000 });
    expect(await stage('ppo').getAttribute('data-state')).toBe('done');
    expect(await stage('sft').getAttribute('data-state')).toBe('done');
    expect(await stage('reward').getAttribute('data-state')).toBe('done');
    // The finished run's summary came back with it.
    expect(await page.getByTestId('summary-sentence').count()).toBe(1);
  });

  it('exports the rankings as JSON Lines', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export rankings (JSONL)' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^rlhf-playground-rankings-.*\.jsonl$/);
    exported = readFileSync(await file.path(), 'utf8');
    expect(exported.trim().split('\n')).toHaveLength(3);
  });

  it('logged no console errors and threw no page errors', () => {
    expect(problems).toEqual([]);
  });
});

describe('rankings in a fresh profile', () => {
  let fresh: LaunchedBrowser;
  let p: Page;

  beforeAll(async () => {
    fresh = await launchChromium();
    p = fresh.context.pages()[0] ?? (await fresh.context.newPage());
    await p.goto(`${server.url}?preset=tiny&backend=webgpu&seed=4`);
    await waitReady(p);
  });

  afterAll(async () => {
    await fresh?.close();
  });

  it('imports the exported file: the counts match', async () => {
    expect(exported).not.toBe('');
    expect(await counter(p)).toEqual({ human: '0', simulated: '0', comparisons: '0' });
    await p.getByTestId('rankings-import').setInputFiles({ name: 'rankings.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(exported) });
    await p.getByTestId('notice').getByText(/Imported 3 rankings/).waitFor({ timeout: 30_000 });
    expect(await counter(p)).toEqual({ human: '1', simulated: '2', comparisons: '3' });
    expect(await p.getByTestId('resume-offer').count()).toBe(0);
  });

  it('refuses a malformed file with the line and the problem, importing nothing', async () => {
    const [good] = exported.trim().split('\n');
    const bad = `${good.replace(/"id":"[^"]*"/, '"id":"new-one"')}\n{"prompt": "what is 1 + 1?", "responses": ["2"]\n`;
    await p.getByTestId('rankings-import').setInputFiles({ name: 'broken.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(bad) });
    await p.getByRole('alert').getByText(/broken\.jsonl/).waitFor({ timeout: 30_000 });
    const message = await alertText(p);
    expect(message).toMatch(/line 2/);
    expect(message).toMatch(/Nothing was imported/);
    expect(await counter(p)).toEqual({ human: '1', simulated: '2', comparisons: '3' });
  });
});
