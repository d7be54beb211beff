// The one settings tree: one rule per setting, read the same way from a flag, a URL and a field.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  PRESETS,
  SETTING_KEYS,
  SETTING_SPECS,
  SettingsError,
  parseSetting,
  settingProblem,
  settingsFor,
  settingsFromQuery,
  settingsProblems,
  settingsToQuery,
} from '../../src/lib/rlhf';

describe('the settings tree', () => {
  it('documents every setting once, and every default obeys its own rule', () => {
    expect([...SETTING_KEYS].sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
    expect(new Set(SETTING_KEYS).size).toBe(SETTING_KEYS.length);
    for (const spec of SETTING_SPECS) {
      expect(spec.doc.length).toBeGreaterThan(10);
      expect(settingProblem(spec.key, DEFAULT_SETTINGS[spec.key])).toBeNull();
    }
  });

  it('every preset is a partial layer of known settings that can run', () => {
    for (const [name, layer] of Object.entries(PRESETS)) {
      for (const key of Object.keys(layer)) expect(SETTING_KEYS).toContain(key);
      expect(settingsProblems(settingsFor(name as keyof typeof PRESETS))).toEqual([]);
    }
  });

  it('refuses what the page used to accept, naming the rule', () => {
    expect(settingProblem('sftLearningRate', -1e-3)).toBe('sftLearningRate must be a number > 0 and < 1 (got -0.001)');
    expect(settingProblem('ppoLearningRate', 0)).toBe('ppoLearningRate must be a number > 0 and < 1 (got 0)');
    expect(settingProblem('sftBatchSize', 0)).toBe('sftBatchSize must be a positive integer (got 0)');
    expect(settingProblem('k', 1)).toBe('k must be an integer from 2 to 9 (got 1)');
    expect(settingProblem('k', 50)).toBe('k must be an integer from 2 to 9 (got 50)');
    expect(settingProblem('beta', null)).toBe('beta must be a number >= 0 (got empty)');
    expect(settingProblem('seed', 1.5)).toBe('seed must be an integer from 0 to 2147483647 (got 1.5)');
    expect(settingProblem('evalPrompts', 0)).toBe('evalPrompts must be a positive integer, or empty (got 0)');
    expect(settingProblem('evalPrompts', 2.5)).toMatch(/evalPrompts must be a positive integer/);
    expect(settingProblem('evalPrompts', null)).toBeNull();
    expect(settingProblem('klTarget', 0)).toBe('klTarget must be a number > 0, or empty (got 0)');
    expect(settingProblem('rankingsPerRound', 320)).toBeNull();
  });

  it('parses text as the rule reads it: numbers, empty where allowed, choices as given', () => {
    expect(parseSetting('beta', ' 0.1 ')).toBe(0.1);
    expect(parseSetting('klTarget', '')).toBeNull();
    expect(parseSetting('evalPrompts', 'null')).toBeNull();
    expect(parseSetting('reward', 'gold')).toBe('gold');
    expect(() => parseSetting('beta', '')).toThrow(SettingsError);
    expect(() => parseSetting('beta', 'abc')).toThrow('beta must be a number >= 0 (got NaN)');
    expect(() => parseSetting('rounds', '2x')).toThrow(/rounds must be a positive integer/);
    expect(() => parseSetting('nope', '1')).toThrow(/unknown setting "nope"/);
  });

  it('round-trips through the URL holding only what differs from the defaults', () => {
    const settings = { ...DEFAULT_SETTINGS, beta: 0.05, klTarget: 6, reward: 'gold' as const, evalPrompts: 24 };
    const query = settingsToQuery(settings);
    expect(new URLSearchParams(query).size).toBe(4);
    const back = settingsFromQuery(`?${query}&preset=tiny`);
    expect(back.problems).toEqual([]);
    expect({ ...DEFAULT_SETTINGS, ...back.settings }).toEqual(settings);
    expect(settingsToQuery(DEFAULT_SETTINGS)).toBe('');
    expect(settingsFromQuery('?beta=-1&k=3').problems).toEqual(['beta must be a number >= 0 (got -1)']);
    expect(settingsFromQuery('?beta=-1&k=3').settings).toEqual({ k: 3 });
  });

  it('a whole settings object names every problem, unknown keys included', () => {
    const problems = settingsProblems({ ...DEFAULT_SETTINGS, rounds: 0, ppoBatchSize: 3, extra: 1 } as typeof DEFAULT_SETTINGS);
    expect(problems).toEqual(['rounds must be a positive integer (got 0)', 'ppoBatchSize must be even (two minibatches), got 3', 'unknown setting "extra"']);
  });
});
