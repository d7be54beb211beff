// Wording templates: one pattern string both renders a prompt and parses a typed one back, so the
// generator and parsePrompt can never disagree about what a wording is.

import { withArticle } from './kb';

export interface Template {
  /** Unique id; held-out wordings end in '*'. */
  id: string;
  /** Text with slots: {a} {b} numbers, {w} {n} one word, {e} "a/an noun", {act} {t} short phrases. */
  pattern: string;
}

export type Slots = Record<string, string>;

const SLOT_REGEX: Record<string, string> = {
  a: '(\\d+)',
  b: '(\\d+)',
  w: '([a-z]+)',
  n: '([a-z]+)',
  e: '(?:a|an) ([a-z]+)',
  act: "([a-z' ]+?)",
  t: "([a-z' ]+?)",
};

export function isHeldoutTemplate(t: Template): boolean {
  return t.id.endsWith('*');
}

/** Lower-case, trim, single spaces, no trailing ?.! : the forms users type that mean the same. */
export function normalizePrompt(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.?!]+$/, '');
}

export function fill(t: Template, slots: Slots): string {
  return t.pattern.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`template ${t.id}: missing slot ${name}`);
    return name === 'e' ? withArticle(value) : value;
  });
}

const compiled = new Map<string, { re: RegExp; names: string[] }>();

function compile(t: Template): { re: RegExp; names: string[] } {
  const hit = compiled.get(t.pattern);
  if (hit) return hit;
  const names: string[] = [];
  const source = normalizePrompt(t.pattern)
    .split(/(\{\w+\})/)
    .map((part) => {
      const slot = /^\{(\w+)\}$/.exec(part);
      if (!slot) return part.replace(/[.*+?^${}()|[\]\\/=-]/g, '\\$&');
      names.push(slot[1]);
      return SLOT_REGEX[slot[1]];
    })
    .join('');
  const out = { re: new RegExp(`^${source}$`), names };
  compiled.set(t.pattern, out);
  return out;
}

/** The slot values if `text` (already normalised) has this wording, else null. */
export function match(t: Template, normalized: string): Slots | null {
  const { re, names } = compile(t);
  const m = re.exec(normalized);
  if (!m) return null;
  const slots: Slots = {};
  names.forEach((name, i) => (slots[name] = m[i + 1]));
  return slots;
}
