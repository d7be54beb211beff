// The GPT on the cpu backend with tiny configs. Every check compares against an independent
// computation: a plain-ops reference GPT (below), JS arithmetic, or the model's own full forward.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type GPTConfig,
  GPT,
  crossEntropyLoss,
  flopsPerToken,
  generate,
  generateRecompute,
  packBatch,
  paramCount,
  validateConfig,
  weightShapes,
} from '../../src/lib/model';
import { hostPick } from '../../src/lib/model/sample';
import { createRng } from '../../src/lib/random';
import { BOS, EOS, PAD, VOCAB_SIZE, encode } from '../../src/lib/tokenizer';

const TINY: GPTConfig = { vocabSize: VOCAB_SIZE, contextLength: 24, nLayer: 2, nHead: 2, dModel: 16 };

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function randomIds(rng: ReturnType<typeof createRng>, B: number, T: number): number[][] {
  return Array.from({ length: B }, () => [BOS, ...Array.from({ length: T - 1 }, () => 4 + rng.int(VOCAB_SIZE - 4))]);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A model with larger-than-init weights, so that logits differ clearly between tokens. */
function spicyModel(config: GPTConfig, seed: number): GPT {
  const model = GPT.create(config, seed);
  const rng = createRng(seed + 100);
  for (const [name, v] of model.weights) {
    if (name.endsWith('.g')) continue;
    const noise = Float32Array.from({ length: v.size }, () => 0.3 * rng.normal());
    v.assign(tf.tensor(noise, v.shape));
  }
  return model;
}

function referenceLogits(config: GPTConfig, w: (name: string) => tf.Tensor, ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor3D {
  const [B, T] = ids.shape;
  const { dModel: D, nHead: H, nLayer } = config;
  const hd = D / H;
  const ln = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const gelu = (x: tf.Tensor) =>
    tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
  // Positions: number of real tokens before each one, computed on the host.
  const maskRows = mask.arraySync();
  const posRows = maskRows.map((row) => {
    let count = 0;
    return row.map((m) => {
      count += m;
      return Math.max(count - 1, 0);
    });
  });
  const allowed: number[][][] = maskRows.map((row) => row.map((_, i) => row.map((m, j) => (j <= i && m > 0 ? 1 : 0))));
  const neg = tf.mul(tf.sub(1, tf.tensor3d(allowed)), -1e9).reshape([B, 1, T, T]);
  let x = tf.add(tf.gather(w('wte'), ids), tf.gather(w('wpe'), tf.tensor2d(posRows, [B, T], 'int32'))); // [B,T,D]
  for (let i = 0; i < nLayer; i++) {
    const p = `h${i}.`;
    const h = ln(x, w(`${p}ln1.g`), w(`${p}ln1.b`));
    const qkv = tf.add(tf.matMul(h.reshape([B * T, D]), w(`${p}attn.qkv.w`)), w(`${p}attn.qkv.b`)).reshape([B, T, 3, H, hd]);
    const heads = (j: number) => tf.transpose(tf.squeeze(tf.slice(qkv, [0, 0, j, 0, 0], [B, T, 1, H, hd]), [2]), [0, 2, 1, 3]);
    const [q, k, v] = [heads(0), heads(1), heads(2)];
    const att = tf.softmax(tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(hd)), neg));
    const o = tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]).reshape([B * T, D]);
    x = tf.add(x, tf.add(tf.matMul(o, w(`${p}attn.proj.w`)), w(`${p}attn.proj.b`)).reshape([B, T, D]));
    const h2 = ln(x, w(`${p}ln2.g`), w(`${p}ln2.b`)).reshape([B * T, D]);
    const m = gelu(tf.add(tf.matMul(h2, w(`${p}mlp.fc.w`)), w(`${p}mlp.fc.b`)));
    x = tf.add(x, tf.add(tf.matMul(m, w(`${p}mlp.proj.w`)), w(`${p}mlp.proj.b`)).reshape([B, T, D]));
  }
  const hf = ln(x, w('lnf.g'), w('lnf.b')).reshape([B * T, D]);
  return tf.matMul(hf, w('wte'), false, true).reshape([B, T, config.vocabSize]) as tf.Tensor3D;
}

