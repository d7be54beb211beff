// The checkpoint file format: exact round trips, and every refused load leaves the model untouched.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FORMAT_VERSION,
  CheckpointError,
  applyCheckpoint,
  crc32,
  parseCheckpoint,
  serializeCheckpoint,
  weightsFromCheckpoint,
  type CheckpointConfig,
  type Checkpointable,
} from '../../src/lib/io/checkpoint.ts';
import { loadCheckpointFile, saveCheckpointFile } from '../../src/lib/io/store-node.ts';
import { createRng } from '../../src/lib/random.ts';
import { TOKENIZER_ID } from '../../src/lib/tokenizer.ts';

// A stand-in for the GPT: a config and named variables of the shapes a tiny GPT would have.
interface FakeConfig extends CheckpointConfig {
  dropout: number;
}
const baseConfig: FakeConfig = { vocabSize: 11, contextLength: 8, nLayer: 1, nHead: 2, dModel: 4, dropout: 0 };

function fakeModel(seed: number, config: FakeConfig = baseConfig, skip: string[] = []): Checkpointable & { config: FakeConfig } {
  const rng = createRng(seed);
  const d = config.dModel;
  const shapes: [string, number[]][] = [
    ['wte', [config.vocabSize, d]],
    ['wpe', [config.contextLength, d]],
    ['h0.attn.wqkv', [d, 3 * d]],
    ['h0.ln1.gamma', [d]],
    ['lnf.beta', [d]],
  ];
  const weights = new Map<string, tf.Variable>();
  for (const [name, shape] of shapes) {
    if (skip.includes(name)) continue;
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, () => rng.normal());
    weights.set(name, tf.variable(tf.tensor(values, shape), true, `${name}_${seed}_${Math.random()}`));
  }
  return { config, weights };
}

async function snapshot(model: Checkpointable): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.weights) out.set(name, (await v.data()) as Float32Array);
  return out;
}

/** Bitwise equality of two snapshots (so -0 vs 0 or NaN payloads would show). */
function expectBitwiseEqual(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, va] of a) {
    const vb = b.get(name)!;
    expect(Array.from(new Uint32Array(vb.buffer, vb.byteOffset, vb.length)), name).toEqual(
      Array.from(new Uint32Array(va.buffer, va.byteOffset, va.length)),
    );
  }
}

function expectCheckpointError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  expect((caught as Error).message).toMatch(pattern);
}

const meta = { stage: 'sft', step: 120, seed: 7, createdAt: '2025-01-02T03:04:05.000Z', note: 'hello' };

