// The knowledge base: the only facts the world contains. Hand-written and fixed (not seeded) so every
// run agrees on what is true. Held-out entities are never asked about in training prompts or
// demonstrations; they appear in the pretraining corpus only as plain statements ("an owl says
// hoot."), the one way a model could know them, as GPT-3 knew facts from its corpus.

import type { FactAttribute } from './types';

export interface AttributeValue {
  /** The distinctive word the judge looks for ('farm'). */
  key: string;
  /** How the world says it as an answer ('on a farm'). */
  phrase: string;
}

export interface Entity {
  name: string;
  kind: 'animal' | 'thing';
  heldout: boolean;
  values: Partial<Record<FactAttribute, string>>;
}

/** Every value an attribute can take, keyed by its key word. */
export const ATTRIBUTE_VALUES: Record<FactAttribute, AttributeValue[]> = {
  color: ['red', 'yellow', 'green', 'blue', 'white', 'black', 'brown', 'gray', 'pink', 'orange', 'purple', 'gold'].map(
    (c) => ({ key: c, phrase: c }),
  ),
  home: [
    ['farm', 'on a farm'],
    ['pond', 'in a pond'],
    ['tree', 'in a tree'],
    ['hive', 'in a hive'],
    ['water', 'in water'],
    ['hole', 'in a hole'],
    ['barn', 'in a barn'],
    ['cave', 'in a cave'],
    ['forest', 'in the forest'],
    ['sea', 'in the sea'],
    ['desert', 'in the desert'],
    ['ice', 'on the ice'],
    ['house', 'in a house'],
    ['jungle', 'in the jungle'],
    ['nest', 'in a nest'],
  ].map(([key, phrase]) => ({ key, phrase })),
  sound: ['moo', 'oink', 'baa', 'quack', 'ribbit', 'hoot', 'buzz', 'caw', 'squeak', 'neigh', 'hiss', 'growl', 'cluck', 'howl', 'roar', 'woof', 'meow'].map(
    (s) => ({ key: s, phrase: s }),
  ),
  food: ['grass', 'corn', 'flies', 'mice', 'seeds', 'cheese', 'hay', 'fish', 'nuts', 'bugs', 'carrots', 'meat', 'honey', 'leaves', 'bananas', 'plants'].map(
    (f) => ({ key: f, phrase: f }),
  ),
  place: [
    ['kitchen', 'in the kitchen'],
    ['fridge', 'in the fridge'],
    ['drawer', 'in a drawer'],
    ['closet', 'in the closet'],
    ['desk', 'on a desk'],
    ['shelf', 'on a shelf'],
    ['bathroom', 'in the bathroom'],
    ['garage', 'in the garage'],
    ['bed', 'on the bed'],
    ['bowl', 'in a bowl'],
  ].map(([key, phrase]) => ({ key, phrase })),
};

type Row = [name: string, heldout: boolean, color?: string, home?: string, sound?: string, food?: string];

const ANIMAL_ROWS: Row[] = [
  ['cow', false, 'brown', 'farm', 'moo', 'grass'],
  ['pig', false, 'pink', 'farm', 'oink', 'corn'],
  ['sheep', false, 'white', 'farm', 'baa', 'grass'],
  ['duck', false, 'white', 'pond', 'quack', 'seeds'],
  ['frog', false, 'green', 'pond', 'ribbit', 'flies'],
  ['bee', false, 'yellow', 'hive', 'buzz', undefined],
  ['fish', false, 'gold', 'water', undefined, 'bugs'],
  ['crow', false, 'black', 'tree', 'caw', 'corn'],
  ['mouse', false, 'gray', 'hole', 'squeak', 'cheese'],
  ['horse', false, 'brown', 'barn', 'neigh', 'hay'],
  ['snake', false, 'green', 'forest', 'hiss', 'mice'],
  ['bear', false, 'brown', 'cave', 'growl', 'honey'],
  ['hen', false, 'red', 'farm', 'cluck', 'corn'],
  ['lion', false, 'gold', 'jungle', 'roar', 'meat'],
  ['dog', false, 'brown', 'house', 'woof', 'meat'],
  ['cat', false, 'gray', 'house', 'meow', 'fish'],
  ['monkey', false, 'brown', 'jungle', undefined, 'bananas'],
  ['whale', false, 'blue', 'sea', undefined, 'fish'],
  ['squirrel', false, 'gray', 'tree', undefined, 'nuts'],
  ['rabbit', false, 'white', 'hole', undefined, 'carrots'],
  ['owl', true, 'brown', 'tree', 'hoot', 'mice'],
  ['wolf', true, 'gray', 'forest', 'howl', 'meat'],
  ['camel', true, 'brown', 'desert', undefined, 'plants'],
  ['penguin', true, 'black', 'ice', undefined, 'fish'],
  ['goat', true, 'white', 'farm', 'baa', 'grass'],
  ['robin', true, 'red', 'nest', undefined, 'bugs'],
];

type ThingRow = [name: string, heldout: boolean, color: string, place?: string];

const THING_ROWS: ThingRow[] = [
  ['banana', false, 'yellow', 'kitchen'],
  ['apple', false, 'red', 'bowl'],
  ['carrot', false, 'orange', 'fridge'],
  ['grape', false, 'purple', 'fridge'],
  ['tomato', false, 'red', 'fridge'],
  ['egg', false, 'white', 'fridge'],
  ['spoon', false, 'gray', 'drawer'],
  ['fork', false, 'gray', 'drawer'],
  ['pillow', false, 'white', 'bed'],
  ['shoe', false, 'black', 'closet'],
  ['coat', false, 'blue', 'closet'],
  ['book', false, 'red', 'shelf'],
  ['bike', false, 'blue', 'garage'],
  ['leaf', false, 'green'],
  ['cherry', false, 'red', 'bowl'],
  ['lemon', true, 'yellow', 'bowl'],
  ['plum', true, 'purple', 'bowl'],
  ['pencil', true, 'yellow', 'desk'],
  ['towel', true, 'white', 'bathroom'],
  ['pepper', true, 'green', 'kitchen'],
];

export const ENTITIES: Entity[] = [
  ...ANIMAL_ROWS.map(([name, heldout, color, home, sound, food]): Entity => ({
    name,
    kind: 'animal',
    heldout,
    values: defined({ color, home, sound, food }),
  })),
  ...THING_ROWS.map(([name, heldout, color, place]): Entity => ({
    name,
    kind: 'thing',
    heldout,
    values: defined({ color, place }),
  })),
];

function defined(values: Partial<Record<FactAttribute, string | undefined>>): Partial<Record<FactAttribute, string>> {
  const out: Partial<Record<FactAttribute, string>> = {};
  for (const [k, v] of Object.entries(values) as [FactAttribute, string | undefined][]) if (v) out[k] = v;
  return out;
}

const BY_NAME = new Map(ENTITIES.map((e) => [e.name, e]));

export function findEntity(name: string): Entity | undefined {
  return BY_NAME.get(name);
}

export function attributeValue(attribute: FactAttribute, key: string): AttributeValue {
  const v = ATTRIBUTE_VALUES[attribute].find((x) => x.key === key);
  if (!v) throw new Error(`unknown ${attribute} value ${key}`);
  return v;
}

/** "a cat", "an owl". */
export function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
