// The one settings tree of the RLHF program: every setting has one name, one default, one
// documented meaning and one rule, here. The CLI (--set, --seed, ...), the page's fields and the
// URL all read and check settings through this module, so a value one of them refuses the others
// refuse too, with the same words. Presets (presets.ts) are partial layers over the defaults.
import { DEFAULT_LABELER_TEMPERATURE } from '../world/labeler';

export interface PipelineSettings {
  seed: number;
  sftMaxSteps: number;
  sftEvalEvery: number;
  sftPatience: number;
  sftBatchSize: number;
  sftLearningRate: number;
  rounds: number;
  rankingsPerRound: number;
  k: number;
  labelerTemperature: number;
  labelerTieGap: number;
  rmEpochs: number;
  rmBatchSize: number;
  rmLearningRate: number;
  ppoIterations: number;
  ppoBatchSize: number;
  ppoLearningRate: number;
  ppoEpochs: number;
  beta: number;
  klTarget: number | null;
  ptxCoef: number;
  responseLength: number;
  samplingTemperature: number;
  reward: 'model' | 'gold';
  evalEvery: number;
  evalPrompts: number | null;
  evalSamples: number;
}

export type SettingKey = keyof PipelineSettings;
export type SettingGroup = 'run' | 'sft' | 'rankings' | 'reward' | 'ppo' | 'eval';

/** A setting's rule: what values it takes. */
export type SettingRule =
  | { kind: 'int'; min: number; max?: number; nullable?: boolean }
  | { kind: 'number'; min: number; minExclusive?: boolean; max?: number; maxExclusive?: boolean; nullable?: boolean }
  | { kind: 'choice'; choices: readonly string[] };

export interface SettingSpec {
  key: SettingKey;
  group: SettingGroup;
  /** Short label for a form field. */
  label: string;
  /** One sentence: what it does (shown as the field's hint and in --help). */
  doc: string;
  rule: SettingRule;
}

const int = (min: number, max?: number): SettingRule => ({ kind: 'int', min, max });
const positive = (extra: Partial<Extract<SettingRule, { kind: 'number' }>> = {}): SettingRule => ({ kind: 'number', min: 0, minExclusive: true, ...extra });
const learningRate: SettingRule = { kind: 'number', min: 0, minExclusive: true, max: 1, maxExclusive: true };