describe('config', () => {
  it('paramCount equals the real number of weights', () => {
    const model = GPT.create(TINY, 1);
    let n = 0;
    for (const v of model.weights.values()) n += v.size;
    expect(paramCount(TINY)).toBe(n);
    // by hand: wte 53*16 + wpe 24*16 + 2 layers * (4*16 + 16*48+48 + 16*16+16 + 16*64+64 + 64*16+16) + lnf 32 + scalar 17
    const perLayer = 4 * 16 + (16 * 48 + 48) + (16 * 16 + 16) + (16 * 64 + 64) + (64 * 16 + 16);
    expect(n).toBe(VOCAB_SIZE * 16 + 24 * 16 + 2 * perLayer + 32 + 17);
    expect(model.trainableVariables().length).toBe(weightShapes(TINY).size);
    model.dispose();
  });

  it('flopsPerToken follows 2N + 4 L D T (N without wpe and the scalar head)', () => {
    const n = paramCount(TINY) - 24 * 16 - 17;
    expect(flopsPerToken(TINY, 10)).toBe(2 * n + 4 * 2 * 16 * 10);
    expect(flopsPerToken(TINY)).toBe(2 * n + 4 * 2 * 16 * 24);
  });

  it('validateConfig reports problems', () => {
    expect(validateConfig(TINY)).toEqual([]);
    expect(validateConfig({ ...TINY, nHead: 3 })).toHaveLength(1);
    expect(validateConfig({ ...TINY, nLayer: 0, dModel: 1.5 }).length).toBe(2);
    expect(validateConfig(null)).toHaveLength(1);
    expect(validateConfig({})).toHaveLength(5);
  });
});

