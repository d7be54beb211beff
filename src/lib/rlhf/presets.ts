// Pipeline presets: layered partial settings over the one settings tree (settings.ts), so a
// preset says only what it changes. `default` is what the README, the CLI and the page run;
// `quick` is the learning test's; `tiny` runs in seconds.

import { DEFAULT_SETTINGS, SettingsError, settingsProblems, type PipelineSettings } from './settings';

export { DEFAULT_SETTINGS, settingsProblems, type PipelineSettings };

export const PRESETS = {
  default: {},
  // The default run with fewer held-out evaluations along the way: the same models and summary
  // (evaluations draw from their own seeds), a little sooner. The learning tests run it (seed 2
  // without PPO-ptx, which leaves the PPO policy as it is).
  quick: {
    evalEvery: 20,
  },
  // PPO alone, unleashed: the reward model's score climbs while gold falls. PPO-ptx is left out
  // (60 more iterations for a model this demonstration does not look at).
  overoptimize: { beta: 0, rounds: 1, ppoIterations: 60, evalEvery: 5, ptxCoef: 0 },
  // Seconds, not minutes, even on a software GPU: for the end-to-end tests and the CLI/page
  // parity check (with a small fresh model; no claim that it learns anything).
  tiny: {
    sftMaxSteps: 3,
    sftEvalEvery: 3,
    sftPatience: 1,
    sftBatchSize: 2,
    rounds: 1,
    rankingsPerRound: 3,
    k: 2,
    rmEpochs: 1,
    rmBatchSize: 2,
    ppoIterations: 2,
    ppoBatchSize: 2,
    ppoEpochs: 1,
    responseLength: 6,
    evalEvery: 1,
    // One prompt per family: enough for the reward model's gold agreement to have pairs.
    evalPrompts: 6,
    evalSamples: 1,
  },
} satisfies Record<string, Partial<PipelineSettings>>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function settingsFor(preset: PresetName, overrides: Partial<PipelineSettings> = {}): PipelineSettings {
  const settings = { ...DEFAULT_SETTINGS, ...PRESETS[preset], ...overrides };
  const problems = settingsProblems(settings);
  if (problems.length > 0) throw new SettingsError(`impossible settings: ${problems.join('; ')}`);
  return settings;
}
