// `npm run best-of-n`: best-of-n rows read from saved models. The reward model here scores every
// answer alike (a scalar head of zeros and a bias of 0.25), so its picks are random whatever n is:
// its row must not move with n, while picking by gold can only gain.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveConstantRewardRun } from './saved-run';

const dir = mkdtempSync(join(tmpdir(), 'best-of-n-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => saveConstantRewardRun(dir, { policy: true }));

interface Pick {
  win_rate: number;
  gold: number;
}

describe('npm run best-of-n', () => {
  it('asks for the folder of saved models when none is given', () => {
    const run = spawnSync('node_modules/.bin/tsx', ['scripts/best-of-n.ts'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--dir');
  });

  it('gains nothing by a reward model that scores every answer alike, and only gains by gold', () => {
    const out = join(dir, 'best-of-n.json');
    const run = spawnSync('node_modules/.bin/tsx', ['scripts/best-of-n.ts', '--dir', dir, '--backend', 'cpu', '--n', '4', '--json', out], { encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { rm_gold_agreement: number; rm_gold_pairs: number; rows: { n: number; kl_bound: number; reward_model: Pick; gold_judge: Pick }[]; ppo: Pick | null };
    const rows = result.rows;
    expect(rows.map((r) => r.n)).toEqual([1, 2, 4]);
    expect(rows.map((r) => r.kl_bound)).toEqual([0, Math.log(2) - 0.5, Math.log(4) - 0.75].map((k) => expect.closeTo(k, 9)));
    // One answer drawn: both scorers pick the same (any) answer.
    expect(rows[0].gold_judge.win_rate).toBeCloseTo(rows[0].reward_model.win_rate, 12);
    for (const r of rows) {
      expect(r.reward_model.win_rate, `n=${r.n}`).toBeCloseTo(rows[0].reward_model.win_rate, 9);
      expect(r.reward_model.gold, `n=${r.n}`).toBeCloseTo(rows[0].reward_model.gold, 9);
    }
    // Picking by gold: each doubling of n keeps gold and the win rate at least as high, and an
    // untrained model's answers differ enough for best of 4 to gain.
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i].gold_judge.gold).toBeGreaterThanOrEqual(rows[i - 1].gold_judge.gold - 1e-12);
      expect(rows[i].gold_judge.win_rate).toBeGreaterThanOrEqual(rows[i - 1].gold_judge.win_rate - 1e-12);
    }
    expect(rows[2].gold_judge.win_rate).toBeGreaterThan(rows[0].gold_judge.win_rate + 0.02);
    // A reward model that ties every pair agrees with gold on none of those gold tells apart.
    expect(result.rm_gold_pairs).toBeGreaterThan(0);
    expect(result.rm_gold_agreement).toBe(0);
    expect(result.ppo).not.toBeNull();
    expect(result.ppo!.win_rate).toBeGreaterThanOrEqual(0);
    expect(result.ppo!.win_rate).toBeLessThanOrEqual(1);
    expect(run.stdout).toContain('best of n');
  });
});
