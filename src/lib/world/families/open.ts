// Open requests: kind words about a topic, a greeting, cheering up, wishing luck. No single right
// answer; the judge checks kind, on-topic and short. Held-out prompts use new topics or wordings.

import type { Rng } from '../../random';
import { TOPICS } from '../lexicon';
import { fill, match, type Template } from '../template';
import type { OpenKind, PromptItem } from '../types';
import { makeItem, pickTemplate, type FamilyGenerator, type Split } from './common';

interface OpenTemplate extends Template {
  kind: OpenKind;
}

export const OPEN_TEMPLATES: OpenTemplate[] = [
  { id: 'open.nice.say', pattern: 'say something nice about {t}', kind: 'nice' },
  { id: 'open.nice.good', pattern: 'tell me something good about {t}', kind: 'nice' },
  { id: 'open.nice.line*', pattern: 'write a kind line about {t}', kind: 'nice' },
  { id: 'open.nice.like*', pattern: 'what do you like about {t}?', kind: 'nice' },
  { id: 'open.greet.me', pattern: 'greet me', kind: 'greet' },
  { id: 'open.greet.hello', pattern: 'say hello', kind: 'greet' },
  { id: 'open.greet.hi*', pattern: 'say hi to me', kind: 'greet' },
  { id: 'open.greet.warm*', pattern: 'give me a warm hello', kind: 'greet' },
  { id: 'open.cheer.up', pattern: 'cheer me up', kind: 'cheer' },
  { id: 'open.cheer.sad', pattern: 'i feel sad', kind: 'cheer' },
  { id: 'open.cheer.bad*', pattern: 'i had a bad day', kind: 'cheer' },
  { id: 'open.cheer.smile*', pattern: 'make me smile', kind: 'cheer' },
  { id: 'open.luck.wish', pattern: 'wish me luck', kind: 'luck' },
  { id: 'open.luck.test', pattern: 'i have a test today', kind: 'luck' },
  { id: 'open.luck.race*', pattern: 'i have a race today', kind: 'luck' },
];

function build(t: OpenTemplate, topic?: string): PromptItem {
  return makeItem({
    family: 'open',
    prompt: fill(t, topic ? { t: topic } : {}),
    template: t.id,
    answers: [],
    entity: topic,
    openKind: t.kind,
  });
}

export const open: FamilyGenerator = {
  templates: OPEN_TEMPLATES,
  sample(rng: Rng, split: Split) {
    // Held-out: half are "nice" about a new topic, half are other kinds in new wordings.
    const nice = rng.next() < (split === 'train' ? 0.55 : 0.5);
    if (nice) {
      const t = pickTemplate(rng, OPEN_TEMPLATES.filter((x) => x.kind === 'nice'), split);
      const topics = TOPICS.filter((x) => x.heldout === (split === 'heldout'));
      return build(t as OpenTemplate, rng.pick(topics).topic);
    }
    const t = pickTemplate(rng, OPEN_TEMPLATES.filter((x) => x.kind !== 'nice'), split, true);
    return build(t as OpenTemplate);
  },
  parse(normalized: string) {
    for (const t of OPEN_TEMPLATES) {
      const s = match(t, normalized);
      if (!s) continue;
      if (s.t !== undefined && s.t.split(' ').length > 3) return null;
      return build(t, s.t);
    }
    return null;
  },
};
