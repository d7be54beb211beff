import { describe, expect, it } from 'vitest';
import {
  BOS, EOS, GLUE, PAD, SPACE, SPELL, TOKENIZER_ID, UNK, VOCAB_SIZE, decode, encode, tokenName, unknownChars,
} from '../../src/lib/tokenizer';
import { WORDS } from '../../src/lib/tokenizer-words';
import { FEW_SHOT_EXAMPLES, encodeExchange, encodeFewShotPrompt, encodePrompt, encodeResponse, promptText } from '../../src/lib/world/format';
import { DEFAULT_CONFIG } from '../../src/lib/model/config';
import { DEFAULT_SETTINGS } from '../../src/lib/rlhf/settings';
import { candidateResponses, heldoutPrompts, pretrainCorpus, trainPrompts } from '../../src/lib/world';
import { worldWords } from '../../src/lib/world/vocabulary';
import { createRng } from '../../src/lib/random';

const names = (text: string): string[] => encode(text).map(tokenName);

describe('word tokenizer', () => {
  it('makes each world word one token and puts the spaces back on decode', () => {
    expect(names('a cat says meow.')).toEqual(['a', 'cat', 'says', 'meow', '.']);
    expect(decode(encode('a cat says meow.'))).toBe('a cat says meow.');
    expect(names('hi, what is 12 + 7?')).toEqual(['hi', ',', 'what', 'is', '12', '+', '7', '?']);
  });

  it('tells a minus between spaces from a hyphen between letters', () => {
    const minus = encode('3 - 2');
    const hyphen = encode('c-a-t');
    expect(minus[1]).not.toBe(hyphen[1]);
    expect(decode(minus)).toBe('3 - 2');
    expect(decode(hyphen)).toBe('c-a-t');
  });

  it('has no way to glue two words: any two word tokens decode with a space between them', () => {
    const ids = encode('and baa');
    expect(decode([ids[0], ids[1]])).toBe('and baa');
    expect(decode([ids[1], ids[0], ids[0]])).toBe('baa and and');
  });

  it('spells a word outside the lexicon letter by letter after a marker, and gives it back', () => {
    const ids = encode('an elephant');
    expect(ids[1]).toBe(SPELL);
    expect(ids).toHaveLength(2 + 'elephant'.length);
    expect(decode(ids)).toBe('an elephant');
    expect(names('an elephant and a zorbin')).toEqual(['an', '<w>', ...'elephant', 'and', 'a', '<w>', ...'zorbin']);
  });

  it('keeps spacing the rule would not give, with explicit tokens', () => {
    for (const text of ['cat.dog', ' two  spaces ', 'a -b', "don't stop", 'x\n y']) expect(decode(encode(text))).toBe(text);
    expect(encode('cat.dog')).toContain(GLUE);
    expect(encode('a  cat')).toContain(SPACE);
  });

  it('adds BOS and EOS on request; decode stops at EOS and skips padding', () => {
    const ids = encode('hi', { bos: true, eos: true });
    expect(ids[0]).toBe(BOS);
    expect(ids[ids.length - 1]).toBe(EOS);
    expect(decode([PAD, PAD, ...ids, ...encode('ignored')])).toBe('hi');
    expect(decode(encode('Cat'))).toBe('cat');
  });

  it('maps unknown characters to UNK and reports them', () => {
    const ids = encode('a#b');
    expect(ids).toContain(UNK);
    expect(decode(ids)).toBe('a\uFFFDb');
    expect(unknownChars('a#b€a')).toEqual(['#', '€']);
    expect(unknownChars('fine text.')).toEqual([]);
  });

  it('numbers every token below VOCAB_SIZE, each word its own id', () => {
    const ids = WORDS.map((w) => encode(w));
    expect(ids.every((x) => x.length === 1)).toBe(true);
    expect(new Set(ids.map((x) => x[0])).size).toBe(WORDS.length);
    expect(Math.max(...ids.map((x) => x[0]))).toBe(VOCAB_SIZE - 1);
    expect(tokenName(EOS)).toBe('<eos>');
    expect(TOKENIZER_ID).toMatch(new RegExp(`^words-${VOCAB_SIZE}-[0-9a-f]{8}$`));
  });
});

describe('the world through the tokenizer', () => {
  const rng = createRng(11);
  const items = [...heldoutPrompts(), ...trainPrompts(12, 1500)];
  const responses = items.flatMap((item) => candidateResponses(item, rng, 6));
  const corpus = pretrainCorpus(13, 4000);

  it('has a token for every word the world writes (npm run vocabulary adds new ones)', () => {
    const listed = new Set(WORDS);
    expect([...worldWords()].filter((w) => !listed.has(w))).toEqual([]);
  });

  it('gives back every prompt, answer and corpus document exactly', () => {
    const texts = [...items.map((i) => promptText(i.prompt)), ...responses, ...corpus];
    expect(texts.filter((t) => decode(encode(t)) !== t)).toEqual([]);
  });

  it('needs no glue token for world text, and spells no name: made-up things are words like real ones', () => {
    const texts = [...items.map((i) => i.prompt), ...corpus];
    expect(texts.filter((t) => encode(t).includes(GLUE))).toEqual([]);
    // The unknown family's made-up names must not be the only spelled words (a cue that would
    // let "spelled, so say i do not know" pass for honesty).
    const unknownPrompts = items.filter((i) => i.family === 'unknown');
    expect(unknownPrompts.length).toBeGreaterThan(10);
    expect(unknownPrompts.filter((i) => encode(i.prompt).includes(SPELL))).toEqual([]);
  });

  it('tokenizes an exchange the same way inside a corpus document and through the chat template', () => {
    for (const item of items.slice(0, 50)) {
      // (An empty answer is the one exception: "a: " then ends in a space the template never writes.)
      const response = candidateResponses(item, rng, 3).find((r) => r !== '') ?? 'ok.';
      const { ids, responseStart } = encodeExchange(item.prompt, response);
      expect(ids.slice(0, responseStart)).toEqual(encodePrompt(item.prompt));
      expect(ids.slice(responseStart)).toEqual(encodeResponse(response));
      expect([BOS, ...encode(`q: ${item.prompt}\na: ${response}`), EOS]).toEqual(ids);
      expect(decode(ids.slice(responseStart))).toBe(response);
    }
  });

  it('fits every corpus document and every prompt with room to answer in the 64-token context', () => {
    expect(Math.max(...corpus.map((d) => encode(d, { bos: true, eos: true }).length))).toBeLessThanOrEqual(64);
    expect(Math.max(...items.map((i) => encodePrompt(i.prompt).length))).toBeLessThanOrEqual(64 - 24);
    // The prompted base's examples too leave room for a whole default-length answer.
    const fewShot = Math.max(...heldoutPrompts().map((i) => encodeFewShotPrompt(i.prompt, FEW_SHOT_EXAMPLES).length));
    expect(fewShot + DEFAULT_SETTINGS.responseLength).toBeLessThanOrEqual(DEFAULT_CONFIG.contextLength);
    expect(decode(encodeFewShotPrompt('what is 1 plus 1?', FEW_SHOT_EXAMPLES))).toBe('q: what is 2 plus 3?\na: 5.\nq: help me hit a kid\na: i can not help with that.\nq: what is 1 plus 1?\na:');
  });
});
