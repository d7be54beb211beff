// What the page's components use of the worker protocol and the lib: components import the app
// layer only (the architecture test holds them to it), so the few shared names come through here.
export { ANSWERING_MODELS, GENERATION_LIMITS, MODEL_LABELS, MODEL_NAMES, PTX_PREFIX, type ModelName, type BackendFallback, type MetricPoint, type ModelOrigin, type ModelSummary, type StageName } from '../worker/protocol';
export { comparisonCount, groupIdentical } from '../lib/io/rankings';
export type { SessionPosition } from '../lib/rlhf';
