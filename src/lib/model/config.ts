// The model's shape, its validation, and the cost figures the bench and the UI show
// (parameter count and FLOPs per token, nanoGPT/PaLM style).
import { VOCAB_SIZE } from '../tokenizer';

export interface GPTConfig {
  /** Number of token ids (the tokenizer's VOCAB_SIZE). */
  vocabSize: number;
  /** Longest sequence the model can see (learned position embeddings). */
  contextLength: number;
  nLayer: number;
  nHead: number;
  /** Width of the residual stream; the MLP is 4x wider. */
  dModel: number;
}

/** About 0.8M parameters: small enough to train in a browser tab in minutes. */
export const DEFAULT_CONFIG: GPTConfig = {
  vocabSize: VOCAB_SIZE,
  // Word tokens: the longest prompt is 16 tokens and the longest corpus document 56.
  contextLength: 64,
  nLayer: 4,
  nHead: 4,
  dModel: 128,
};

const FIELDS = ['vocabSize', 'contextLength', 'nLayer', 'nHead', 'dModel'] as const;

/** Human-readable problems with a config (e.g. read from a checkpoint); [] when it is usable. */
export function validateConfig(c: unknown): string[] {
  if (typeof c !== 'object' || c === null) return ['config must be an object'];
  const record = c as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of FIELDS) {
    const value = record[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      problems.push(`${field} must be a positive integer, got ${JSON.stringify(value)}`);
    }
  }
  if (problems.length > 0) return problems;
  const { dModel, nHead } = record as unknown as GPTConfig;
  if (dModel % nHead !== 0) problems.push(`dModel (${dModel}) must be divisible by nHead (${nHead})`);
  return problems;
}

/** Shapes of every weight, by its stable name. GPT.create builds exactly these. */
export function weightShapes(c: GPTConfig): Map<string, number[]> {
  const d = c.dModel;
  const shapes = new Map<string, number[]>();
  shapes.set('wte', [c.vocabSize, d]);
  shapes.set('wpe', [c.contextLength, d]);
  for (let i = 0; i < c.nLayer; i++) {
    const p = `h${i}.`;
    shapes.set(`${p}ln1.g`, [d]);
    shapes.set(`${p}ln1.b`, [d]);
    shapes.set(`${p}attn.qkv.w`, [d, 3 * d]);
    shapes.set(`${p}attn.qkv.b`, [3 * d]);
    shapes.set(`${p}attn.proj.w`, [d, d]);
    shapes.set(`${p}attn.proj.b`, [d]);
    shapes.set(`${p}ln2.g`, [d]);
    shapes.set(`${p}ln2.b`, [d]);
    shapes.set(`${p}mlp.fc.w`, [d, 4 * d]);
    shapes.set(`${p}mlp.fc.b`, [4 * d]);
    shapes.set(`${p}mlp.proj.w`, [4 * d, d]);
    shapes.set(`${p}mlp.proj.b`, [d]);
  }
  shapes.set('lnf.g', [d]);
  shapes.set('lnf.b', [d]);
  shapes.set('scalar.w', [d, 1]);
  shapes.set('scalar.b', [1]);
  return shapes;
}

/** Number of weights, the scalar head included (the lm head is tied to wte). */
export function paramCount(c: GPTConfig): number {
  let n = 0;
  for (const shape of weightShapes(c).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * Forward FLOPs per token, as nanoGPT/PaLM count them: 2 per multiply-add of every weight that
 * takes part in a matmul (all but wpe, a lookup, and the scalar head, unused by the LM), plus
 * attention's QK^T and AV over `seqLen` keys (counted in full, not halved for causality).
 * A training step costs 3x this (backward = 2x forward).
 */
export function flopsPerToken(c: GPTConfig, seqLen: number = c.contextLength): number {
  const n = paramCount(c) - c.contextLength * c.dModel - (c.dModel + 1);
  return 2 * n + 4 * c.nLayer * c.dModel * seqLen;
}
