// Arithmetic prompts: small numbers, plus/minus/times, several wordings. Numbers are shared between
// splits (digits are the skill, not the object); held-out prompts use wordings never trained on.

import type { Rng } from '../../random';
import { fill, match, type Template } from '../template';
import type { PromptItem } from '../types';
import { makeItem, pickTemplate, type FamilyGenerator, type Split } from './common';

export type Op = 'plus' | 'minus' | 'times';
const OPS: Op[] = ['plus', 'minus', 'times'];
const SYMBOL: Record<Op, string> = { plus: '+', minus: '-', times: '*' };

const GENERIC: [id: string, pattern: string][] = [
  ['whatis', 'what is {a} {op} {b}?'],
  ['howmuch', 'how much is {a} {op} {b}?'],
  ['iswhat', '{a} {op} {b} is what?'],
  ['sym', 'what is {a} {sym} {b}?'],
  ['compute', 'compute {a} {op} {b}'],
  ['workout*', 'please work out {a} {op} {b}'],
  ['get*', 'what do you get from {a} {op} {b}?'],
  ['eq*', '{a} {sym} {b} = ?'],
];
const SPECIFIC: Record<Op, [id: string, pattern: string][]> = {
  plus: [
    ['sum', 'what is the sum of {a} and {b}?'],
    ['add*', 'add {a} and {b}'],
  ],
  minus: [
    ['takeaway', 'what is {a} take away {b}?'],
    ['subtract*', 'subtract {b} from {a}'],
  ],
  times: [
    ['multiplied', 'what is {a} multiplied by {b}?'],
    ['multiply*', 'multiply {a} by {b}'],
  ],
};

interface ArithTemplate extends Template {
  op: Op;
}

export const ARITH_TEMPLATES: ArithTemplate[] = OPS.flatMap((op) => [
  ...GENERIC.map(([id, p]) => ({
    id: `arith.${op}.${id}`,
    pattern: p.replace('{op}', op).replace('{sym}', SYMBOL[op]),
    op,
  })),
  ...SPECIFIC[op].map(([id, pattern]) => ({ id: `arith.${op}.${id}`, pattern, op })),
]);

export function compute(op: Op, a: number, b: number): number {
  return op === 'plus' ? a + b : op === 'minus' ? a - b : a * b;
}

function operands(rng: Rng, op: Op): [number, number] {
  if (op === 'plus') return [rng.int(11), rng.int(11)];
  if (op === 'times') return [1 + rng.int(6), rng.int(7)];
  const a = rng.int(13);
  return [a, rng.int(a + 1)]; // never negative: the world has no minus sign in answers
}

function build(t: ArithTemplate, a: number, b: number): PromptItem {
  return makeItem({
    family: 'arithmetic',
    prompt: fill(t, { a: String(a), b: String(b) }),
    template: t.id,
    answers: [String(compute(t.op, a, b))],
    operands: [a, b],
  });
}

export const arithmetic: FamilyGenerator = {
  templates: ARITH_TEMPLATES,
  sample(rng: Rng, split: Split) {
    const t = pickTemplate(rng, ARITH_TEMPLATES, split, true) as ArithTemplate;
    const [a, b] = operands(rng, t.op);
    return build(t, a, b);
  },
  parse(normalized: string) {
    for (const t of ARITH_TEMPLATES) {
      const s = match(t, normalized);
      if (!s) continue;
      const a = Number(s.a);
      const b = Number(s.b);
      if (a > 99 || b > 99 || compute(t.op, a, b) < 0) return null;
      return build(t, a, b);
    }
    return null;
  },
};
