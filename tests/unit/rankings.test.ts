// Rankings: pairs checked against hand-written lists, files round-tripped, and every kind of bad
// import refused with the right line and nothing returned.
import { describe, expect, it, vi } from 'vitest';
import {
  ImportError,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_LINES,
  comparisonCount,
  groupIdentical,
  isRanking,
  mergeRankings,
  orderProblem,
  pairId,
  parseRankingsJsonl,
  rankingPairs,
  rankingProblem,
  sameResponse,
  toJsonl,
  toPairwiseJsonl,
  type Ranking,
} from '../../src/lib/io/rankings';

function ranking(over: Partial<Ranking> = {}): Ranking {
  return {
    id: 'r1',
    prompt: 'what is 2 + 3?',
    responses: ['5', 'six', 'i do not know', '2 + 3 = 5'],
    order: [[3], [0], [2], [1]],
    source: 'human',
    round: 0,
    model: 'sft',
    createdAt: '2024-05-01T12:00:00.000Z',
    ...over,
  };
}

/** Runs the import and returns the ImportError it must throw. */
function importError(text: string): ImportError {
  let result: unknown = 'not thrown';
  try {
    result = parseRankingsJsonl(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return e as ImportError;
  }
  throw new Error(`expected an ImportError, got ${JSON.stringify(result)}`);
}

const line = (value: unknown): string => JSON.stringify(value);

describe('rankingPairs', () => {
  it('a strict ranking of 4 gives exactly the 6 ordered pairs, best first', () => {
    const r = ranking({ order: [[2], [0], [3], [1]] });
    expect(rankingPairs(r)).toEqual([
      { chosen: 2, rejected: 0 },
      { chosen: 2, rejected: 3 },
      { chosen: 2, rejected: 1 },
      { chosen: 0, rejected: 3 },
      { chosen: 0, rejected: 1 },
      { chosen: 3, rejected: 1 },
    ]);
    expect(comparisonCount(r)).toBe(6);
  });

  it('tied responses give no pair between them but are compared with everyone else', () => {
    const r = ranking({ order: [[2], [0, 3], [1]] });
    expect(rankingPairs(r)).toEqual([
      { chosen: 2, rejected: 0 },
      { chosen: 2, rejected: 3 },
      { chosen: 2, rejected: 1 },
      { chosen: 0, rejected: 1 },
      { chosen: 3, rejected: 1 },
    ]);
    expect(comparisonCount(r)).toBe(5);
    expect(comparisonCount({ order: [[0, 1, 2, 3]] })).toBe(0);
    expect(rankingPairs({ order: [[0, 1, 2, 3]] })).toEqual([]);
  });

  it('comparisonCount agrees with the pairs for strict rankings of every K (C(K,2))', () => {
    for (let k = 2; k <= 9; k++) {
      const order = Array.from({ length: k }, (_, i) => [k - 1 - i]);
      expect(rankingPairs({ order })).toHaveLength((k * (k - 1)) / 2);
      expect(comparisonCount(order)).toBe((k * (k - 1)) / 2);
    }
  });

  it('orderProblem names what is missing, repeated or out of range', () => {
    expect(orderProblem([[0], [2], [3]], 4)).toBe("'order' must list each of the 4 responses exactly once (missing 1)");
    expect(orderProblem([[0, 1], [1], [2, 3]], 4)).toMatch(/response 1 more than once/);
    expect(orderProblem([[0], [4], [1, 2, 3]], 4)).toMatch(/index 4 is out of range/);
    expect(orderProblem([[0], [], [1, 2, 3]], 4)).toMatch(/tier 1 is empty/);
    expect(orderProblem([[0], [1.5], [1, 2, 3]], 4)).toMatch(/not a response index/);
    expect(orderProblem([[1], [0, 3], [2]], 4)).toBeNull();
  });
});

describe('export', () => {
  const rs: Ranking[] = [
    ranking(),
    ranking({
      id: 'r2',
      prompt: 'say "hi"\n\tplease',
      responses: ['hi', 'hello there', '<b>no</b>'],
      order: [[1, 0], [2]],
      flagged: [2],
      source: 'simulated',
      round: 2,
      model: 'policy@r2',
    }),
    ranking({ id: 'r3', flagged: [] }),
  ];

  it('JSONL round trip preserves every field, ties, flags and odd characters', () => {
    const text = toJsonl(rs);
    expect(text.split('\n')).toHaveLength(4); // 3 lines + trailing newline
    expect(text.endsWith('\n')).toBe(true);
    const parsed = parseRankingsJsonl(text);
    expect(parsed.format).toBe('rankings');
    expect(parsed.rankings).toEqual(rs);
    expect('flagged' in parsed.rankings[0]).toBe(false);
  });

  it('pairwise export writes C(K,2) TRL lines per strict ranking with the right texts', () => {
    const r = ranking(); // order 3 > 0 > 2 > 1
    const lines = toPairwiseJsonl([r]).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(6);
    const texts = lines.map((l) => [l.chosen, l.rejected]);
    expect(texts).toEqual([
      ['2 + 3 = 5', '5'],
      ['2 + 3 = 5', 'i do not know'],
      ['2 + 3 = 5', 'six'],
      ['5', 'i do not know'],
      ['5', 'six'],
      ['i do not know', 'six'],
    ]);
    for (const l of lines) {
      expect(l.prompt).toBe('what is 2 + 3?');
      expect(Object.keys(l).slice(0, 3)).toEqual(['prompt', 'chosen', 'rejected']);
    }
    // Ties give fewer lines: [[1,0],[2]] has 2 pairs.
    expect(toPairwiseJsonl([rs[1]]).trimEnd().split('\n')).toHaveLength(2);
  });

  it('an empty list exports as an empty string', () => {
    expect(toJsonl([])).toBe('');
    expect(toPairwiseJsonl([])).toBe('');
  });
});

describe('parseRankingsJsonl refuses bad files, naming the line, returning nothing', () => {
  const good = line(ranking());

  const cases: { name: string; text: string; line: number; message: RegExp }[] = [
    { name: 'bad JSON on line 2', text: `${good}\n{"id": "r2", oops\n`, line: 2, message: /^line 2: not valid JSON/ },
    { name: 'a JSON array instead of an object', text: `${good}\n[1,2]`, line: 2, message: /line 2: expected a JSON object, found an array/ },
    {
      name: 'missing field',
      text: `${good}\n${line({ ...ranking({ id: 'r2' }), model: undefined })}`,
      line: 2,
      message: /line 2: missing 'model'/,
    },
    {
      name: 'wrong type',
      text: `${good}\n${line(ranking({ id: 'r2', round: -1 }))}`,
      line: 2,
      message: /line 2: 'round' must be a whole number >= 0, found -1/,
    },
    {
      name: 'bad source',
      text: line(ranking({ source: 'robot' as Ranking['source'] })),
      line: 1,
      message: /line 1: 'source' must be "human" or "simulated", found "robot"/,
    },
    {
      name: 'order missing an index',
      text: `${good}\n${good.replace('"r1"', '"r2"')}\n${line(ranking({ id: 'r3', order: [[3], [0], [1]] }))}`,
      line: 3,
      message: /^line 3: 'order' must list each of the 4 responses exactly once \(missing 2\)$/,
    },
    {
      name: 'K=1',
      text: line(ranking({ responses: ['5'], order: [[0]] })),
      line: 1,
      message: /line 1: 'responses' must hold 2 to 9 responses, found 1/,
    },
    {
      name: 'K=10',
      text: `\n${line(ranking({ responses: Array.from({ length: 10 }, (_, i) => `r${i}`), order: [Array.from({ length: 10 }, (_, i) => i)] }))}`,
      line: 2,
      message: /line 2: 'responses' must hold 2 to 9 responses, found 10/,
    },
    {
      name: 'an empty response',
      text: line(ranking({ responses: ['5', '', 'x', 'y'] })),
      line: 1,
      message: /line 1: response 1 is empty/,
    },
    {
      name: 'duplicate id',
      text: `${good}\n${line(ranking({ id: 'r2' }))}\n${good}\n`,
      line: 3,
      message: /line 3: duplicate id "r1" \(first used on line 1\)/,
    },
    {
      name: 'mixed formats',
      text: `${good}\n${line({ prompt: 'p', chosen: 'a', rejected: 'b' })}`,
      line: 2,
      message: /line 2: mixed formats: line 1 is a ranking but this line is a pairwise preference/,
    },
    {
      name: 'unknown format',
      text: line({ text: 'hello' }),
      line: 1,
      message: /line 1: unknown format/,
    },
    {
      name: 'flag out of range',
      text: line(ranking({ flagged: [4] })),
      line: 1,
      message: /line 1: 'flagged' holds 4/,
    },
    {
      name: 'a bad date',
      text: line(ranking({ createdAt: 'yesterday' })),
      line: 1,
      message: /line 1: 'createdAt' is not a date/,
    },
    {
      name: 'a pairwise line without a prompt',
      text: `${line({ prompt: 'p', chosen: 'a', rejected: 'b' })}\n${line({ chosen: 'a', rejected: 'b' })}`,
      line: 2,
      message: /line 2: missing 'prompt'/,
    },
    {
      name: 'conversational TRL messages',
      text: line({ prompt: 'p', chosen: [{ role: 'assistant', content: 'a' }], rejected: 'b' }),
      line: 1,
      message: /line 1: 'chosen' must be a string, found an array \(conversational/,
    },
    { name: 'an empty file', text: '\n\n', line: 0, message: /no rankings/ },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const err = importError(c.text);
      expect(err.line).toBe(c.line);
      expect(err.message).toMatch(c.message);
    });
  }

  it('refuses files over the size and line limits before parsing', () => {
    const big = 'x'.repeat(MAX_IMPORT_BYTES + 1);
    const e1 = importError(big);
    expect(e1.line).toBe(0);
    expect(e1.message).toMatch(/over the 10\.0 MB limit/);
    const many = '\n'.repeat(MAX_IMPORT_LINES + 1);
    expect(importError(many).message).toMatch(/more than 100,000 lines/);
  });

  it('counts bytes, not characters, against the size limit', () => {
    // 4 million 3-byte characters: 4M UTF-16 units (under the limit) but 12 MB of UTF-8.
    const wide = '\u20ac'.repeat(4_000_000);
    expect(importError(wide).message).toMatch(/the file is 11\.4 MB/);
  });
});

