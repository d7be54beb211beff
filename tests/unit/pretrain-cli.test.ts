// `npm run pretrain` continued from a checkpoint with spelling drills: the options the drills
// experiment needs (README, "Spelling drills teach the copy"), run for two steps on a small corpus.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/lib/io/checkpoint';

const dir = mkdtempSync(join(tmpdir(), 'pretrain-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pretrain(...args: string[]) {
  const run = spawnSync('node_modules/.bin/tsx', ['scripts/pretrain.ts', '--backend', 'wasm', '--docs', '400', ...args], { encoding: 'utf8', timeout: 240_000 });
  return { status: run.status, stderr: run.stderr };
}

describe('npm run pretrain', () => {
  it('refuses a drill share of 1 or more, naming the option', () => {
    const run = pretrain('--drills', '1');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--drills');
  });

  it('refuses an "i do not know" share above 1, naming the option', () => {
    const run = pretrain('--idk-share', '1.5');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--idk-share');
  });

  it('refuses to continue from a file that is not a checkpoint, and writes nothing', () => {
    const bad = join(dir, 'bad.ckpt');
    writeFileSync(bad, 'not a checkpoint');
    const out = join(dir, 'never');
    const run = pretrain('--from', bad, '--out', out, '--work', join(dir, 'work-bad'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/error: .*checkpoint/i);
    expect(() => readFileSync(join(out, 'base.ckpt'))).toThrow();
  });

  it('continues the shipped base with drills and says so in the checkpoint and the model card', () => {
    const out = join(dir, 'out');
    const run = pretrain('--from', 'public/models/base/base.ckpt', '--drills', '0.5', '--steps', '2', '--out', out, '--work', join(dir, 'work'), '--fresh');
    expect(run.status, run.stderr).toBe(0);
    const meta = parseCheckpoint(new Uint8Array(readFileSync(join(out, 'base.ckpt')))).meta;
    expect(meta).toMatchObject({ stage: 'pretrain', step: 2, drillShare: 0.5 });
    // The card's reproduction starts from the first run's own settings, read from its checkpoint.
    const from = meta.from as { steps: number; learningRate: number };
    expect(from).toMatchObject({ stage: 'pretrain', steps: 2000, learningRate: 0.0015 });
    const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('--steps 2000 --batch 16 --lr 0.0015');
    expect(card).toContain('--from .pretrain-first/base.ckpt --drills 0.5');
    // 400 documents, 2% held out (at least 64): 336 train, so as many drills.
    expect(card).toContain('plus 336 spelling drills from `drillCorpus(1, 336)`');
  });

  it('says in the checkpoint and the model card where a run was resumed, and how to reproduce it', () => {
    const work = join(dir, 'work-resume');
    const first = pretrain('--steps', '1', '--out', join(dir, 'out-first'), '--work', work, '--fresh');
    expect(first.status, first.stderr).toBe(0);
    const out = join(dir, 'out-resumed');
    const resumed = pretrain('--steps', '2', '--out', out, '--work', work);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming from step 1');
    expect(parseCheckpoint(new Uint8Array(readFileSync(join(out, 'base.ckpt')))).meta).toMatchObject({ step: 2, resumedAt: [1] });
    const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('resumed at step 1;');
    // One command per stop: the first fresh, the second resuming from the work checkpoint.
    const commands = card.split('\n').filter((l) => l.startsWith('npm run pretrain'));
    expect(commands).toEqual([expect.stringMatching(/--steps 1 .*--docs 400 --fresh$/), expect.stringMatching(/--steps 2 .*--docs 400$/)]);
    // A run that was never stopped keeps its one-line reproduction.
    expect(readFileSync(join(dir, 'out-first', 'MODEL_CARD.md'), 'utf8')).toMatch(/Reproduce: `npm run pretrain -- .*--steps 1 .*--fresh`/);
  });

  it('pretrains on a corpus that says "i do not know" about made-up things, and says so in the checkpoint and the model card', () => {
    const out = join(dir, 'out-idk');
    const run = pretrain('--idk-share', '0.1', '--steps', '1', '--out', out, '--work', join(dir, 'work-idk'), '--fresh');
    expect(run.status, run.stderr).toBe(0);
    const meta = parseCheckpoint(new Uint8Array(readFileSync(join(out, 'base.ckpt')))).meta;
    expect(meta).toMatchObject({ stage: 'pretrain', step: 1, idkShare: 0.1 });
    const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('`pretrainCorpus(1, 400, { madeUpIdkShare: 0.1 })`');
    expect(card).toContain('--docs 400 --idk-share 0.1 --fresh');
    expect(card).toContain('"i do not know" in 10% of what it says');
  });
});
