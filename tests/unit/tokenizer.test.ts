import { describe, expect, it } from 'vitest';
import { ALPHABET, BOS, EOS, PAD, UNK, VOCAB_SIZE, decode, encode, tokenName, unknownChars } from '../../src/lib/tokenizer';
import { encodeExchange, encodePrompt, promptText } from '../../src/lib/world/format';

describe('tokenizer', () => {
  it('round-trips every character of the alphabet', () => {
    expect(decode(encode(ALPHABET))).toBe(ALPHABET);
  });

  it('gives every alphabet character its own id above the special tokens', () => {
    const ids = encode(ALPHABET);
    expect(new Set(ids).size).toBe(ALPHABET.length);
    expect(Math.min(...ids)).toBe(4);
    expect(Math.max(...ids)).toBe(VOCAB_SIZE - 1);
  });

  it('adds BOS and EOS on request and decode stops at EOS', () => {
    const ids = encode('hi', { bos: true, eos: true });
    expect(ids[0]).toBe(BOS);
    expect(ids[ids.length - 1]).toBe(EOS);
    expect(decode([...ids, ...encode('ignored')])).toBe('hi');
  });

  it('skips padding and lower-cases input', () => {
    expect(decode([PAD, PAD, ...encode('Cat')])).toBe('cat');
  });

  it('maps unknown characters to UNK and reports them', () => {
    const ids = encode('a#b');
    expect(ids[1]).toBe(UNK);
    expect(decode(ids)).toBe('a\uFFFDb');
    expect(unknownChars('a#b€a')).toEqual(['#', '€']);
    expect(unknownChars('fine text.')).toEqual([]);
  });

  it('names tokens for debugging', () => {
    expect(tokenName(EOS)).toBe('<eos>');
    expect(tokenName(encode('z')[0])).toBe('z');
  });
});

describe('chat template', () => {
  it('puts the response right after the prompt template and ends with EOS', () => {
    const { ids, responseStart } = encodeExchange('what is 1 plus 1?', '2.');
    expect(ids.slice(0, responseStart)).toEqual(encodePrompt('what is 1 plus 1?'));
    expect(decode(ids.slice(responseStart))).toBe('2.');
    expect(ids[ids.length - 1]).toBe(EOS);
    expect(decode(ids.slice(0, responseStart))).toBe(promptText('what is 1 plus 1?'));
  });
});