describe('forward', () => {
  it('matches a plain-ops reference GPT, logits and gradients, with left padding', () => {
    const model = spicyModel(TINY, 2);
    const rng = createRng(5);
    const ids = tf.tensor2d(randomIds(rng, 3, 9), [3, 9], 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0, 0, 0]], [3, 9]);
    const targets = tf.tensor2d(randomIds(rng, 3, 9), [3, 9], 'int32');
    const names = [...model.weights.keys()].filter((n) => !n.startsWith('scalar.'));
    const vars = names.map((n) => model.weights.get(n) as tf.Variable);
    for (const impl of ['batched', 'per-head'] as const) {
      const ours = tf.tidy(() => model.forwardWith(ids, mask, { attentionImpl: impl }).logits);
      const ref = tf.tidy(() => referenceLogits(TINY, (n) => model.weights.get(n) as tf.Tensor, ids, mask));
      expect(maxAbsDiff(ours.dataSync(), ref.dataSync())).toBeLessThan(1e-4);
      // Gradients of the same loss through our custom ops and through plain autograd.
      const ourGrads = tf.variableGrads(() => crossEntropyLoss(model.forwardWith(ids, mask, { attentionImpl: impl }).logits, targets, mask), vars);
      const refGrads = tf.variableGrads(
        () => crossEntropyLoss(referenceLogits(TINY, (n) => model.weights.get(n) as tf.Tensor, ids, mask), targets, mask),
        vars,
      );
      for (const v of vars) {
        const a = ourGrads.grads[v.name].dataSync();
        const b = refGrads.grads[v.name].dataSync();
        const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
        expect(maxAbsDiff(a, b) / scale, `${v.name} (${impl})`).toBeLessThan(2e-3);
      }
      tf.dispose([ours, ref, ourGrads.value, refGrads.value, ...Object.values(ourGrads.grads), ...Object.values(refGrads.grads)]);
    }
    tf.dispose([ids, mask, targets]);
    model.dispose();
  });

  it('gives the same logits, to the bit, with and without a gradient being recorded', () => {
    // Without a tape the ops run outside tf.customGrad (faster sampling); the values must not move.
    const model = spicyModel(TINY, 9);
    const ids = tf.tensor2d(randomIds(createRng(10), 2, 7), [2, 7], 'int32');
    const mask = tf.tensor2d([[0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]], [2, 7]);
    for (const impl of ['batched', 'per-head'] as const) {
      const plain = tf.tidy(() => model.forwardWith(ids, mask, { attentionImpl: impl }).logits);
      let taped: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.forwardWith(ids, mask, { attentionImpl: impl }).logits;
        taped = tf.keep(logits.clone());
        return tf.sum(logits);
      }, model.trainableVariables());
      expect(maxAbsDiff(plain.dataSync(), (taped as unknown as tf.Tensor).dataSync()), impl).toBe(0);
      expect(Object.keys(grads).length).toBeGreaterThan(0);
      tf.dispose([plain, taped as unknown as tf.Tensor, value, ...Object.values(grads)]);
    }
    tf.dispose([ids, mask]);
    model.dispose();
  });

  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    const model = spicyModel(TINY, 3);
    const rows = randomIds(createRng(6), 1, 12);
    const changed = rows.map((r) => r.map((id, i) => (i === 7 ? (id === 10 ? 11 : 10) : id)));
    const a = tf.tidy(() => model.forward(tf.tensor2d(rows, [1, 12], 'int32')).logits.arraySync()[0]);
    const b = tf.tidy(() => model.forward(tf.tensor2d(changed, [1, 12], 'int32')).logits.arraySync()[0]);
    for (let t = 0; t < 7; t++) expect(maxAbsDiff(a[t], b[t])).toBeLessThan(1e-6);
    for (let t = 7; t < 12; t++) expect(maxAbsDiff(a[t], b[t])).toBeGreaterThan(1e-4);
    model.dispose();
  });

  it('left- and right-padded rows give the unpadded logits at their real positions', () => {
    const model = spicyModel(TINY, 4);
    const row = randomIds(createRng(7), 1, 7)[0];
    const plain = tf.tidy(() => model.forward(tf.tensor2d([row], [1, 7], 'int32')).logits.arraySync()[0]);
    const left = [PAD, PAD, PAD, ...row];
    const right = [...row, PAD, PAD, PAD];
    const padded = tf.tidy(() =>
      model
        .forward(tf.tensor2d([left, right], [2, 10], 'int32'), tf.tensor2d([[0, 0, 0, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]], [2, 10]))
        .logits.arraySync(),
    );
    for (let t = 0; t < 7; t++) {
      expect(maxAbsDiff(plain[t], padded[0][t + 3])).toBeLessThan(1e-5);
      expect(maxAbsDiff(plain[t], padded[1][t])).toBeLessThan(1e-5);
    }
    model.dispose();
  });

  it('scalarAt equals scalar at the chosen positions, and is differentiable', () => {
    const model = spicyModel(TINY, 5);
    const ids = tf.tensor2d(randomIds(createRng(8), 3, 6), [3, 6], 'int32');
    const { hidden } = model.forward(ids);
    const all = model.scalar(hidden).arraySync();
    const at = model.scalarAt(hidden, tf.tensor1d([5, 0, 3], 'int32')).arraySync();
    expect(at[0]).toBeCloseTo(all[0][5], 6);
    expect(at[1]).toBeCloseTo(all[1][0], 6);
    expect(at[2]).toBeCloseTo(all[2][3], 6);
    const w = model.weights.get('scalar.w') as tf.Variable;
    const { grads } = tf.variableGrads(() => tf.sum(model.scalarAt(model.forward(ids).hidden, tf.tensor1d([5, 0, 3], 'int32'))), [w]);
    // d sum / d w = sum of the chosen hidden rows
    const h = hidden.arraySync();
    const expected = h[0][5].map((_, d) => h[0][5][d] + h[1][0][d] + h[2][3][d]);
    expect(maxAbsDiff(grads[w.name].dataSync(), expected)).toBeLessThan(1e-5);
    tf.dispose([ids, hidden, grads[w.name]]);
    model.dispose();
  });

  it('tokenLogProbs equals log-softmax of the logits at the next token, entropy likewise', () => {
    const model = spicyModel(TINY, 6);
    const rows = randomIds(createRng(9), 2, 8);
    const ids = tf.tensor2d(rows, [2, 8], 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1]], [2, 8]);
    const logits = tf.tidy(() => model.forward(ids, mask).logits.arraySync());
    const out = model.tokenLogProbs(ids, mask);
    const lp = out.logProbs.arraySync();
    const ent = out.entropy.arraySync();
    expect(out.hidden.shape).toEqual([2, 8, 16]);
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 7; t++) {
        const z = logits[b][t];
        const m = Math.max(...z);
        const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
        expect(lp[b][t]).toBeCloseTo(z[rows[b][t + 1]] - lse, 4);
        const h = -z.reduce((s, v) => s + Math.exp(v - lse) * (v - lse), 0);
        expect(ent[b][t]).toBeCloseTo(h, 4);
      }
    }
    tf.dispose([ids, mask, out.logProbs, out.entropy, out.hidden]);
    model.dispose();
  });

  it('crossEntropyLoss is the weighted mean NLL', () => {
    const rng = createRng(10);
    const V = 5;
    const logits = Array.from({ length: 2 }, () => Array.from({ length: 3 }, () => Array.from({ length: V }, () => rng.normal())));
    const targets = [[0, 4, 2], [1, 1, 3]];
    const weights = [[1, 0, 1], [0.5, 1, 0]];
    let num = 0;
    let den = 0;
    logits.forEach((row, b) =>
      row.forEach((z, t) => {
        const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
        num += weights[b][t] * (lse - z[targets[b][t]]);
        den += weights[b][t];
      }),
    );
    const loss = crossEntropyLoss(tf.tensor3d(logits), tf.tensor2d(targets, [2, 3], 'int32'), tf.tensor2d(weights));
    expect(loss.dataSync()[0]).toBeCloseTo(num / den, 5);
  });
});

