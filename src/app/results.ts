// The run's results as the page shows them: lib's summary type (the CLI's --json), re-exported
// so components need not reach into lib.
export type { PipelineSummary, RewardModelReport } from '../lib/rlhf';
