// `npm run pipeline` refuses bad options and impossible settings with exit status 2 and a message
// naming the setting and its rule, before it loads a backend or a model. The rules are the
// settings tree's (src/lib/rlhf/settings.ts), the same the page's fields apply.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function pipeline(...args: string[]) {
  const run = spawnSync('node_modules/.bin/tsx', ['scripts/pipeline.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stderr: run.stderr };
}

describe('npm run pipeline options', () => {
  it.each([
    [['--reward', 'oracle'], /--reward oracle: reward must be one of "model", "gold"/],
    [['--set', 'reward=oracle'], /--set reward=oracle: reward must be one of "model", "gold"/],
    [['--seed', '1.5'], /--seed 1\.5: seed must be an integer from 0 to/],
    [['--beta=-0.1'], /--beta -0\.1: beta must be a number >= 0/],
    // node:util's own refusals (an unknown flag, a flag without its value) are usage errors too.
    [['--beta', '-0.1'], /--beta.*ambiguous/],
    [['--nope'], /Unknown option '--nope'/],
    [['--set', 'evalPrompts=0'], /evalPrompts must be a positive integer, or empty \(got 0\)/],
    [['--set', 'k=1'], /k must be an integer from 2 to 9 \(got 1\)/],
    [['--set', 'sftLearningRate=0'], /sftLearningRate must be a number > 0 and < 1 \(got 0\)/],
    [['--set', 'nope=3'], /unknown setting "nope"/],
    [['--set', 'rmEpochs'], /--set rmEpochs: expected key=value/],
    // A cross-field rule, found when the layers are merged: the same exit status.
    [['--set', 'ppoBatchSize=3'], /ppoBatchSize must be even/],
  ])('%j exits 2 naming the rule', (args, message) => {
    const run = pipeline(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