describe('clone and assignFrom', () => {
  it('clone is independent; assignFrom copies', () => {
    const a = GPT.create(TINY, 11);
    const b = a.clone();
    const c = GPT.create(TINY, 12);
    const wa = a.weights.get('h0.attn.qkv.w') as tf.Variable;
    const before = wa.dataSync().slice();
    (b.weights.get('h0.attn.qkv.w') as tf.Variable).assign(tf.zerosLike(wa));
    expect(maxAbsDiff(wa.dataSync(), before)).toBe(0);
    c.assignFrom(a);
    for (const [name, v] of a.weights) expect(maxAbsDiff((c.weights.get(name) as tf.Variable).dataSync(), v.dataSync())).toBe(0);
    expect(() => c.assignFrom(GPT.create({ ...TINY, dModel: 8 }, 1))).toThrow(/dModel/);
    [a, b, c].forEach((m) => m.dispose());
  });
});

describe('sampling', () => {
  it('KV-cache decoding gives the full-forward logits at every step', () => {
    const model = spicyModel(TINY, 13);
    const rng = createRng(14);
    const prompts = [randomIds(rng, 1, 5)[0], randomIds(rng, 1, 3)[0]];
    const P = 5;
    const steps = 6;
    const L = P + steps;
    const cont = randomIds(rng, 2, steps).map((r) => r.map((id) => (id === BOS ? 9 : id)));
    // Full sequences: left-padded prompt, then the continuation tokens.
    const rows = prompts.map((p, b) => [...new Array<number>(P - p.length).fill(PAD), ...p, ...cont[b]]);
    const maskRows = prompts.map((p) => [...new Array<number>(P - p.length).fill(0), ...new Array<number>(p.length + steps).fill(1)]);
    const full = tf.tidy(() => model.forward(tf.tensor2d(rows, [2, L], 'int32'), tf.tensor2d(maskRows, [2, L])).logits.arraySync());
    const before = tf.memory().numTensors;
    const pre = model.forwardWith(tf.tensor2d(rows.map((r) => r.slice(0, P)), [2, P], 'int32'), tf.tensor2d(maskRows.map((r) => r.slice(0, P)), [2, P]), { collectKV: true });
    const cache = pre.kv.map(({ kT, v }) => ({
      kT: tf.concat([kT, tf.zeros([2, 2, 8, steps])], 3) as tf.Tensor4D,
      v: tf.concat([v, tf.zeros([2, 2, steps, 8])], 2) as tf.Tensor4D,
    }));
    const keyMask = tf.tensor2d(maskRows);
    const layer0 = { ...cache[0] };
    const preLast = pre.logits.arraySync();
    for (let b = 0; b < 2; b++) expect(maxAbsDiff(preLast[b][P - 1], full[b][P - 1])).toBeLessThan(1e-4);
    for (let s = 0; s < steps - 1; s++) {
      const logits = model.decodeStep(
        tf.tensor1d(cont.map((r) => r[s]), 'int32'),
        tf.tensor1d(prompts.map((p) => p.length + s), 'int32'),
        P + s,
        cache,
        keyMask,
      );
      const got = logits.arraySync();
      for (let b = 0; b < 2; b++) expect(maxAbsDiff(got[b], full[b][P + s])).toBeLessThan(1e-4);
      // Written in place: the same tensors, now holding this step's keys at slot P + s.
      expect(cache[0].kT).toBe(layer0.kT);
      expect(cache[0].v).toBe(layer0.v);
      logits.dispose();
    }
    void before;
    model.dispose();
  });

  it('greedy generate equals generateRecompute and a step-by-step argmax oracle', async () => {
    const model = spicyModel(TINY, 15);
    const rng = createRng(16);
    const prompts = [randomIds(rng, 1, 6)[0], randomIds(rng, 1, 2)[0], randomIds(rng, 1, 4)[0]];
    const options = { maxNewTokens: 8, temperature: 0, seed: 1, stopAtEos: false };
    const kv = await generate(model, prompts, options);
    const re = await generateRecompute(model, prompts, options);
    expect(kv.responses).toEqual(re.responses);
    // Oracle: unpadded, one row at a time, argmax read back after every token.
    for (let b = 0; b < prompts.length; b++) {
      const seq = [...prompts[b]];
      for (let s = 0; s < 8; s++) {
        const z = tf.tidy(() => model.forward(tf.tensor2d([seq], [1, seq.length], 'int32')).logits.arraySync()[0][seq.length - 1]);
        seq.push(z.indexOf(Math.max(...z)));
      }
      expect(kv.responses[b]).toEqual(seq.slice(prompts[b].length));
    }
    model.dispose();
  });

  it('streams each step\'s tokens as they are made, the same tokens the result returns', async () => {
    const model = spicyModel(TINY, 17);
    const prompts = randomIds(createRng(18), 3, 3);
    const options = { maxNewTokens: 10, temperature: 1.3, topK: 10, seed: 42 };
    const plain = await generate(model, prompts, options);
    const streamed: number[][] = prompts.map(() => []);
    const steps: number[] = [];
    const withStream = await generate(model, prompts, {
      ...options,
      onToken: (step, tokens) => {
        steps.push(step);
        tokens.forEach((t, b) => {
          if (t !== PAD) streamed[b].push(t);
        });
      },
    });
    expect(withStream).toEqual(plain);
    expect(steps).toEqual([...Array(10).keys()]);
    expect(streamed).toEqual(plain.responses);
    model.dispose();
  });

  it('sampling with temperature is the same with and without the cache, and stops at EOS', async () => {
    const model = spicyModel(TINY, 17);
    const prompts = randomIds(createRng(18), 4, 3);
    const options = { maxNewTokens: 10, temperature: 1.3, topK: 10, seed: 42 };
    const kv = await generate(model, prompts, options);
    const re = await generateRecompute(model, prompts, options);
    expect(kv).toEqual(re);
    const again = await generate(model, prompts, options);
    expect(again).toEqual(kv);
    const other = await generate(model, prompts, { ...options, seed: 43 });
    expect(other.responses).not.toEqual(kv.responses);
    for (let b = 0; b < 4; b++) {
      const r = kv.responses[b];
      const eos = r.indexOf(EOS);
      if (kv.endedWithEos[b]) expect(eos).toBe(r.length - 1);
      else {
        expect(eos).toBe(-1);
        expect(r.length).toBe(10);
      }
    }
    model.dispose();
  });

  it('picks on the host the very tokens the tensor path picks (same draws, same float32 sums, first argmax)', async () => {
    // Flat logits make many answers close, so the pruning bound is tested where it is tightest;
    // a loud EOS row ends some rows early, so the done flags are tested too.
    for (const [seed, scale, loudEos] of [[31, 1, false], [32, 0.05, false], [33, 1, true]] as const) {
      const model = spicyModel(TINY, seed);
      if (scale !== 1) for (const v of model.weights.values()) v.assign(tf.mul(v, scale));
      if (loudEos) {
        const wte = model.weights.get('wte')!;
        const rows = tf.oneHot([EOS], VOCAB_SIZE).reshape([VOCAB_SIZE, 1]);
        wte.assign(tf.add(wte, tf.mul(rows, tf.mul(tf.slice(wte, [EOS, 0], [1, TINY.dModel]), 8))));
      }
      const prompts = randomIds(createRng(seed + 1), 5, 4);
      for (const options of [
        { maxNewTokens: 12, temperature: 0.7, seed: 1 },
        { maxNewTokens: 12, temperature: 1.7, seed: 2 },
        { maxNewTokens: 12, temperature: 0.05, seed: 3, stopAtEos: false },
      ]) {
        // Every step's tokens, PAD once a row has ended: the rows' done flags, step by step.
        const streams: number[][][] = [[], []];
        hostPick.enabled = false;
        const onDevice = await generate(model, prompts, { ...options, onToken: (_s, t) => void streams[0].push([...t]) });
        hostPick.enabled = true;
        const onHost = await generate(model, prompts, { ...options, onToken: (_s, t) => void streams[1].push([...t]) });
        expect(onHost, JSON.stringify({ seed, scale, options })).toEqual(onDevice);
        expect(streams[1]).toEqual(streams[0]);
      }
      model.dispose();
    }
  });

  it('samples follow softmax(logits / T), and topK 1 is argmax', async () => {
    const model = spicyModel(TINY, 19);
    const prompt = [BOS, ...encode('a b')];
    const z = tf.tidy(() => model.forward(tf.tensor2d([prompt], [1, 3], 'int32')).logits.arraySync()[0][2]);
    const T = 1.5;
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp((v - m) / T));
    const sum = e.reduce((a, b) => a + b, 0);
    const probs = e.map((v) => v / sum);
    const n = 3000;
    const out = await generate(model, new Array(n).fill(prompt), { maxNewTokens: 1, temperature: T, seed: 5, stopAtEos: false });
    const counts = new Array<number>(VOCAB_SIZE).fill(0);
    for (const r of out.responses) counts[r[0]]++;
    for (let v = 0; v < VOCAB_SIZE; v++) expect(Math.abs(counts[v] / n - probs[v])).toBeLessThan(4 * Math.sqrt(probs[v] / n) + 0.005);
    const top1 = await generate(model, [prompt], { maxNewTokens: 1, temperature: 2, topK: 1, seed: 5 });
    expect(top1.responses[0][0]).toBe(z.indexOf(m));
    model.dispose();
  });

  it('rejects sequences longer than the context', async () => {
    const model = GPT.create(TINY, 20);
    await expect(generate(model, [[BOS, 5, 6]], { maxNewTokens: 22, temperature: 0, seed: 1 })).rejects.toThrow(/contextLength/);
    model.dispose();
  });
});

