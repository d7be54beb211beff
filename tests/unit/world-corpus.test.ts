import { describe, expect, it } from 'vitest';
import { ALPHABET } from '../../src/lib/tokenizer';
import {
  FAMILIES,
  MAX_DOC_CHARS,
  candidateResponses,
  demonstrations,
  drillCorpus,
  heldoutPrompts,
  judge,
  parsePrompt,
  pretrainCorpus,
  splitWords,
  trainPrompts,
  worldWords,
} from '../../src/lib/world';
import { encodeExchange } from '../../src/lib/world/format';
import { CHATTER_RATE } from '../../src/lib/world/demonstrations';
import { CHATTER, HELDOUT_MADE_UP, TRAIN_MADE_UP } from '../../src/lib/world/lexicon';
import { ENTITIES } from '../../src/lib/world/kb';
import { rudeCount, saysIdk, sentences } from '../../src/lib/world/text';
import { DEFAULT_CONFIG } from '../../src/lib/model/config';
import { createRng } from '../../src/lib/random';
import { applyWordOp, type WordOp } from '../../src/lib/world/families/word';

const inAlphabet = (text: string): boolean => [...text].every((c) => ALPHABET.includes(c));

describe('pretraining corpus', () => {
  const corpus = pretrainCorpus(11, 4000);

  it('is deterministic by seed and differs across seeds', () => {
    expect(pretrainCorpus(11, 200)).toEqual(corpus.slice(0, 200));
    expect(pretrainCorpus(12, 200)).not.toEqual(corpus.slice(0, 200));
  });
  it('documents fit the context and use only the alphabet', () => {
    for (const doc of corpus) {
      expect(doc.length).toBeGreaterThan(0);
      expect(doc.length).toBeLessThanOrEqual(MAX_DOC_CHARS);
      expect(inAlphabet(doc), doc).toBe(true);
    }
  });
  it('mostly follows "q: ...\\na: " with another question, as GPT-3-era quiz pages did', () => {
    // Of documents that open with a prompt and an answer slot, what comes after "a: "?
    const qa = corpus.filter((d) => /^q: [^\n]*\na: /.test(d));
    const asks = qa.filter((d) => {
      const m = /^q: ([^\n]*)\na: ([^\n]*)/.exec(d);
      const prompt = m?.[1] ?? '';
      const reply = m?.[2] ?? '';
      const item = { id: 'x', family: 'arithmetic' as const, prompt, template: 't', answers: ['-1'] };
      return judge(item, reply).continuesPrompt;
    });
    expect(qa.length).toBeGreaterThan(corpus.length * 0.6);
    expect(asks.length / qa.length).toBeGreaterThan(0.55);
    expect(asks.length / qa.length).toBeLessThan(0.75);
  });
  it('contains the failure modes: wrong answers, rude banter, harmful compliance, hallucination, plain facts', () => {
    const has = (re: RegExp): number => corpus.filter((d) => re.test(d)).length;
    const wrong = corpus.filter((d) => {
      const m = /^q: ([^\n]*)\na: ([^\n]*)$/.exec(d);
      const item = m ? parsePrompt(m[1]) : null;
      if (!m || !item || !['arithmetic', 'word', 'fact'].includes(item.family)) return false;
      const j = judge(item, m[2]);
      return !j.continuesPrompt && j.helpful < 0.5 && j.honest < 1;
    });
    expect(wrong.length).toBeGreaterThan(corpus.length * 0.04);
    expect(has(/\b(dumb|stupid|loser|shut up)\b/)).toBeGreaterThan(corpus.length * 0.04);
    expect(has(/^q: (how do i|help me|tell me how to|how can i) [^\n]*\na: (sure|ok|just|easy|first)/)).toBeGreaterThan(corpus.length * 0.03);
    expect(has(/^(?!q:)[^\n?]*\b(a|an) [a-z]+ (is|says|eats|lives) [a-z ]+\./)).toBeGreaterThan(corpus.length * 0.1);
    const hallucinated = corpus.filter((d) => {
      const m = /^q: ([^\n]*)\na: ([^\n]*)$/.exec(d);
      return m !== null && !m[2].endsWith('?') && /zor|blim|quax|fen|dru|glo|snar|vim|trel|pok|mib|yor|klu|wub/.test(m[1]);
    });
    expect(hallucinated.length).toBeGreaterThan(corpus.length * 0.03);
  });
  it('never says "i do not know" about anything (the shipped corpus); with madeUpIdkShare, in about that share of what it says about made-up things and never about real ones', () => {
    const madeUp = new Set([...TRAIN_MADE_UP, ...HELDOUT_MADE_UP]);
    const real = new Set(ENTITIES.map((e) => e.name));
    // Every answer to a question and every plain line, less rude replies (banter, not a claim).
    const claimsOf = (docs: string[]) => docs.flatMap((d) => {
      const qa = /^q: ([^\n]*)\na: ([^\n]*)$/.exec(d);
      if (qa) return qa[2].endsWith('?') ? [] : [{ about: splitWords(qa[1]), text: qa[2] }];
      return d.startsWith('q:') ? [] : sentences(d).filter((s) => !s.question).map((s) => ({ about: splitWords(s.text), text: s.text }));
    });
    const idkShare = (docs: string[], names: Set<string>): [number, number] => {
      const about = claimsOf(docs).filter((c) => c.about.some((w) => names.has(w)) && rudeCount(c.text) === 0);
      return [about.filter((c) => saysIdk(c.text)).length / about.length, about.length];
    };
    expect(idkShare(corpus, madeUp)).toEqual([0, expect.any(Number)]);
    const honest = pretrainCorpus(11, 4000, { madeUpIdkShare: 0.3 });
    const [made, madeCount] = idkShare(honest, madeUp);
    expect(madeCount).toBeGreaterThan(150);
    expect(made).toBeGreaterThan(0.3 - 0.08);
    expect(made).toBeLessThan(0.3 + 0.08);
    expect(idkShare(honest, real)).toEqual([0, expect.any(Number)]);
    // Then the held-out names are read too (in statements only; world-prompts.test checks where).
    const heldoutRead = (docs: string[]) => new Set(docs.flatMap((d) => splitWords(d).filter((w) => HELDOUT_MADE_UP.includes(w))));
    expect(heldoutRead(honest).size).toBe(HELDOUT_MADE_UP.length);
    expect(heldoutRead(corpus).size).toBe(0);
    expect(() => pretrainCorpus(1, 1, { madeUpIdkShare: 1.5 })).toThrow(/madeUpIdkShare/);
  });
});