describe('checkpoint format', () => {
  let bytes: Uint8Array;
  let source: ReturnType<typeof fakeModel>;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    source = fakeModel(1);
    bytes = await serializeCheckpoint(source, meta);
  });
  afterAll(() => {
    tf.disposeVariables();
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round trip restores bitwise-identical weights, config and meta', async () => {
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('RLHFPGCK');
    const parsed = parseCheckpoint(bytes);
    expect(parsed.version).toBe(CHECKPOINT_FORMAT_VERSION);
    expect(parsed.config).toEqual(baseConfig);
    expect(parsed.meta).toEqual({ ...meta, tokenizer: TOKENIZER_ID });
    expect([...parsed.weights.keys()]).toEqual([...source.weights.keys()]);

    const target = fakeModel(2);
    const before = await snapshot(target);
    expect(before.get('wte')![0]).not.toBe((await snapshot(source)).get('wte')![0]);
    applyCheckpoint(target, parsed);
    expectBitwiseEqual(await snapshot(target), await snapshot(source));

    const fresh = weightsFromCheckpoint(parsed);
    expect(fresh.get('wpe')!.shape).toEqual([baseConfig.contextLength, baseConfig.dModel]);
    expect(Array.from(await fresh.get('wpe')!.data())).toEqual(Array.from(await source.weights.get('wpe')!.data()));
    for (const t of fresh.values()) t.dispose();
  });

  it('fills in createdAt when absent and serialises deterministically otherwise', async () => {
    const parsed = parseCheckpoint(await serializeCheckpoint(source, { stage: 'rm' }));
    expect(parsed.meta.stage).toBe('rm');
    expect(Number.isNaN(Date.parse(parsed.meta.createdAt!))).toBe(false);
    expect(await serializeCheckpoint(source, meta)).toEqual(bytes);
  });

  it('a flipped byte in the weight data is reported as corrupt and changes nothing', async () => {
    const bad = bytes.slice();
    bad[bad.length - 3] ^= 0x10;
    const target = fakeModel(3);
    const before = await snapshot(target);
    expectCheckpointError(() => applyCheckpoint(target, parseCheckpoint(bad)), /corrupt/);
    expectBitwiseEqual(await snapshot(target), before);
  });

  it('a flipped byte in the header is reported as corrupt', () => {
    const bad = bytes.slice();
    bad[30] ^= 0x01;
    expectCheckpointError(() => parseCheckpoint(bad), /corrupt/);
  });

  it('a truncated file is refused, wherever it is cut', () => {
    for (const cut of [12, 40, bytes.length - 1]) {
      expectCheckpointError(() => parseCheckpoint(bytes.subarray(0, cut)), /truncated/);
    }
    expectCheckpointError(() => parseCheckpoint(new Uint8Array(0)), /empty/);
  });

  it('wrong magic is refused as not a checkpoint', () => {
    const bad = bytes.slice();
    bad[0] = 0x50; // e.g. a PNG or zip would differ here
    expectCheckpointError(() => parseCheckpoint(bad), /not an RLHF Playground checkpoint/);
    expectCheckpointError(() => parseCheckpoint(new TextEncoder().encode('{"hello": 1}')), /not an RLHF Playground checkpoint/);
  });

  it('an unsupported format version is refused with both versions named', () => {
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(8, CHECKPOINT_FORMAT_VERSION + 1, true);
    expectCheckpointError(() => parseCheckpoint(bad), new RegExp(`version ${CHECKPOINT_FORMAT_VERSION + 1}.*version ${CHECKPOINT_FORMAT_VERSION}`));
  });

  it('a header that is not JSON is refused (checksum fixed up so only the JSON is wrong)', () => {
    const bad = bytes.slice();
    const view = new DataView(bad.buffer);
    const headerLength = view.getUint32(12, true);
    bad[20] = 0x7b + 1; // '{' -> '|'
    view.setUint32(16, crc32(bad.subarray(20, 20 + headerLength)), true);
    expectCheckpointError(() => parseCheckpoint(bad), /not valid JSON/);
  });

  it("a checkpoint of another tokenizer is refused, saying which and what to do (its ids would mean other tokens)", () => {
    // Edits of the header's text that keep its length, so the weights stay where they are.
    const edited = (from: string, to: string): Uint8Array => {
      const bad = bytes.slice();
      const view = new DataView(bad.buffer);
      const headerLength = view.getUint32(12, true);
      const header = new TextDecoder().decode(bad.subarray(20, 20 + headerLength));
      expect(header).toContain(from);
      bad.set(new TextEncoder().encode(header.replace(from, to)), 20);
      view.setUint32(16, crc32(bad.subarray(20, 20 + headerLength)), true);
      return bad;
    };
    // Made before checkpoints named their tokenizer: the character-level one.
    expectCheckpointError(() => parseCheckpoint(edited('"tokenizer"', '"tokenizeX"')), /earlier character-level tokenizer \(11 tokens\).*npm run pretrain/);
    const other = TOKENIZER_ID.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expectCheckpointError(() => parseCheckpoint(edited(TOKENIZER_ID, other)), new RegExp(`another tokenizer \\(${other}\\); this app reads ${TOKENIZER_ID}`));
  });

  it('trailing bytes after the weights are refused', () => {
    const bad = new Uint8Array(bytes.length + 4);
    bad.set(bytes);
    expectCheckpointError(() => parseCheckpoint(bad), /corrupt/);
  });

  it('a different config is refused naming the field, and the model is unchanged', async () => {
    const other = fakeModel(4, { ...baseConfig, dModel: 8 });
    const parsed = parseCheckpoint(await serializeCheckpoint(other, meta));
    const target = fakeModel(5);
    const before = await snapshot(target);
    expectCheckpointError(() => applyCheckpoint(target, parsed), /checkpoint has dModel 8, this model has 4/);
    expectBitwiseEqual(await snapshot(target), before);

    const extraField = parseCheckpoint(await serializeCheckpoint(fakeModel(6, { ...baseConfig, dropout: 0.1 }), meta));
    expectCheckpointError(() => applyCheckpoint(target, extraField), /dropout 0.1, this model has 0/);
  });

  it('a missing weight is refused by name, and the model is unchanged', async () => {
    const partial = parseCheckpoint(await serializeCheckpoint(fakeModel(7, baseConfig, ['h0.ln1.gamma']), meta));
    const target = fakeModel(8);
    const before = await snapshot(target);
    expectCheckpointError(() => applyCheckpoint(target, partial), /missing weight "h0\.ln1\.gamma"/);
    expectBitwiseEqual(await snapshot(target), before);
  });

  it('an extra weight and a shape mismatch are refused, and the model is unchanged', async () => {
    const full = parseCheckpoint(bytes);
    const smaller = fakeModel(9, baseConfig, ['lnf.beta']);
    const before = await snapshot(smaller);
    expectCheckpointError(() => applyCheckpoint(smaller, full), /does not: "lnf\.beta"/);
    expectBitwiseEqual(await snapshot(smaller), before);

    // Same names and config, one weight reshaped: the other weights must not be assigned either.
    const target = fakeModel(10);
    const reshaped = new Map(target.weights);
    reshaped.set('lnf.beta', tf.variable(tf.zeros([2, 2])));
    const odd = { config: baseConfig, weights: reshaped };
    const beforeOdd = await snapshot(odd);
    expectCheckpointError(() => applyCheckpoint(odd, full), /"lnf\.beta" has shape \[4\] in the checkpoint, \[2, 2\] in this model/);
    expectBitwiseEqual(await snapshot(odd), beforeOdd);
  });

  it('reads weights without dataSync', async () => {
    const model = fakeModel(11);
    for (const v of model.weights.values()) {
      v.dataSync = () => {
        throw new Error('dataSync called');
      };
    }
    await expect(serializeCheckpoint(model, meta)).resolves.toBeInstanceOf(Uint8Array);
  });

  it('refuses to save without a stage', async () => {
    await expect(serializeCheckpoint(source, { stage: '' })).rejects.toBeInstanceOf(CheckpointError);
  });
});

describe('checkpoint files (Node store)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rlhf-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes atomically and reads back the same bytes', async () => {
    await tf.setBackend('cpu');
    const model = fakeModel(12);
    const bytes = await serializeCheckpoint(model, { stage: 'policy', step: 3 });
    const path = join(dir, 'nested', 'policy.ckpt');
    await saveCheckpointFile(path, bytes);
    await saveCheckpointFile(path, bytes); // overwriting works too
    expect(await readdir(join(dir, 'nested'))).toEqual(['policy.ckpt']); // no temp files left
    const loaded = await loadCheckpointFile(path);
    expect(loaded).toEqual(bytes);
    const target = fakeModel(13);
    applyCheckpoint(target, parseCheckpoint(loaded));
    expectBitwiseEqual(await snapshot(target), await snapshot(model));
  });

  it('a missing file is a CheckpointError', async () => {
    await expect(loadCheckpointFile(join(dir, 'nope.ckpt'))).rejects.toThrow(/no checkpoint file/);
  });
});
