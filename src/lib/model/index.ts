// The model package: config and costs, the GPT, sampling, and fixed-shape batch packing.
export { type GPTConfig, DEFAULT_CONFIG, validateConfig, paramCount, flopsPerToken, weightShapes } from './config';
export { GPT, crossEntropyLoss, MASK_NEGATIVE, type LayerKV, type ForwardOptions } from './gpt';
export { type SampleOptions, type SampleResult, generate, generateRecompute } from './sample';
export { type PackedBatch, packBatch, leftPad } from './batch';
export { type AttentionImpl, installWasmFastSlice } from './ops';
