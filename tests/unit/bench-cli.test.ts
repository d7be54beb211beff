// `npm run bench` on wasm, small: every key it reports is there and means what it says (figures
// are not checked against a time; speed is the bench's to measure, never a test's). The WebGPU
// dispatch counts are exercised by tests/webgpu/kernels.test.ts with the same counter.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run bench', () => {
  it('refuses an impossible option, naming it', () => {
    const run = spawnSync('node_modules/.bin/tsx', ['scripts/bench.ts', '--backend', 'wasm', '--seq', '999'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--seq');
  });

  it('reports the train step, generation, a default PPO iteration and memory; no GPU dispatches off WebGPU', () => {
    const out = join(dir, 'bench.json');
    const run = spawnSync('node_modules/.bin/tsx', ['scripts/bench.ts', '--backend', 'wasm', '--batch', '2', '--seq', '16', '--steps', '1', '--gen-tokens', '4', '--json', out], { encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number | string | null>;
    expect(r).toMatchObject({ backend: 'wasm', batch: 2, seq_len: 16, gen_new_tokens: 4 });
    for (const key of ['train_step_ms', 'gen_tokens_per_s_kv', 'gen_tokens_per_s_recompute', 'ppo_iteration_ms', 'peak_bytes_train_step', 'kernels_per_train_step', 'kernels_per_token']) {
      expect(r[key], key).toBeGreaterThan(0);
    }
    // Tokens per second from the same run's counts: 2 prompts x 4 new tokens.
    expect(r.gen_kv_speedup).toBeCloseTo((r.gen_tokens_per_s_kv as number) / (r.gen_tokens_per_s_recompute as number), 6);
    // The peak holds at least the weights and Adam's two moments (4 bytes each).
    expect(r.peak_bytes_train_step).toBeGreaterThan(3 * 4 * (r.params as number));
    expect([r.gpu_dispatches_per_train_step, r.gpu_dispatches_per_token, r.gpu_dispatches_per_ppo_iteration]).toEqual([null, null, null]);
  });
});
