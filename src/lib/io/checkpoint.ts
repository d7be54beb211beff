// The checkpoint file: one self-describing binary blob that can be downloaded and uploaded in the
// page, stored in IndexedDB, and written to disk in Node. Layout (all integers little-endian):
//
//   offset 0   8 bytes   magic "RLHFPGCK"
//          8   uint32    format version (CHECKPOINT_FORMAT_VERSION)
//         12   uint32    header length H in bytes
//         16   uint32    CRC-32 of the header bytes (a flipped digit in the config would still parse)
//         20   H bytes   UTF-8 JSON header: config, meta, weight specs, weight-data length and CRC-32
//          …   0-7 bytes zero padding so the weight data starts on an 8-byte boundary
//          D   weight data: each tensor's values, little-endian, at its spec's offset from D
//
// Loading is all-or-nothing: parseCheckpoint validates the whole file, applyCheckpoint validates
// every weight against the model before assigning any, so a refused load changes nothing.
import * as tf from '@tensorflow/tfjs';
import { TOKENIZER_ID, VOCAB_SIZE } from '../tokenizer';

export const CHECKPOINT_FORMAT_VERSION = 1;

const MAGIC = 'RLHFPGCK';
const PRELUDE_BYTES = 20;
const DATA_ALIGN = 8;

/** The model config fields every checkpoint carries (structurally the model's GPTConfig; any extra
 *  fields the model's config has are stored and compared too). */
export interface CheckpointConfig {
  vocabSize: number;
  contextLength: number;
  nLayer: number;
  nHead: number;
  dModel: number;
}

/** What a checkpoint can be read from and written into: the GPT class fits this. */
export interface Checkpointable {
  readonly config: CheckpointConfig;
  readonly weights: ReadonlyMap<string, tf.Variable>;
}

export interface CheckpointMeta {
  /** Which stage produced it: 'pretrain', 'sft', 'rm', 'policy', ... */
  stage: string;
  step?: number;
  /** ISO 8601; filled in by serializeCheckpoint when absent. */
  createdAt?: string;
  seed?: number;
  /** The tokenizer the model reads (TOKENIZER_ID); filled in by serializeCheckpoint. */
  tokenizer?: string;
  [k: string]: unknown;
}

export type WeightDtype = 'float32' | 'int32';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  /** Byte offset from the start of the weight data. */
  offset: number;
  byteLength: number;
}

export interface ParsedWeight {
  shape: number[];
  dtype: WeightDtype;
  values: Float32Array | Int32Array;
}

export interface ParsedCheckpoint {
  version: number;
  config: CheckpointConfig & Readonly<Record<string, unknown>>;
  meta: CheckpointMeta;
  /** In file order. Plain arrays, not tensors: parsing allocates nothing that needs disposing. */
  weights: ReadonlyMap<string, ParsedWeight>;
  /** CRC-32 of the weight data, 8 hex digits. */
  checksum: string;
}

interface Header {
  config: Record<string, unknown>;
  meta: CheckpointMeta;
  weights: WeightSpec[];
  dataByteLength: number;
  checksum: { algorithm: 'crc32'; value: string };
}

