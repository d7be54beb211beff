// The page's presets: a layer of the one settings tree (lib/rlhf's PRESETS, the same the CLI's
// --preset reads) plus what only a page has: the model it starts from and the pretraining card.
// `?preset=tiny` runs a small fresh model with the tiny preset so the whole program finishes in
// seconds even on a software GPU (the end-to-end tests); settings in the URL layer on top.
import { PRESET_NAMES, settingsFor, type PresetName } from '../lib/rlhf/presets';
import { settingsFromQuery, type PipelineSettings } from '../lib/rlhf/settings';
import type { PretrainSettings } from '../worker/protocol';

export interface Preset {
  name: PresetName;
  /** The run's settings: the preset's layer over the defaults, then the URL's. */
  settings: PipelineSettings;
  /** Pretraining from scratch (the base card, not part of the measured program). */
  pretrain: PretrainSettings;
  autoRankN: number;
  /** Tokens per answer in the side-by-side samples. */
  sampleTokens: number;
  /** Load the shipped base checkpoint (the tiny preset uses a small fresh model instead). */
  useShippedBase: boolean;
  freshModel?: { contextLength: number; nLayer: number; nHead: number; dModel: number };
  /** URL settings that were refused, each with its rule (shown to the user). */
  refused: string[];
}

/** The tiny preset's model: one layer, d=32 (what the CLI/page parity check builds in Node too). */
export const TINY_MODEL = { contextLength: 48, nLayer: 1, nHead: 2, dModel: 32 } as const;

export function presetNamed(name: PresetName, overrides: Partial<PipelineSettings> = {}): Preset {
  const tiny = name === 'tiny';
  return {
    name,
    settings: settingsFor(name, overrides),
    pretrain: tiny ? { steps: 3, learningRate: 1e-3, batchSize: 2 } : { steps: 300, learningRate: 1e-3, batchSize: 16 },
    autoRankN: tiny ? 2 : 8,
    sampleTokens: tiny ? 8 : 40,
    useShippedBase: !tiny,
    ...(tiny ? { freshModel: { ...TINY_MODEL } } : {}),
    refused: [],
  };
}

export const DEFAULT_PRESET: Preset = presetNamed('default');
export const TINY_PRESET: Preset = presetNamed('tiny');

/** `?preset=NAME` (default, quick, overoptimize, tiny) and any setting by name (`?beta=0.1`). */
export function presetFromUrl(search: string): Preset {
  const raw = new URLSearchParams(search).get('preset');
  const name = (PRESET_NAMES as readonly string[]).includes(raw ?? '') ? (raw as PresetName) : 'default';
  const { settings, problems } = settingsFromQuery(search);
  const refused = [...problems];
  if (raw !== null && raw !== name) refused.push(`preset must be one of ${PRESET_NAMES.join(', ')} (got "${raw}")`);
  try {
    return { ...presetNamed(name, settings), refused };
  } catch (err) {
    // A cross-field rule (an odd PPO batch, ...): the preset's own settings, and say why.
    return { ...presetNamed(name), refused: [...refused, (err as Error).message] };
  }
}