/** Every setting, in the order a form shows them. */
export const SETTING_SPECS: readonly SettingSpec[] = [
  { key: 'seed', group: 'run', label: 'Seed', doc: 'Seeds prompts, sampling and initialisation: the same seed and settings give the same run.', rule: int(0, 2 ** 31 - 1) },
  { key: 'sftMaxSteps', group: 'sft', label: 'SFT max steps', doc: 'SFT stops here at the latest; it stops earlier when the held-out loss stops improving.', rule: int(1) },
  { key: 'sftEvalEvery', group: 'sft', label: 'SFT evaluate every', doc: 'Steps between held-out loss evaluations (the early-stopping checks).', rule: int(1) },
  { key: 'sftPatience', group: 'sft', label: 'SFT patience', doc: 'Stop SFT after this many evaluations without improvement; the best step is kept.', rule: int(1) },
  { key: 'sftBatchSize', group: 'sft', label: 'SFT batch size', doc: 'Demonstrations per step.', rule: int(1) },
  { key: 'sftLearningRate', group: 'sft', label: 'SFT learning rate', doc: 'Adam step size for SFT; smaller than pretraining: adjust, do not overwrite.', rule: learningRate },
  { key: 'rounds', group: 'run', label: 'Rounds', doc: 'Rounds of rankings, reward model and PPO, as InstructGPT iterated steps 2 and 3.', rule: int(1) },
  { key: 'rankingsPerRound', group: 'rankings', label: 'Rankings per round', doc: 'Prompts ranked per round (yours count first; the simulated labeler ranks the rest).', rule: int(1) },
  { key: 'k', group: 'rankings', label: 'Answers per ranking (K)', doc: 'Answers sampled per ranked prompt; each ranking gives K(K-1)/2 comparisons (InstructGPT used 4 to 9).', rule: int(2, 9) },
  { key: 'labelerTemperature', group: 'rankings', label: 'Labeler noise', doc: "The simulated labeler's noise on gold-score differences (0 ranks exactly by gold).", rule: { kind: 'number', min: 0 } },
  { key: 'labelerTieGap', group: 'rankings', label: 'Labeler tie gap', doc: 'Answers whose gold scores differ by at most this are ranked as ties (identical answers always tie).', rule: { kind: 'number', min: 0, max: 1, maxExclusive: true } },
  { key: 'rmEpochs', group: 'reward', label: 'Reward model epochs', doc: 'Passes over all rankings so far, per round.', rule: int(1) },
  { key: 'rmBatchSize', group: 'reward', label: 'Reward model batch size', doc: 'Rankings per step (all their pairs together).', rule: int(1) },
  { key: 'rmLearningRate', group: 'reward', label: 'Reward model learning rate', doc: 'Adam step size for the reward model.', rule: learningRate },
  { key: 'ppoIterations', group: 'ppo', label: 'PPO iterations per round', doc: 'Each samples a batch, scores it and takes a few PPO updates.', rule: int(1) },
  { key: 'ppoBatchSize', group: 'ppo', label: 'PPO batch size', doc: 'Answers sampled per iteration, in two minibatches (so even); small batches are noisy.', rule: int(2) },
  { key: 'ppoLearningRate', group: 'ppo', label: 'PPO learning rate', doc: 'Adam step size for the policy and value model.', rule: learningRate },
  { key: 'ppoEpochs', group: 'ppo', label: 'PPO epochs', doc: 'Passes over each batch of rollouts.', rule: int(1) },
  { key: 'beta', group: 'ppo', label: 'KL coefficient β', doc: 'Leash to the SFT model; 0 lets the policy drift freely (watch the reward rise while gold falls).', rule: { kind: 'number', min: 0 } },
  { key: 'klTarget', group: 'ppo', label: 'Adaptive β target KL', doc: 'Target KL in nats per response for an adaptive β; empty keeps β fixed.', rule: positive({ nullable: true }) },
  { key: 'ptxCoef', group: 'ppo', label: 'PPO-ptx coefficient', doc: 'Trains a PPO-ptx policy beside the PPO one, with this weight on the pretraining loss (InstructGPT\'s PPO-ptx); 0 trains none.', rule: { kind: 'number', min: 0 } },
  { key: 'responseLength', group: 'ppo', label: 'Response length', doc: 'Most tokens sampled per answer.', rule: int(1, 256) },
  { key: 'samplingTemperature', group: 'ppo', label: 'Sampling temperature', doc: 'Temperature of rollouts and ranked samples; PPO scores log-probs at the same temperature.', rule: positive({ max: 2 }) },
  { key: 'reward', group: 'ppo', label: 'PPO reward', doc: '"model": the reward model trained on the rankings; "gold": the gold judge itself, a reward model that is never wrong (at the default settings it wins little more than the reward model does).', rule: { kind: 'choice', choices: ['model', 'gold'] } },
  { key: 'evalEvery', group: 'eval', label: 'Evaluate every', doc: 'PPO iterations between held-out win-rate evaluations (and at each round end).', rule: int(1) },
  { key: 'evalPrompts', group: 'eval', label: 'Evaluation prompts', doc: 'Held-out prompts in each evaluation, spread over the families; empty uses all of them.', rule: { kind: 'int', min: 1, nullable: true } },
  { key: 'evalSamples', group: 'eval', label: 'Samples per evaluation prompt', doc: 'Answers per held-out prompt in each evaluation (more is less noisy).', rule: int(1) },
];

export const SETTING_KEYS: readonly SettingKey[] = SETTING_SPECS.map((s) => s.key);

export function specOf(key: string): SettingSpec | undefined {
  return SETTING_SPECS.find((s) => s.key === key);
}

export const DEFAULT_SETTINGS: PipelineSettings = {
  seed: 1,
  sftMaxSteps: 600,
  sftEvalEvery: 25,
  sftPatience: 4,
  sftBatchSize: 16,
  sftLearningRate: 5e-4,
  // One round: with the demonstrators' habit and InstructGPT-like labelers, round 0 alone won
  // 0.61-0.76 over seeds 1-5; a second round added 0.01-0.03 and, on two seeds of five, "i do not
  // know" spilled onto 12-18% of answerable prompts (docs/RESULTS.md). "Next round" still iterates.
  rounds: 1,
  rankingsPerRound: 320,
  k: 4,
  labelerTemperature: DEFAULT_LABELER_TEMPERATURE,
  labelerTieGap: 0,
  rmEpochs: 2,
  rmBatchSize: 8,
  rmLearningRate: 1e-4,
  ppoIterations: 20,
  ppoBatchSize: 32,
  ppoLearningRate: 1e-4,
  ppoEpochs: 4,
  // Character tokens, seed 1: beta 0.05 let the policy drift to hedging (win rate 0.524, hedging on
  // a third of answerable prompts); 0.1 won 0.602 (hedging 0.33), 0.2 won 0.595 (hedging 0.13).
  // Word tokens, seed 1: 0.1 won 0.537 (hedging 0.01), 0.2 won 0.526 (docs/RESULTS.md).
  beta: 0.2,
  klTarget: null,
  // PPO-ptx beside PPO (seeds 1-2, 16 pretraining windows a minibatch): at 0.25 its knowledge
  // accuracy was 0.229 and 0.233 against PPO's 0.221 and 0.192 (SFT 0.212, 0.217), KL 1.27 and
  // 1.00; at 1 it lost knowledge (0.192, 0.196) and drifted further (KL 3.09, 1.61) towards the
  // pretraining text's rude and harmful habits (docs/RESULTS.md).
  ptxCoef: 0.25,
  // Word tokens: 16 covers 99% of the world's answers (the longest good ones are about 12).
  responseLength: 16,
  samplingTemperature: 1,
  reward: 'model',
  evalEvery: 10,
  evalPrompts: null,
  evalSamples: 4,
};

