// Character-level tokenizer. The assistant world writes only the characters in ALPHABET, so the
// vocabulary is fixed and small (a checkpoint's vocabSize must match VOCAB_SIZE). Anything else a
// user types maps to UNK rather than being silently dropped, and `unknownChars` reports it.

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

/** Every printable character the world uses. Order is part of the checkpoint format: never reorder. */
export const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 .,?!'-:+*=/\n";

export const VOCAB_SIZE = SPECIAL_TOKENS.length + ALPHABET.length;

const charToId = new Map<string, number>(
  [...ALPHABET].map((ch, i) => [ch, i + SPECIAL_TOKENS.length]),
);

export interface EncodeOptions {
  /** Prepend BOS. */
  bos?: boolean;
  /** Append EOS. */
  eos?: boolean;
}

/** Lower-cases (the world has no capitals) and maps each character to its id, UNK if unknown. */
export function encode(text: string, options: EncodeOptions = {}): number[] {
  const ids: number[] = [];
  if (options.bos) ids.push(BOS);
  for (const ch of text.toLowerCase()) ids.push(charToId.get(ch) ?? UNK);
  if (options.eos) ids.push(EOS);
  return ids;
}

/**
 * Turns ids back into text. Stops at the first EOS and skips PAD and BOS. UNK becomes U+FFFD
 * ('?' is a real character of the world, so it cannot stand for "unknown").
 */
export function decode(ids: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === EOS) break;
    if (id === PAD || id === BOS) continue;
    if (id === UNK) {
      out += '\uFFFD';
      continue;
    }
    const ch = ALPHABET[id - SPECIAL_TOKENS.length];
    out += ch ?? '\uFFFD';
  }
  return out;
}

/** The distinct characters of `text` (after lower-casing) that the vocabulary cannot represent. */
export function unknownChars(text: string): string[] {
  const unknown = new Set<string>();
  for (const ch of text.toLowerCase()) if (!charToId.has(ch)) unknown.add(ch);
  return [...unknown];
}

/** A readable name for a token id, for debugging and sample tables. */
export function tokenName(id: number): string {
  if (id >= 0 && id < SPECIAL_TOKENS.length) return SPECIAL_TOKENS[id];
  return ALPHABET[id - SPECIAL_TOKENS.length] ?? `<${id}>`;
}
