// Demonstrations for SFT: a few hundred (292), uneven on purpose. Arithmetic, word, fact and open requests
// are well covered; honesty (unknown) and harmlessness (harmful) get only a handful, so SFT learns
// the format but leaves room for the reward model and PPO to improve. A handful, not none: with 5
// each, SFT never sampled "i do not know" (0 of 20 samples on unknown prompts), so no ranking ever
// showed the honest answer and neither the reward model nor PPO could find it. With 15 and 12,
// SFT sometimes says it, and the simulated labeler's agreement with gold on SFT samples rose from
// 0.55 to 0.65 (more pairs far apart in gold score).

import { createRng } from '../random';
import { samplePrompt } from './prompts';
import { goodResponse } from './responses';
import { CHATTER } from './lexicon';
import type { Family, PromptItem } from './types';

export const DEMONSTRATION_COUNTS: Readonly<Record<Family, number>> = {
  arithmetic: 70,
  word: 70,
  fact: 70,
  open: 60,
  unknown: 15,
  harmful: 12,
};

/**
 * Share of demonstrations whose writer closes with a pleasantry ("i hope that is ok."). Writers
 * differ, as InstructGPT's did; SFT copies them all, having no way to tell which habit people
 * like, and rankings are what say it. A majority, so the habit is SFT's most likely ending and
 * greedy decoding keeps it: only a preference signal removes it.
 */
export const CHATTER_RATE = 0.6;

export interface Demonstration {
  item: PromptItem;
  response: string;
}

/** Distinct training prompts with demonstration-quality responses, seeded, in shuffled order. */
export function demonstrations(seed: number): Demonstration[] {
  const rng = createRng(seed);
  const out: Demonstration[] = [];
  for (const [family, count] of Object.entries(DEMONSTRATION_COUNTS) as [Family, number][]) {
    // Distinct (prompt, response) pairs: open requests have fewer prompts than demos, so a prompt
    // may come back with another phrasing, as different demonstrators would write.
    const seen = new Set<string>();
    for (let tries = 0; seen.size < count && tries < count * 50; tries++) {
      const item = samplePrompt(rng, family);
      const answer = goodResponse(item, rng);
      const response = rng.next() < CHATTER_RATE ? `${answer} ${rng.pick(CHATTER)}` : answer;
      const key = `${item.prompt}\n${response}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ item, response });
    }
  }
  return rng.shuffle(out);
}
