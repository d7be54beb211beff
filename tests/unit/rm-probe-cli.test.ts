// `npm run rm-probe`: every family gets a row read from the saved models. The reward model here
// scores every answer alike (a scalar head of zeros and a bias of 0.25), so each of its columns
// must read 0.25 exactly and it can agree with gold on no pair whose gold differs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT } from '../../src/lib/model';
import { VOCAB_SIZE } from '../../src/lib/tokenizer';
import { FAMILIES } from '../../src/lib/world/types';
import { saveModelFile } from '../../scripts/lib/models';

const dir = mkdtempSync(join(tmpdir(), 'rm-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await tf.setBackend('cpu');
  const config = { vocabSize: VOCAB_SIZE, contextLength: 40, nLayer: 1, nHead: 1, dModel: 8 };
  const sft = GPT.create(config, 1);
  const rm = GPT.create(config, 2);
  rm.weights.get('scalar.w')?.assign(tf.zeros(rm.weights.get('scalar.w')!.shape));
  rm.weights.get('scalar.b')?.assign(tf.fill(rm.weights.get('scalar.b')!.shape, 0.25));
  await saveModelFile(join(dir, 'sft.ckpt'), sft, { stage: 'sft' });
  await saveModelFile(join(dir, 'rm.ckpt'), rm, { stage: 'rm' });
  sft.dispose();
  rm.dispose();
});

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
      for (const score of [r.rm_sft, r.rm_idk, r.rm_refusal]) expect(score, r.family).toBeCloseTo(0.25, 5);
      expect(r.hedges).toBeGreaterThanOrEqual(0);
      expect(r.hedges).toBeLessThanOrEqual(1);
      expect(r.pairs, r.family).toBeGreaterThan(0);
      expect(r.agreement, r.family).toBe(0);
    }
  });
});
