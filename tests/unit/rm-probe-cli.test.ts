// `npm run rm-probe`: every family gets a row read from the saved models. The reward model here
// scores every answer alike (a scalar head of zeros and a bias of 0.25), so each of its columns
// must read 0.25 exactly and it can agree with gold on no pair whose gold differs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILIES } from '../../src/lib/world/types';
import { CONSTANT_REWARD, saveConstantRewardRun } from './saved-run';

const dir = mkdtempSync(join(tmpdir(), 'rm-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => saveConstantRewardRun(dir, { policy: false }));

describe('npm run rm-probe', () => {
  it('asks for the folder of saved models when none is given', () => {
    const run = spawnSync('node_modules/.bin/tsx', ['scripts/rm-probe.ts'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--dir');
  });

  it("reports each family from the saved reward model's scores", () => {
    const out = join(dir, 'probe.json');
    const run = spawnSync('node_modules/.bin/tsx', ['scripts/rm-probe.ts', '--dir', dir, '--backend', 'cpu', '--json', out], { encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(out, 'utf8')) as { family: string; hedges: number; rm_sft: number; rm_idk: number; rm_refusal: number; agreement: number; pairs: number }[];
    expect(rows.map((r) => r.family)).toEqual([...FAMILIES]);
    for (const r of rows) {
      for (const score of [r.rm_sft, r.rm_idk, r.rm_refusal]) expect(score, r.family).toBeCloseTo(CONSTANT_REWARD, 5);
      expect(r.hedges).toBeGreaterThanOrEqual(0);
      expect(r.hedges).toBeLessThanOrEqual(1);
      expect(r.pairs, r.family).toBeGreaterThan(0);
      expect(r.agreement, r.family).toBe(0);
    }
  });
});