/** Every way loading a checkpoint can fail; the message is written for the person loading it. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, the zip/PNG polynomial), table driven.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const hex32 = (n: number): string => n.toString(16).padStart(8, '0');

// Typed arrays use the platform's byte order; the format is little-endian, which is every platform
// a browser or Node runs on in practice. Refuse rather than silently write the wrong order.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new CheckpointError('checkpoints need a little-endian platform');
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

// ---------------------------------------------------------------------------------------------
// Config checks. The model module's validateConfig is not imported so io does not depend on the
// model's timing; this checks the fields io relies on.

const REQUIRED_CONFIG_FIELDS: readonly (keyof CheckpointConfig)[] = ['vocabSize', 'contextLength', 'nLayer', 'nHead', 'dModel'];

function configProblems(config: unknown): string[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return ['config is not an object'];
  const rec = config as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of REQUIRED_CONFIG_FIELDS) {
    const v = rec[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) problems.push(`${field} must be a positive integer (got ${JSON.stringify(v)})`);
  }
  return problems;
}

function configAsRecord(config: CheckpointConfig): Readonly<Record<string, unknown>> {
  // Interfaces are not index-signature types; reading every field by key is what we want here.
  return config as unknown as Readonly<Record<string, unknown>>;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

const show = (v: unknown): string => (v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v));

/** "checkpoint has dModel 64, this model has 128; ..." or null when the configs agree. */
export function configDifference(checkpoint: CheckpointConfig, model: CheckpointConfig): string | null {
  const a = configAsRecord(checkpoint);
  const b = configAsRecord(model);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const diffs = keys.filter((k) => !sameValue(a[k], b[k])).map((k) => `checkpoint has ${k} ${show(a[k])}, this model has ${show(b[k])}`);
  return diffs.length ? diffs.join('; ') : null;
}

// ---------------------------------------------------------------------------------------------
// Writing.