/** The pleasantry a demonstration closes with, if any. */
const closingOf = (response: string): string | undefined => CHATTER.find((c) => response.endsWith(` ${c}`));

describe('demonstrations', () => {
  const demos = demonstrations(5);
  it('are deterministic by seed and differ across seeds', () => {
    expect(demonstrations(5)).toEqual(demos);
    expect(demonstrations(6).map((d) => d.response)).not.toEqual(demos.map((d) => d.response));
  });
  it('are a few hundred, uneven: honesty and harmlessness barely covered', () => {
    expect(demos.length).toBeGreaterThanOrEqual(200);
    expect(demos.length).toBeLessThanOrEqual(400);
    const count = (f: string): number => demos.filter((d) => d.item.family === f).length;
    for (const f of ['arithmetic', 'word', 'fact', 'open']) expect(count(f)).toBeGreaterThanOrEqual(40);
    // A handful each: at most a quarter of the least-covered well-covered family.
    const wellCovered = Math.min(...['arithmetic', 'word', 'fact', 'open'].map(count));
    for (const f of ['unknown', 'harmful']) {
      expect(count(f)).toBeGreaterThanOrEqual(1);
      expect(count(f)).toBeLessThanOrEqual(wellCovered / 4);
    }
  });
  it('are right by the gold judge, short, and fit the template, apart from a closing pleasantry', () => {
    for (const d of demos) {
      const closing = closingOf(d.response);
      const answer = closing ? d.response.slice(0, -closing.length - 1) : d.response;
      const j = judge(d.item, answer);
      expect(j.score, `${d.item.prompt} -> ${answer}: ${j.reasons.join('; ')}`).toBeGreaterThan(0.8);
      expect(j.helpful, answer).toBeGreaterThanOrEqual(0.5);
      expect(answer.length).toBeLessThanOrEqual(40);
      if (closing) expect(judge(d.item, d.response).score).toBeLessThan(j.score - 0.05);
      expect(inAlphabet(d.response)).toBe(true);
      expect(encodeExchange(d.item.prompt, d.response).ids.length).toBeLessThanOrEqual(DEFAULT_CONFIG.contextLength);
    }
  });
});

describe('demonstrators', () => {
  it('close about CHATTER_RATE of their answers with a pleasantry, in every family', () => {
    const demos = [1, 2, 3].flatMap((seed) => demonstrations(seed));
    const closes = (d: { response: string }): boolean => closingOf(d.response) !== undefined;
    const share = demos.filter(closes).length / demos.length;
    // 876 demonstrations: a binomial share's standard deviation is about 0.017.
    expect(share).toBeGreaterThan(CHATTER_RATE - 0.06);
    expect(share).toBeLessThan(CHATTER_RATE + 0.06);
    for (const family of ['arithmetic', 'word', 'fact', 'unknown', 'harmful', 'open']) {
      expect(demos.filter((d) => d.item.family === family).some(closes), family).toBe(true);
    }
  });
});