const fmt = (n: number): string => String(n);

function ruleText(rule: SettingRule): string {
  switch (rule.kind) {
    case 'int': {
      const range = rule.max === undefined ? (rule.min === 1 ? 'a positive integer' : `an integer >= ${rule.min}`) : `an integer from ${rule.min} to ${rule.max}`;
      return `${range}${rule.nullable ? ', or empty' : ''}`;
    }
    case 'number': {
      const lo = `${rule.minExclusive ? '>' : '>='} ${fmt(rule.min)}`;
      const hi = rule.max === undefined ? '' : ` and ${rule.maxExclusive ? '<' : '<='} ${fmt(rule.max)}`;
      return `a number ${lo}${hi}${rule.nullable ? ', or empty' : ''}`;
    }
    case 'choice':
      return `one of ${rule.choices.map((c) => `"${c}"`).join(', ')}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (value === undefined) return 'nothing';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Why `value` is not a valid `key` (the rule named), or null when it is. */
export function settingProblem(key: SettingKey, value: unknown): string | null {
  const spec = specOf(key);
  if (!spec) return `unknown setting "${String(key)}"`;
  const rule = spec.rule;
  const bad = (): string => `${key} must be ${ruleText(rule)} (got ${describeValue(value)})`;
  switch (rule.kind) {
    case 'int':
      if (value === null) return rule.nullable ? null : bad();
      if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || (rule.max !== undefined && value > rule.max)) return bad();
      return null;
    case 'number':
      if (value === null) return rule.nullable ? null : bad();
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad();
      if (rule.minExclusive ? value <= rule.min : value < rule.min) return bad();
      if (rule.max !== undefined && (rule.maxExclusive ? value >= rule.max : value > rule.max)) return bad();
      return null;
    case 'choice':
      return typeof value === 'string' && rule.choices.includes(value) ? null : bad();
  }
}

/** Each setting's problem in a whole settings object, the cross-field rules included (a page shows them at the fields). */
export function settingsProblemsByKey(s: PipelineSettings): Partial<Record<SettingKey, string>> {
  const out: Partial<Record<SettingKey, string>> = {};
  for (const key of SETTING_KEYS) {
    const problem = settingProblem(key, s[key]);
    if (problem) out[key] = problem;
  }
  if (!out.ppoBatchSize && Number.isInteger(s.ppoBatchSize) && s.ppoBatchSize % 2 !== 0) out.ppoBatchSize = `ppoBatchSize must be even (two minibatches), got ${s.ppoBatchSize}`;
  return out;
}

/** Every problem with a whole settings object ([] when it can run), unknown keys included. */
export function settingsProblems(s: PipelineSettings): string[] {
  const problems = Object.values(settingsProblemsByKey(s)) as string[];
  for (const key of Object.keys(s)) if (!specOf(key)) problems.push(`unknown setting "${key}"`);
  return problems;
}

/** Thrown for a refused setting; the message names the setting and its rule. */
export class SettingsError extends Error {}

/**
 * A setting's value from text (a CLI flag, a URL parameter, a form field): numbers as numbers,
 * "" or "null" as empty where the setting allows it. Throws SettingsError naming the rule.
 */
export function parseSetting(key: string, raw: string): PipelineSettings[SettingKey] {
  const spec = specOf(key);
  if (!spec) throw new SettingsError(`unknown setting "${key}" (known: ${SETTING_KEYS.join(', ')})`);
  const text = raw.trim();
  let value: unknown;
  if (spec.rule.kind === 'choice') value = text;
  else if (text === '' || text === 'null') value = null;
  else value = Number(text);
  const problem = settingProblem(spec.key, value);
  if (problem) throw new SettingsError(problem);
  return value as PipelineSettings[SettingKey];
}

/** Settings the URL query sets (`?beta=0.1&rounds=3`); unknown parameters are left to others. */
export function settingsFromQuery(search: string): { settings: Partial<PipelineSettings>; problems: string[] } {
  const params = new URLSearchParams(search);
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of SETTING_KEYS) {
    const raw = params.get(key);
    if (raw === null) continue;
    try {
      settings[key] = parseSetting(key, raw);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return { settings: settings as Partial<PipelineSettings>, problems };
}

/** The query string of the settings that differ from `reference` (the URL holds only those). */
export function settingsToQuery(settings: PipelineSettings, reference: PipelineSettings = DEFAULT_SETTINGS): string {
  const params = new URLSearchParams();
  for (const key of SETTING_KEYS) {
    if (settings[key] !== reference[key]) params.set(key, settings[key] === null ? '' : String(settings[key]));
  }
  return params.toString();
}