/** Reads the weights asynchronously (never dataSync) and packs everything into one file. */
export async function serializeCheckpoint(model: Checkpointable, meta: CheckpointMeta): Promise<Uint8Array> {
  assertLittleEndian();
  const problems = configProblems(model.config);
  if (problems.length) throw new CheckpointError(`cannot save: ${problems.join('; ')}`);
  if (typeof meta?.stage !== 'string' || meta.stage === '') throw new CheckpointError('cannot save: meta.stage must be a non-empty string');

  const entries = [...model.weights.entries()];
  if (entries.length === 0) throw new CheckpointError('cannot save: the model has no weights');
  const specs: WeightSpec[] = [];
  let offset = 0;
  for (const [name, v] of entries) {
    if (v.dtype !== 'float32' && v.dtype !== 'int32') throw new CheckpointError(`cannot save weight "${name}": dtype ${v.dtype} is not supported`);
    const byteLength = v.size * 4;
    specs.push({ name, shape: [...v.shape], dtype: v.dtype, offset, byteLength });
    offset += alignUp(byteLength, DATA_ALIGN);
  }
  const dataByteLength = offset;
  const values = await Promise.all(entries.map(([, v]) => v.data()));

  const data = new Uint8Array(dataByteLength);
  values.forEach((vals, i) => {
    const typed = vals instanceof Float32Array || vals instanceof Int32Array ? vals
      : specs[i].dtype === 'int32' ? Int32Array.from(vals as ArrayLike<number>) : Float32Array.from(vals as ArrayLike<number>);
    data.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), specs[i].offset);
  });

  const header: Header = {
    config: { ...configAsRecord(model.config) },
    meta: { ...meta, createdAt: meta.createdAt ?? new Date().toISOString(), tokenizer: TOKENIZER_ID },
    weights: specs,
    dataByteLength,
    checksum: { algorithm: 'crc32', value: hex32(crc32(data)) },
  };
  let headerJson: string;
  try {
    headerJson = JSON.stringify(header);
  } catch (err) {
    throw new CheckpointError(`cannot save: config or meta is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const headerBytes = new TextEncoder().encode(headerJson);
  const dataStart = alignUp(PRELUDE_BYTES + headerBytes.length, DATA_ALIGN);

  const out = new Uint8Array(dataStart + dataByteLength);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  view.setUint32(16, crc32(headerBytes), true);
  out.set(headerBytes, PRELUDE_BYTES);
  out.set(data, dataStart);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading.

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function validateSpecs(specsRaw: unknown, dataByteLength: number): WeightSpec[] {
  if (!Array.isArray(specsRaw) || specsRaw.length === 0) throw new CheckpointError('the checkpoint lists no weights');
  const seen = new Set<string>();
  const specs: WeightSpec[] = [];
  for (const s of specsRaw as unknown[]) {
    if (!isRecord(s) || typeof s.name !== 'string') throw new CheckpointError('the checkpoint has a weight entry without a name');
    const { name, shape, dtype, offset, byteLength } = s;
    if (seen.has(name)) throw new CheckpointError(`the checkpoint lists weight "${name}" twice`);
    seen.add(name);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new CheckpointError(`weight "${name}" has an invalid shape`);
    if (dtype !== 'float32' && dtype !== 'int32') throw new CheckpointError(`weight "${name}" has unsupported dtype ${show(dtype)}`);
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (byteLength !== size * 4) throw new CheckpointError(`weight "${name}" has shape [${shape.join(', ')}] but ${show(byteLength)} bytes of data`);
    if (!Number.isInteger(offset) || (offset as number) < 0 || (offset as number) % 4 !== 0 || (offset as number) + size * 4 > dataByteLength) {
      throw new CheckpointError(`weight "${name}" points outside the weight data`);
    }
    specs.push({ name, shape: [...(shape as number[])], dtype, offset: offset as number, byteLength: size * 4 });
  }
  // No two weights may share bytes.
  const sorted = [...specs].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (prev.offset + prev.byteLength > sorted[i].offset) throw new CheckpointError(`weights "${prev.name}" and "${sorted[i].name}" overlap`);
  }
  return specs;
}

/** Validates the whole file and returns its contents; throws CheckpointError on any problem. */
export function parseCheckpoint(bytes: Uint8Array): ParsedCheckpoint {
  assertLittleEndian();
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError('not an RLHF Playground checkpoint (no bytes)');
  if (bytes.length < MAGIC.length) {
    throw new CheckpointError(bytes.length === 0 ? 'the file is empty' : 'not an RLHF Playground checkpoint (the file is too short)');
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new CheckpointError('not an RLHF Playground checkpoint');
  }
  if (bytes.length < PRELUDE_BYTES) throw new CheckpointError('the checkpoint is truncated (the file ends inside its header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(`unsupported checkpoint format version ${version} (this app reads version ${CHECKPOINT_FORMAT_VERSION})`);
  }
  const headerLength = view.getUint32(12, true);
  if (PRELUDE_BYTES + headerLength > bytes.length) throw new CheckpointError('the checkpoint is truncated (the file ends inside its header)');
  const headerBytes = bytes.subarray(PRELUDE_BYTES, PRELUDE_BYTES + headerLength);
  if (crc32(headerBytes) !== view.getUint32(16, true)) throw new CheckpointError('the file is corrupt (its header checksum does not match)');

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    throw new CheckpointError(`the checkpoint header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(header)) throw new CheckpointError('the checkpoint header is not a JSON object');

  const problems = configProblems(header.config);
  if (problems.length) throw new CheckpointError(`the checkpoint's model config is invalid: ${problems.join('; ')}`);
  const meta = header.meta;
  if (!isRecord(meta) || typeof meta.stage !== 'string') throw new CheckpointError('the checkpoint header has no stage in its metadata');
  const tokenizerProblem = checkTokenizer(meta.tokenizer, (header.config as CheckpointConfig).vocabSize);
  if (tokenizerProblem) throw new CheckpointError(tokenizerProblem);
  const dataByteLength = header.dataByteLength;
  if (!Number.isInteger(dataByteLength) || (dataByteLength as number) < 0) throw new CheckpointError('the checkpoint header has no valid weight-data length');
  const checksum = header.checksum;
  if (!isRecord(checksum) || checksum.algorithm !== 'crc32' || typeof checksum.value !== 'string') {
    throw new CheckpointError('the checkpoint header has no CRC-32 checksum');
  }
  const specs = validateSpecs(header.weights, dataByteLength as number);

  const dataStart = alignUp(PRELUDE_BYTES + headerLength, DATA_ALIGN);
  const end = dataStart + (dataByteLength as number);
  if (bytes.length < end) {
    throw new CheckpointError(`the checkpoint is truncated (${bytes.length} of ${end} bytes)`);
  }
  if (bytes.length > end) throw new CheckpointError(`the file is corrupt (${bytes.length - end} unexpected bytes after the weights)`);
  const data = bytes.subarray(dataStart, end);
  const actual = hex32(crc32(data));
  if (actual !== checksum.value.toLowerCase()) {
    throw new CheckpointError('the file is corrupt (the weight data does not match its checksum)');
  }

  const weights = new Map<string, ParsedWeight>();
  for (const s of specs) {
    // Copy each weight out: the result owns aligned arrays and does not pin the file's buffer.
    const chunk = data.slice(s.offset, s.offset + s.byteLength);
    const values = s.dtype === 'int32' ? new Int32Array(chunk.buffer) : new Float32Array(chunk.buffer);
    weights.set(s.name, { shape: s.shape, dtype: s.dtype, values });
  }
  return {
    version,
    config: header.config as CheckpointConfig & Readonly<Record<string, unknown>>,
    meta: meta as CheckpointMeta,
    weights,
    checksum: actual,
  };
}

