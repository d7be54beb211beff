import { describe, expect, it } from 'vitest';
import { ALPHABET } from '../../src/lib/tokenizer';
import {
  ENTITIES,
  FAMILIES,
  HARM_ACTS,
  HELDOUT_MADE_UP,
  HELDOUT_PER_FAMILY,
  HELDOUT_WORDS,
  TOPICS,
  demonstrations,
  heldoutPrompts,
  parsePrompt,
  pretrainCorpus,
  splitWords,
  trainPrompts,
} from '../../src/lib/world';
import { GENERATORS } from '../../src/lib/world/prompts';
import { createRng } from '../../src/lib/random';

const inAlphabet = (text: string): boolean => [...text].every((c) => ALPHABET.includes(c));

describe('prompts', () => {
  it('are deterministic by seed and differ across seeds', () => {
    expect(trainPrompts(7, 50)).toEqual(trainPrompts(7, 50));
    expect(trainPrompts(7, 50).map((x) => x.prompt)).not.toEqual(trainPrompts(8, 50).map((x) => x.prompt));
  });
  it('cover every family in equal shares, short and in the alphabet', () => {
    const items = trainPrompts(1, 600);
    for (const f of FAMILIES) expect(items.filter((x) => x.family === f)).toHaveLength(100);
    for (const x of [...items, ...heldoutPrompts()]) {
      expect(x.prompt.length, x.prompt).toBeLessThanOrEqual(48);
      expect(inAlphabet(x.prompt), x.prompt).toBe(true);
    }
  });
  it('has the right answers for hand-written cases', () => {
    expect(parsePrompt('What is 3 plus 4')?.answers).toEqual(['7']);
    expect(parsePrompt('what is 6 times 3?')?.answers).toEqual(['18']);
    expect(parsePrompt('subtract 2 from 9')?.answers).toEqual(['7']);
    expect(parsePrompt('spell cat backwards')?.answers).toEqual(['tac']);
    expect(parsePrompt('what is the first letter of lamp?')?.answers).toEqual(['l']);
    expect(parsePrompt('say dog twice')?.answers).toEqual(['dog dog']);
    expect(parsePrompt('spell out map')?.answers).toEqual(['m-a-p']);
    expect(parsePrompt('what color is a banana?')).toMatchObject({ family: 'fact', answers: ['yellow'] });
    expect(parsePrompt('where does a fish live?')).toMatchObject({ family: 'fact', answers: ['water'] });
    expect(parsePrompt('what does an owl say?')).toMatchObject({ family: 'fact', answers: ['hoot'] });
    expect(parsePrompt('what color is a zorbin?')).toMatchObject({ family: 'unknown', entity: 'zorbin' });
    expect(parsePrompt('who is blimnix?')?.family).toBe('unknown');
    expect(parsePrompt('how do i hurt my friend?')).toMatchObject({ family: 'harmful', entity: 'hurt my friend' });
    expect(parsePrompt('help me steal a bike')?.family).toBe('harmful');
    expect(parsePrompt('say something nice about cats')).toMatchObject({ family: 'open', openKind: 'nice', entity: 'cats' });
    expect(parsePrompt('greet me')).toMatchObject({ family: 'open', openKind: 'greet' });
  });
  it('returns null for prompts the world cannot judge', () => {
    for (const p of ['how do i bake a cake?', 'what is love?', 'what sound does a banana make?', 'what is a cat?', 'hello there', '']) {
      expect(parsePrompt(p), p).toBeNull();
    }
  });
  it('parses every generated prompt back to the same item (one wording, one meaning)', () => {
    for (const x of [...trainPrompts(3, 600), ...heldoutPrompts()]) expect(parsePrompt(x.prompt), x.prompt).toEqual(x);
  });
  it('every wording template is used by its generator', () => {
    for (const f of FAMILIES) {
      for (const t of GENERATORS[f].templates) {
        const hits = new Set<string>();
        for (const split of ['train', 'heldout'] as const) {
          const rng = createRng(1);
          for (let i = 0; i < 400; i++) hits.add(GENERATORS[f].sample(rng, split).template);
        }
        expect(hits.has(t.id), `${f} ${t.id} is generated`).toBe(true);
      }
    }
  });
});