describe('parseRankingsJsonl accepts', () => {
  it('blank lines, CRLF line ends, a byte-order mark and no trailing newline', () => {
    const text = `\uFEFF${line(ranking())}\r\n\r\n  \n${line(ranking({ id: 'r2' }))}`;
    const parsed = parseRankingsJsonl(text);
    expect(parsed.rankings.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(parsed.warnings).toEqual([]);
  });

  it('the pairwise TRL form, as K=2 rankings (human unless told), with stable ids', () => {
    const now = new Date('2024-06-01T00:00:00.000Z');
    const text = [
      line({ prompt: 'what is 1 + 1?', chosen: '2', rejected: 'three' }),
      line({ prompt: 'what is 1 + 1?', chosen: '2', rejected: 'three' }),
      line({ prompt: 'hi', chosen: 'hello', rejected: 'go away', source: 'simulated', round: 1, model: 'policy@r1' }),
    ].join('\n');
    const parsed = parseRankingsJsonl(text, { now });
    expect(parsed.format).toBe('pairwise');
    const [a, b, c] = parsed.rankings;
    expect(a).toMatchObject({
      prompt: 'what is 1 + 1?',
      responses: ['2', 'three'],
      order: [[0], [1]],
      source: 'human',
      round: 0,
      createdAt: '2024-06-01T00:00:00.000Z',
    });
    expect(rankingPairs(a)).toEqual([{ chosen: 0, rejected: 1 }]);
    expect(b.id).not.toBe(a.id); // a pair repeated on purpose stays two rankings
    expect(c).toMatchObject({ source: 'simulated', round: 1, model: 'policy@r1' });
    // Same file again: same ids, so a merge adds nothing.
    const again = parseRankingsJsonl(text, { now });
    expect(again.rankings.map((r) => r.id)).toEqual(parsed.rankings.map((r) => r.id));
    expect(mergeRankings(parsed.rankings, again.rankings)).toMatchObject({ added: 0, skipped: 3 });
  });

  it('its own pairwise export', () => {
    const r = ranking();
    const parsed = parseRankingsJsonl(toPairwiseJsonl([r]));
    expect(parsed.rankings).toHaveLength(6);
    expect(parsed.rankings[0]).toMatchObject({ responses: ['2 + 3 = 5', '5'], source: 'human', model: 'sft', round: 0 });
    expect(new Set(parsed.rankings.map((x) => x.id)).size).toBe(6);
  });

  it('text the model cannot read, with a warning naming the characters', () => {
    const text = `${line(ranking())}\n${line(ranking({ id: 'r2', prompt: 'café?', responses: ['ok', 'no €', 'x', 'y'] }))}`;
    const parsed = parseRankingsJsonl(text);
    expect(parsed.rankings).toHaveLength(2);
    expect(parsed.warnings).toEqual(['line 2: the model cannot read "é" "€"; they become <unk>']);
    // Capitals are fine: the tokenizer lower-cases.
    expect(parsed.rankings[1].prompt).toBe('café?');
    expect(parseRankingsJsonl(line(ranking({ prompt: 'What Is 2 + 3?' }))).warnings).toEqual([]);
  });

  it('caps the warnings so a large file cannot flood the page', () => {
    const lines = Array.from({ length: 80 }, (_, i) => line(ranking({ id: `r${i}`, prompt: 'tab\there' })));
    const { warnings } = parseRankingsJsonl(lines.join('\n'));
    expect(warnings).toHaveLength(51);
    expect(warnings[50]).toBe('... and 30 more warnings');
  });
});

describe('mergeRankings', () => {
  it('adds new ids, skips known ones (and repeats within the incoming list), counts conflicts', () => {
    const existing = [ranking({ id: 'a' }), ranking({ id: 'b' })];
    const incoming = [
      ranking({ id: 'b' }), // same content: skipped
      ranking({ id: 'a', order: [[0], [1], [2], [3]] }), // same id, different ranking: conflict
      ranking({ id: 'c' }),
      ranking({ id: 'c', round: 3 }),
    ];
    const merged = mergeRankings(existing, incoming);
    expect(merged.rankings.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(merged.rankings[0].order).toEqual(existing[0].order);
    expect(merged.rankings[2].round).toBe(0);
    expect(merged).toMatchObject({ added: 1, skipped: 3, conflicts: 2 });
    expect(existing).toHaveLength(2); // inputs untouched
  });
});

/** The TRL lines of a pairwise export, parsed. */
function pairLines(text: string): { prompt: string; chosen: string; rejected: string }[] {
  return text
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { prompt: string; chosen: string; rejected: string });
}

describe('identical answers are ties, always', () => {
  it('groupIdentical and sameResponse: by exact text, or by token ids for rows', () => {
    expect(groupIdentical(['a', 'b', 'a', 'c', 'b'])).toEqual([[0, 2], [1, 4], [3]]);
    expect(groupIdentical(['a', 'A'])).toEqual([[0], [1]]);
    expect(sameResponse([1, 2, 3], [1, 2, 3])).toBe(true);
    expect(sameResponse([1, 2, 3], [1, 2])).toBe(false);
    expect(sameResponse([1, 2, 3], [1, 2, 4])).toBe(false);
  });

  it('rankingPairs with the responses never pairs identical texts, even ranked apart by hand', () => {
    // A hand-made ranking that splits "5" (responses 0 and 2) into tiers 1 and 3.
    const r = ranking({ responses: ['5', 'six', '5', '2 + 3 = 5'], order: [[0], [1], [2], [3]] });
    expect(rankingPairs(r)).toEqual([
      { chosen: 0, rejected: 1 },
      { chosen: 0, rejected: 3 },
      { chosen: 1, rejected: 2 },
      { chosen: 1, rejected: 3 },
      { chosen: 2, rejected: 3 },
    ]);
    expect(comparisonCount(r)).toBe(5);
    // Without the texts the order alone gives all 6 (this is what the page counts before texts).
    expect(rankingPairs({ order: r.order })).toHaveLength(6);
  });

  it('the pairs export never writes chosen == rejected, whatever the tiers say', () => {
    const split = ranking({ id: 'split', responses: ['5', 'six', '5', '5'], order: [[2], [1], [0], [3]] });
    const allSame = ranking({ id: 'same', responses: ['5', '5', '5'], order: [[0], [1], [2]] });
    const lines = pairLines(toPairwiseJsonl([split, allSame]));
    expect(lines.map((l) => [l.chosen, l.rejected])).toEqual([['5', 'six'], ['six', '5'], ['six', '5']]);
    for (const l of lines) expect(l.chosen).not.toBe(l.rejected);
    expect(toPairwiseJsonl([allSame])).toBe('');
  });

  it('an imported ranking that splits identical texts is kept, with a warning that they count as tied', () => {
    const { rankings, warnings } = parseRankingsJsonl(line(ranking({ responses: ['5', 'six', '5', 'x'], order: [[0], [1], [2], [3]] })));
    expect(warnings).toEqual(['line 1: responses 0 and 2 are the same text but ranked apart; they count as tied (no comparison between them)']);
    expect(rankingPairs(rankings[0]).some((p) => p.chosen === 0 && p.rejected === 2)).toBe(false);
  });

  it('a pairwise line with chosen == rejected is left out, with a warning', () => {
    const text = [line({ prompt: 'p', chosen: 'a', rejected: 'a' }), line({ prompt: 'p', chosen: 'a', rejected: 'b' })].join('\n');
    const parsed = parseRankingsJsonl(text);
    expect(parsed.rankings.map((r) => r.responses)).toEqual([['a', 'b']]);
    expect(parsed.warnings).toEqual(["line 1: 'chosen' and 'rejected' are the same text, which compares nothing; the line is left out"]);
  });
});

describe('deeply nested input is an ImportError naming the line, never a raw RangeError', () => {
  const deep = (depth: number, inner = '0'): string => '['.repeat(depth) + inner + ']'.repeat(depth);
  const good = line(ranking());

  it("an 'order' nested 100,000 deep", () => {
    const bad = line(ranking({ id: 'r2' })).replace(/"order":\[\[3\],\[0\],\[2\],\[1\]\]/, `"order":${deep(100_000)}`);
    expect(bad.length).toBeGreaterThan(200_000);
    const err = importError(`${good}\n${bad}`);
    expect(err.line).toBe(2);
    expect(err.message).toBe("line 2: 'order' tier 0 holds an array, not a response index");
  });

  it("'flagged', 'source' and 'round' nested 100,000 deep", () => {
    for (const field of ['flagged', 'source', 'round']) {
      const third = line({ ...ranking({ id: 'r3' }), [field]: 'DEEP' }).replace('"DEEP"', deep(100_000));
      const err = importError(`${good}\n${good.replace('"r1"', '"r2"')}\n${third}`);
      expect(err.line).toBe(3);
      expect(err.message).toMatch(new RegExp(`^line 3: '${field}' (holds an array|must be .* found an array)`));
    }
  });

  it('a stack overflow while reading a line (JSON.parse in some engines) is reported for that line', () => {
    const real = JSON.parse;
    const spy = vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      if (text.startsWith('[[[')) throw new RangeError('Maximum call stack size exceeded');
      return real(text, reviver) as unknown;
    });
    try {
      const err = importError(`${good}\n${deep(1000)}`);
      expect(err.line).toBe(2);
      expect(err.message).toMatch(/^line 2: nested too deeply to read \(Maximum call stack size exceeded\)/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('rankingProblem: the import validator for anything else that takes rankings in', () => {
  it('accepts what the importer accepts and names the same problems, without a line', () => {
    expect(rankingProblem(ranking())).toBeNull();
    expect(isRanking(ranking({ flagged: [1] }))).toBe(true);
    expect(rankingProblem({ ...ranking(), model: undefined })).toBe("missing 'model'");
    expect(rankingProblem(ranking({ order: [[0], [1], [2]] }))).toBe("'order' must list each of the 4 responses exactly once (missing 3)");
    expect(rankingProblem(ranking({ responses: ['a'], order: [[0]] }))).toMatch(/must hold 2 to 9 responses/);
    expect(rankingProblem(null)).toBe('expected a ranking object, found null');
    expect(rankingProblem([ranking()])).toBe('expected a ranking object, found an array');
    expect(isRanking({ id: 'x', prompt: 'p', responses: [], order: [] })).toBe(false);
  });
});

describe('pairwise imports are deduplicated by content', () => {
  const now = new Date('2024-06-01T00:00:00.000Z');
  const strict = ranking(); // 4 responses, 6 pairs
  const tied = ranking({ id: 'r2', prompt: 'greet me', responses: ['hi', 'hello', 'go away'], order: [[1, 0], [2]] }); // 2 pairs

  it('importing the pairs export of rankings already present adds nothing', () => {
    const parsed = parseRankingsJsonl(toPairwiseJsonl([strict, tied]), { now });
    expect(parsed.rankings).toHaveLength(8);
    const merged = mergeRankings([strict, tied], parsed.rankings);
    expect(merged).toMatchObject({ added: 0, skipped: 8, duplicates: 8, conflicts: 0 });
    expect(merged.rankings).toEqual([strict, tied]);
  });

  it('importing the same pairs file twice adds nothing the second time (with or without ids, any createdAt)', () => {
    const text = toPairwiseJsonl([strict]) + line({ prompt: 'q', chosen: 'a', rejected: 'b' }) + '\n';
    const first = mergeRankings([], parseRankingsJsonl(text, { now }).rankings);
    expect(first.added).toBe(7);
    const again = mergeRankings(first.rankings, parseRankingsJsonl(text, { now: new Date('2025-01-01T00:00:00.000Z') }).rankings);
    expect(again).toMatchObject({ added: 0, skipped: 7, conflicts: 0 });
    expect(again.rankings).toHaveLength(7);
  });

  it('adds the pairs it does not hold, and keeps a pair a file repeats beyond what is held', () => {
    const text = [
      line({ prompt: strict.prompt, chosen: '2 + 3 = 5', rejected: '5' }), // held by `strict`
      line({ prompt: strict.prompt, chosen: '5', rejected: '2 + 3 = 5' }), // the opposite: new
      line({ prompt: strict.prompt, chosen: '2 + 3 = 5', rejected: '5' }), // a second labeler: new
      line({ prompt: 'another prompt', chosen: '2 + 3 = 5', rejected: '5' }), // other prompt: new
    ].join('\n');
    const merged = mergeRankings([strict], parseRankingsJsonl(text, { now }).rankings);
    expect(merged).toMatchObject({ added: 3, skipped: 1, duplicates: 1 });
    expect(merged.rankings.slice(1).map((r) => [r.prompt, ...r.responses])).toEqual([
      [strict.prompt, '5', '2 + 3 = 5'],
      [strict.prompt, '2 + 3 = 5', '5'],
      ['another prompt', '2 + 3 = 5', '5'],
    ]);
  });

  it('ids come from content, not from the line, and only pairwise imports are deduplicated by content', () => {
    const [a] = parseRankingsJsonl(line({ prompt: 'p', chosen: 'a', rejected: 'b', id: 'whatever' }), { now }).rankings;
    expect(a.id).toBe(pairId('p', 'a', 'b'));
    expect(pairId('p', 'a', 'b', 1)).toBe(`${a.id}-1`);
    expect(pairId('p', 'b', 'a')).not.toBe(a.id);
    // A K=2 ranking made in the page (its own id) with the same content is new data.
    const human = ranking({ id: 'h1', prompt: 'p', responses: ['a', 'b'], order: [[0], [1]] });
    expect(mergeRankings([a], [human])).toMatchObject({ added: 1, duplicates: 0 });
  });
});
