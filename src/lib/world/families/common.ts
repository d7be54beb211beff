// What every prompt family provides, and the helper that builds a PromptItem with a stable id.

import { hashString, type Rng } from '../../random';
import { isHeldoutTemplate, type Template } from '../template';
import type { PromptItem } from '../types';

/** 'train' draws training objects and wordings only; 'heldout' draws objects never trained on. */
export type Split = 'train' | 'heldout';

export interface FamilyGenerator {
  templates: readonly Template[];
  /** One random prompt item from the split. */
  sample(rng: Rng, split: Split): PromptItem;
  /** The item for a normalised typed prompt of a known wording, or null. */
  parse(normalized: string): PromptItem | null;
}

export function makeItem(fields: Omit<PromptItem, 'id'>): PromptItem {
  return { id: `${fields.family}-${hashString(fields.prompt).toString(36)}`, ...fields };
}

/** Training wordings only for 'train'; for 'heldout' any wording (the object is new anyway). */
export function pickTemplate(rng: Rng, templates: readonly Template[], split: Split, heldoutOnly = false): Template {
  const pool = templates.filter((t) =>
    split === 'train' ? !isHeldoutTemplate(t) : heldoutOnly ? isHeldoutTemplate(t) : true,
  );
  return rng.pick(pool);
}
