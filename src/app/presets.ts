// Settings presets: 'default' for a real run, 'tiny' (`?preset=tiny`) for tests and slow machines
// (a small fresh model, batches of 2, short answers) so the whole pipeline runs in seconds even
// on SwiftShader. Layered like Sequence Toy's presets: a preset is a full settings object.
import type { ShapeSettings, StageSettingsMap } from '../worker/protocol';

export interface Preset {
  name: 'default' | 'tiny';
  settings: StageSettingsMap;
  shapes: ShapeSettings;
  /** Responses per ranking (K) and how long each is. */
  rankK: number;
  rankMaxTokens: number;
  rankTemperature: number;
  autoRankN: number;
  /** Tokens per answer in the side-by-side samples. */
  sampleTokens: number;
  /** Load the shipped base checkpoint (the tiny preset uses a small fresh model instead). */
  useShippedBase: boolean;
  freshModel?: { contextLength: number; nLayer: number; nHead: number; dModel: number };
}

export const DEFAULT_PRESET: Preset = {
  name: 'default',
  settings: {
    base: { steps: 300, learningRate: 1e-3, batchSize: 16 },
    sft: { steps: 200, learningRate: 3e-4, batchSize: 16 },
    reward: { steps: 100, learningRate: 1e-4, batchSize: 8, sources: 'both' },
    ppo: {
      steps: 40,
      learningRate: 1e-4,
      batchSize: 16,
      beta: 0.2, // as the pipeline's default (src/lib/rlhf/presets.ts says why)
      adaptiveKl: false,
      klTarget: 6,
      ptxCoef: 0,
      responseLength: 40,
      evalEvery: 5,
      evalPrompts: 24,
    },
  },
  shapes: { maxLength: 128, promptLength: 48 },
  rankK: 4,
  rankMaxTokens: 40,
  rankTemperature: 1,
  autoRankN: 8,
  sampleTokens: 40,
  useShippedBase: true,
};

export const TINY_PRESET: Preset = {
  name: 'tiny',
  settings: {
    base: { steps: 3, learningRate: 1e-3, batchSize: 2 },
    sft: { steps: 3, learningRate: 3e-4, batchSize: 2 },
    reward: { steps: 2, learningRate: 1e-4, batchSize: 2, sources: 'both' },
    ppo: { ...DEFAULT_PRESET.settings.ppo, steps: 2, batchSize: 2, responseLength: 8, evalEvery: 1, evalPrompts: 2 },
  },
  shapes: { maxLength: 96, promptLength: 40 },
  rankK: 2,
  rankMaxTokens: 8,
  rankTemperature: 1,
  autoRankN: 2,
  sampleTokens: 8,
  useShippedBase: false,
  freshModel: { contextLength: 96, nLayer: 1, nHead: 2, dModel: 32 },
};

/** `?preset=tiny` picks the tiny preset; anything else the default. A fresh copy each call. */
export function presetFromUrl(search: string): Preset {
  const name = new URLSearchParams(search).get('preset');
  const preset = name === 'tiny' ? TINY_PRESET : DEFAULT_PRESET;
  return structuredClone(preset);
}

/** K responses per ranking: InstructGPT used 4 to 9; 2 is the least that says anything. */
export const K_RANGE = { min: 2, max: 9 } as const;

export function clampK(k: number): number {
  if (!Number.isFinite(k)) return 4;
  return Math.min(K_RANGE.max, Math.max(K_RANGE.min, Math.round(k)));
}