describe('training', () => {
  it('a tiny model memorises a short text: loss < 0.1 nats after 150 Adam steps', () => {
    const config: GPTConfig = { vocabSize: VOCAB_SIZE, contextLength: 32, nLayer: 2, nHead: 2, dModel: 32 };
    const model = GPT.create(config, 21);
    const text = [BOS, ...encode('a cat is on the bed. the dog is in the house, a bird lives in a tree and a cow says moo. a fish eats and a pig is pink.')].slice(0, 33);
    expect(text).toHaveLength(33);
    const ids = tf.tensor2d([text.slice(0, 32)], [1, 32], 'int32');
    const targets = tf.tensor2d([text.slice(1, 33)], [1, 32], 'int32');
    const weights = tf.ones([1, 32]) as tf.Tensor2D;
    const optimizer = tf.train.adam(1e-2);
    const vars = model.trainableVariables();
    let first = 0;
    let last = 0;
    for (let i = 0; i < 150; i++) {
      const loss = optimizer.minimize(() => crossEntropyLoss(model.forward(ids).logits, targets, weights), true, vars) as tf.Scalar;
      if (i === 0) first = loss.dataSync()[0];
      last = loss.dataSync()[0];
      loss.dispose();
    }
    expect(first).toBeGreaterThan(3); // ~ln(53) at init
    expect(last).toBeLessThan(0.1);
    optimizer.dispose();
    tf.dispose([ids, targets, weights]);
    model.dispose();
  });

  it('leaks no tensors across forward, gradients, an Adam step and generation', async () => {
    const model = GPT.create(TINY, 22);
    const optimizer = tf.train.adam(1e-3);
    const ids = tf.tensor2d(randomIds(createRng(23), 2, 8), [2, 8], 'int32');
    const mask = tf.ones([2, 8]) as tf.Tensor2D;
    const step = () => {
      const loss = optimizer.minimize(() => {
        const lp = model.tokenLogProbs(ids, mask);
        return tf.add(tf.neg(tf.mean(lp.logProbs)), tf.mean(model.scalarAt(lp.hidden, tf.tensor1d([7, 7], 'int32'))));
      }, true, model.trainableVariables());
      loss?.dispose();
    };
    step(); // creates the optimizer's slots
    await generate(model, [[BOS, 5]], { maxNewTokens: 4, temperature: 1, seed: 1 });
    const before = tf.memory().numTensors;
    step();
    tf.tidy(() => {
      model.forward(ids, mask);
    });
    await generate(model, [[BOS, 5], [BOS]], { maxNewTokens: 4, temperature: 1, topK: 5, seed: 1 });
    await generateRecompute(model, [[BOS, 5]], { maxNewTokens: 4, temperature: 0, seed: 1 });
    const clone = model.clone();
    clone.dispose();
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    tf.dispose([ids, mask]);
    model.dispose();
  });
});

describe('packBatch', () => {
  it('left-pads prompts and right-pads responses to fixed lengths', () => {
    const packed = packBatch([[1, 5, 6], [1]], [[7, 2], [8, 9, 10]], 4, 3);
    expect(packed.ids).toEqual([[PAD, 1, 5, 6, 7, 2, PAD], [PAD, PAD, PAD, 1, 8, 9, 10]]);
    expect(packed.mask).toEqual([[0, 1, 1, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1, 1]]);
    expect(packed.responseMask).toEqual([[0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1, 1]]);
    expect(packed.lastIndex).toEqual([5, 6]);
    expect(packed.promptLen).toBe(4);
    expect(() => packBatch([[1, 2, 3, 4, 5]], [[]], 4, 3)).toThrow(/promptLen/);
  });
});