describe('spelling drills', () => {
  const drills = drillCorpus(5, 3000);
  const exercises = drills.flatMap((d) => [...d.matchAll(/q: (.*)\na: (.*)/g)].map((m) => ({ question: m[1], answer: m[2] })));
  const statements = drills.filter((d) => !d.startsWith('q: ')).flatMap((d) => d.split(/(?<=\.) /));
  const drillWords = new Set([
    ...exercises.map((e) => parsePrompt(e.question)?.entity ?? ''),
    ...statements.map((s) => s.split(' ')[0]),
  ]);

  it('are deterministic by seed, fit the context and use only the alphabet', () => {
    expect(drillCorpus(5, 50)).toEqual(drills.slice(0, 50));
    expect(drillCorpus(6, 50)).not.toEqual(drills.slice(0, 50));
    for (const doc of drills) {
      expect(doc.length).toBeLessThanOrEqual(MAX_DOC_CHARS);
      expect(inAlphabet(doc), doc).toBe(true);
    }
    // Both kinds, several pieces to a page.
    expect(exercises.length).toBeGreaterThan(3000);
    expect(statements.length).toBeGreaterThan(3000);
  });

  it('answer every exercise right, in the wordings of training prompts only', () => {
    for (const { question, answer } of exercises) {
      const item = parsePrompt(question);
      expect(item?.family, question).toBe('word');
      expect(item?.template.endsWith('*'), question).toBe(false);
      expect(answer).toBe(`${item?.answers[0]}.`);
    }
  });

  it('state only true facts about letters', () => {
    const forms: [RegExp, WordOp][] = [
      [/^(\w+) backwards is (\w+)\.$/, 'backwards'],
      [/^(\w+) starts with (\w)\.$/, 'first'],
      [/^(\w+) ends with (\w)\.$/, 'last'],
      [/^(\w+) twice is (\w+ \w+)\.$/, 'twice'],
      [/^(\w+) has (\d+) letters\.$/, 'length'],
      [/^(\w+) is spelled ([\w-]+)\.$/, 'spell'],
    ];
    for (const s of statements) {
      const form = forms.find(([re]) => re.test(s));
      expect(form, s).toBeDefined();
      const [, w, said] = s.match(form![0])!;
      expect(said, s).toBe(applyWordOp(form![1], w));
    }
  });

  it('drill thousands of made-up strings, none of them a word of the world', () => {
    // Held-out words and made-up names must stay unseen, and a drill string must not teach a
    // fact about a real word.
    expect(drillWords.size).toBeGreaterThan(2000);
    const world = worldWords();
    expect([...drillWords].filter((w) => world.has(w))).toEqual([]);
  });
});

describe('candidate responses', () => {
  it('are deterministic and in the alphabet, and mix good with bad', () => {
    const item = trainPrompts(1, 1)[0];
    expect(candidateResponses(item, createRng(3), 8)).toEqual(candidateResponses(item, createRng(3), 8));
    const scores: number[] = [];
    for (const x of trainPrompts(4, 300)) {
      for (const r of candidateResponses(x, createRng(x.prompt.length), 4)) {
        expect(inAlphabet(r), r).toBe(true);
        scores.push(judge(x, r).score);
      }
    }
    const good = scores.filter((s) => s > 0.95).length / scores.length;
    expect(good).toBeGreaterThan(0.25);
    expect(good).toBeLessThan(0.6);
  });
});

describe('world vocabulary', () => {
  it('covers every word of fresh prompts, demonstrations and corpus; nearly all of candidate responses', () => {
    const words = worldWords();
    expect(words.size).toBeGreaterThan(200);
    expect(words.size).toBeLessThan(1500);
    const texts = [
      ...pretrainCorpus(4242, 1500),
      ...heldoutPrompts().map((x) => x.prompt),
      ...trainPrompts(4243, 600).map((x) => x.prompt),
      ...demonstrations(4244).map((d) => d.response),
    ];
    const missing = new Set(texts.flatMap((t) => splitWords(t).filter((w) => !words.has(w))));
    expect([...missing]).toEqual([]);
    // Candidates imitate a model, garbled near misses ("tca") included: those are outside the world.
    const rng = createRng(99);
    const said = [...heldoutPrompts(), ...trainPrompts(4245, 600)].flatMap((x) => candidateResponses(x, rng, 4)).flatMap(splitWords);
    expect(said.filter((w) => words.has(w)).length / said.length).toBeGreaterThan(0.98);
    expect(words.has('zxqv')).toBe(false);
    for (const f of FAMILIES) expect(words.has(f === 'fact' ? 'banana' : 'what')).toBe(true);
  });
});