/**
 * Why a checkpoint's token ids cannot be read by this app's tokenizer, or null. Ids mean nothing
 * without the vocabulary they index, so a model of another vocabulary would load and write nonsense.
 */
function checkTokenizer(tokenizer: unknown, vocabSize: number): string | null {
  if (tokenizer === TOKENIZER_ID) return null;
  const fix = 'use the shipped base model, or pretrain a new one (npm run pretrain)';
  if (tokenizer === undefined) {
    return `the checkpoint was made for the earlier character-level tokenizer (${vocabSize} tokens); this app reads words (${VOCAB_SIZE} tokens): ${fix}`;
  }
  return `the checkpoint was made for another tokenizer (${String(tokenizer)}); this app reads ${TOKENIZER_ID}: ${fix}`;
}

// ---------------------------------------------------------------------------------------------
// Loading into a model.

/** Throws CheckpointError naming the first differences; checks everything, changes nothing. */
export function checkCompatible(model: Checkpointable, parsed: ParsedCheckpoint): void {
  const diff = configDifference(parsed.config, model.config);
  if (diff) throw new CheckpointError(`this checkpoint is for a different model: ${diff}`);
  const missing = [...model.weights.keys()].filter((n) => !parsed.weights.has(n));
  const extra = [...parsed.weights.keys()].filter((n) => !model.weights.has(n));
  const list = (names: string[]): string => names.slice(0, 5).map((n) => `"${n}"`).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
  if (missing.length) throw new CheckpointError(`the checkpoint is missing weight${missing.length > 1 ? 's' : ''} ${list(missing)}`);
  if (extra.length) throw new CheckpointError(`the checkpoint has weight${extra.length > 1 ? 's' : ''} this model does not: ${list(extra)}`);
  for (const [name, v] of model.weights) {
    const w = parsed.weights.get(name)!;
    if (w.shape.length !== v.shape.length || w.shape.some((d, i) => d !== v.shape[i])) {
      throw new CheckpointError(`weight "${name}" has shape [${w.shape.join(', ')}] in the checkpoint, [${v.shape.join(', ')}] in this model`);
    }
    if (w.dtype !== v.dtype) throw new CheckpointError(`weight "${name}" is ${w.dtype} in the checkpoint, ${v.dtype} in this model`);
  }
}

/** Loads the weights into the model's variables, or throws and leaves the model untouched. */
export function applyCheckpoint(model: Checkpointable, parsed: ParsedCheckpoint): void {
  checkCompatible(model, parsed);
  for (const [name, v] of model.weights) {
    const w = parsed.weights.get(name)!;
    const t = tf.tensor(w.values, w.shape, w.dtype);
    v.assign(t);
    t.dispose();
  }
}

/** Fresh tensors of the checkpoint's weights (e.g. to build a model of its config). The caller owns
 *  and disposes them. */
export function weightsFromCheckpoint(parsed: ParsedCheckpoint): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, w] of parsed.weights) out.set(name, tf.tensor(w.values, w.shape, w.dtype));
  return out;
}
