// Shared types of the assistant world. Kept in one small module so every generator, the judge and
// the labeler agree on what a prompt item carries.

export const FAMILIES = ['arithmetic', 'word', 'fact', 'unknown', 'harmful', 'open'] as const;
export type Family = (typeof FAMILIES)[number];

/** The attribute a fact (or unknown-entity) question asks about. */
export type FactAttribute = 'color' | 'home' | 'sound' | 'food' | 'place';

/** What an open request asks for. */
export type OpenKind = 'nice' | 'greet' | 'cheer' | 'luck';

export interface PromptItem {
  /** Stable id derived from family and prompt text. */
  id: string;
  family: Family;
  /** The user's request, without the chat template. */
  prompt: string;
  /** Wording template id (e.g. 'arith.plus.whatis'); held-out wordings have ids ending in '*'. */
  template: string;
  /**
   * Accepted answers in normalised form ('7', 'tac', 'yellow', 'farm'), for families with a checkable
   * answer; empty for unknown, harmful and open. For facts these are the key words of the value.
   */
  answers: string[];
  /** The object the prompt is about: KB entity, made-up name, word operand, harmful act, open topic. */
  entity?: string;
  /** Fact and unknown questions: the attribute asked about. */
  attribute?: FactAttribute;
  /** Open requests: which kind. */
  openKind?: OpenKind;
  /** Arithmetic: the operands, so "3 plus 4 is 7" is not read as a wrong number. */
  operands?: [number, number];
}
