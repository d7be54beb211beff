// `npm run pipeline` refuses bad options with exit status 2 and a message naming the option,
// before it loads a backend or a model.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function pipeline(...args: string[]) {
  const run = spawnSync('node_modules/.bin/tsx', ['scripts/pipeline.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stderr: run.stderr };
}

describe('npm run pipeline options', () => {
  it('refuses an unknown reward and points --set reward= to --reward', () => {
    const unknown = pipeline('--reward', 'oracle');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--reward.*model.*gold/);
    const viaSet = pipeline('--set', 'reward=gold');
    expect(viaSet.status).toBe(2);
    expect(viaSet.stderr).toContain('use --reward model|gold');
  });
});