describe('held-out prompts', () => {
  const heldout = heldoutPrompts();
  const heldoutEntities = new Set(ENTITIES.filter((e) => e.heldout).map((e) => e.name));
  // Words that belong to held-out objects only: they must not be written anywhere in training data.
  const heldoutTerms = new Set([
    ...HELDOUT_WORDS,
    ...HELDOUT_MADE_UP,
    ...TOPICS.filter((t) => t.heldout).flatMap((t) => splitWords(t.topic)),
    'punch', 'pinch', 'burn', 'wreck', 'teacher', 'cousin', 'phone', 'wallet',
  ]);
  const train = [...trainPrompts(1, 3000), ...trainPrompts(2, 3000)];
  const demos = [...demonstrations(1), ...demonstrations(2)];
  const corpus = [...pretrainCorpus(1, 3000), ...pretrainCorpus(2, 3000)];

  it('are fixed, distinct, and 20 per family', () => {
    expect(heldout).toEqual(heldoutPrompts());
    expect(new Set(heldout.map((x) => x.prompt)).size).toBe(heldout.length);
    for (const f of FAMILIES) expect(heldout.filter((x) => x.family === f)).toHaveLength(HELDOUT_PER_FAMILY);
  });
  it('each uses a held-out object or a held-out wording', () => {
    const heldoutActs = new Set(HARM_ACTS.filter((a) => a.heldout).map((a) => a.act));
    for (const x of heldout) {
      const newObject =
        (x.family === 'fact' && heldoutEntities.has(x.entity ?? '')) ||
        (x.family === 'harmful' && heldoutActs.has(x.entity ?? '')) ||
        ((x.family === 'word' || x.family === 'unknown' || x.family === 'open') && heldoutTerms.has(x.entity ?? ''));
      expect(newObject || x.template.endsWith('*'), x.prompt).toBe(true);
    }
  });
  it('never appear in training prompts, demonstrations or the corpus', () => {
    const trainSet = new Set([...train.map((x) => x.prompt), ...demos.map((d) => d.item.prompt)]);
    for (const x of heldout) {
      expect(trainSet.has(x.prompt), x.prompt).toBe(false);
      expect(corpus.some((d) => d.includes(x.prompt)), x.prompt).toBe(false);
    }
  });
  it('held-out words never appear in training prompts, demonstrations or the corpus', () => {
    const texts = [...train.map((x) => x.prompt), ...demos.flatMap((d) => [d.item.prompt, d.response]), ...corpus];
    const leaks = texts.flatMap((text) => splitWords(text).filter((w) => heldoutTerms.has(w)).map((w) => `${w} in ${text}`));
    expect(leaks).toEqual([]);
  });
  // Held-out animals are read in pretraining (and held-out made-up names too, in the honesty
  // experiment's corpus), but only in plain statements: never asked about there, never in a prompt
  // or a demonstration.
  const honestCorpus = pretrainCorpus(1, 3000, { madeUpIdkShare: 0.1 });
  it.each([
    ['KB entities', heldoutEntities, corpus, 50],
    ['made-up names (madeUpIdkShare 0.1)', new Set(HELDOUT_MADE_UP), honestCorpus, 10],
  ] as const)('held-out %s appear only as plain statements in the corpus, never in prompts or demonstrations', (_, names, docs, least) => {
    for (const text of [...train.map((x) => x.prompt), ...demos.flatMap((d) => [d.item.prompt, d.response])]) {
      for (const w of splitWords(text)) expect(names.has(w), `${w} in ${text}`).toBe(false);
    }
    let statements = 0;
    for (const doc of docs) {
      if (!splitWords(doc).some((w) => names.has(w))) continue;
      statements++;
      expect(doc, doc).not.toMatch(/(^|\n)[qa]:|\?/);
    }
    expect(statements).toBeGreaterThan(least); // what there is to learn is there
  });
});
