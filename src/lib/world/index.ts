// The assistant world's public API: prompts, corpus, demonstrations, the gold judge and the
// simulated labeler. Import from here, not from the modules behind it.

export { FAMILIES, type Family, type FactAttribute, type OpenKind, type PromptItem } from './types';
export { trainPrompts, heldoutPrompts, parsePrompt, samplePrompt, HELDOUT_PER_FAMILY } from './prompts';
export type { Split } from './families/common';
export { pretrainCorpus, MAX_DOC_CHARS, CORPUS_MIX } from './corpus';
export { drillCorpus, DRILL_WORD_COUNT } from './drills';
export { demonstrations, DEMONSTRATION_COUNTS, CHATTER_RATE, type Demonstration } from './demonstrations';
export { goodResponse, IDK, REFUSAL } from './responses';
export { worldWords } from './vocabulary';
export { splitWords, withoutClosingChatter } from './text';
export { judge, DEFAULT_WEIGHTS, type Judgement, type JudgeWeights } from './judge';
export {
  rankResponses,
  simulateRanking,
  DEFAULT_LABELER_TEMPERATURE,
  type LabelerOptions,
  type SimulatedRanking,
  rankWithTies,
} from './labeler';
export { candidateResponses } from './candidates';
export { measureAgreement, expectedAgreement, labelerTemperatureFor, rankingAgreement, sampleScoredPairs, type AgreementReport } from './agreement';
export { HELDOUT_WORDS, HELDOUT_MADE_UP, TOPICS, HARM_ACTS, CHATTER } from './lexicon';
export { ENTITIES } from './kb';
