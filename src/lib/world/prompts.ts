// Prompt sets: seeded training prompts, the fixed held-out evaluation set, and parsing of typed
// prompts so the judge can score whatever a person asks in a known wording.

import { createRng, type Rng } from '../random';
import { arithmetic } from './families/arithmetic';
import type { FamilyGenerator, Split } from './families/common';
import { fact, unknown } from './families/fact';
import { harmful } from './families/harmful';
import { open } from './families/open';
import { word } from './families/word';
import { normalizePrompt } from './template';
import { FAMILIES, type Family, type PromptItem } from './types';

export const GENERATORS: Record<Family, FamilyGenerator> = { arithmetic, word, fact, unknown, harmful, open };

export const HELDOUT_PER_FAMILY = 20;
const HELDOUT_SEED = 0x4e1d;

/** One random item of a family from the split. */
export function samplePrompt(rng: Rng, family: Family, split: Split = 'train'): PromptItem {
  return GENERATORS[family].sample(rng, split);
}

/** `count` training prompts, families in equal shares, in seeded random order (repeats allowed). */
export function trainPrompts(seed: number, count: number): PromptItem[] {
  const rng = createRng(seed);
  const items = Array.from({ length: count }, (_, i) => samplePrompt(rng, FAMILIES[i % FAMILIES.length], 'train'));
  return rng.shuffle(items);
}

let heldoutCache: PromptItem[] | undefined;

/** The fixed evaluation set: HELDOUT_PER_FAMILY distinct prompts per family, objects or wordings never trained on. */
export function heldoutPrompts(): PromptItem[] {
  if (!heldoutCache) {
    const rng = createRng(HELDOUT_SEED);
    const out: PromptItem[] = [];
    for (const family of FAMILIES) {
      const seen = new Set<string>();
      for (let tries = 0; seen.size < HELDOUT_PER_FAMILY; tries++) {
        if (tries > 10_000) throw new Error(`not enough held-out ${family} prompts`);
        const item = samplePrompt(rng, family, 'heldout');
        if (seen.has(item.prompt)) continue;
        seen.add(item.prompt);
        out.push(item);
      }
    }
    heldoutCache = out;
  }
  return heldoutCache.map((x) => ({ ...x, answers: [...x.answers] }));
}

/** The item for a free-typed prompt in a known wording (any case, spacing, final ?.!), or null. */
export function parsePrompt(text: string): PromptItem | null {
  const normalized = normalizePrompt(text);
  for (const family of FAMILIES) {
    const item = GENERATORS[family].parse(normalized);
    if (item) return item;
  }
  return null;
}
