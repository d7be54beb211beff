// A page-side pipeline controller with no worker behind it, for component tests that render its
// state (the default preset unless told otherwise).
import { PipelineController } from '../../src/app/pipeline.svelte';
import { createMemoryStore } from '../../src/app/persistence';
import { DEFAULT_PRESET, type Preset } from '../../src/app/presets';

export function offlineController(preset: Preset = DEFAULT_PRESET): PipelineController {
  return new PipelineController({ getClient: () => null, store: createMemoryStore(), preset: structuredClone(preset), onError: () => undefined, onNotice: () => undefined });
}
