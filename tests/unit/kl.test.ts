import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdaptiveKlController, FixedKlController, klPerToken, klValue } from '../../src/lib/train/rl-math';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('KL estimators', () => {
  it('k1 and k3 on hand values', async () => {
    // p = 0.5, p_ref = 0.25: k1 = log 2 = 0.693147; r = 0.5, k3 = (0.5 - 1) - log 0.5 = 0.193147
    // p = 0.2, p_ref = 0.4:  k1 = -log 2;           r = 2,   k3 = (2 - 1) - log 2 = 0.306853
    const logp = tf.tensor1d([Math.log(0.5), Math.log(0.2)]);
    const ref = tf.tensor1d([Math.log(0.25), Math.log(0.4)]);
    const k1 = await klPerToken(logp, ref, 'k1').data();
    const k3 = await klPerToken(logp, ref, 'k3').data();
    expect(k1[0]).toBeCloseTo(0.693147, 5);
    expect(k1[1]).toBeCloseTo(-0.693147, 5);
    expect(k3[0]).toBeCloseTo(0.193147, 5);
    expect(k3[1]).toBeCloseTo(0.306853, 5);
    expect(klValue(Math.log(0.5), Math.log(0.25), 'k3')).toBeCloseTo(0.193147, 6);
    expect(klValue(Math.log(0.2), Math.log(0.4), 'k1')).toBeCloseTo(-0.693147, 6);
    tf.dispose([logp, ref]);
  });

  it('k3 is never negative and is about k1^2 / 2 for small differences', async () => {
    const d = [-3, -0.5, -0.01, 0, 0.003, 0.01, 0.7, 4];
    const logp = tf.tensor1d(d.map((x) => -1 + x));
    const ref = tf.fill([d.length], -1);
    const k3 = await klPerToken(logp, ref, 'k3').data();
    for (const v of k3) expect(v).toBeGreaterThanOrEqual(0);
    for (const i of [2, 4, 5]) {
      const approx = d[i] ** 2 / 2;
      expect(Math.abs(k3[i] - approx) / approx).toBeLessThan(0.02);
    }
    tf.dispose([logp, ref]);
  });

  it('the expectation of k1 and k3 under p is KL(p||q)', () => {
    const p = [0.6, 0.3, 0.1];
    const q = [0.2, 0.5, 0.3];
    const exact = p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0);
    const e1 = p.reduce((s, pi, i) => s + pi * klValue(Math.log(pi), Math.log(q[i]), 'k1'), 0);
    const e3 = p.reduce((s, pi, i) => s + pi * klValue(Math.log(pi), Math.log(q[i]), 'k3'), 0);
    expect(e1).toBeCloseTo(exact, 6);
    expect(e3).toBeCloseTo(exact, 6);
  });
});

describe('KL controllers', () => {
  it('fixed beta never moves', () => {
    const c = new FixedKlController(0.05);
    c.update(100, 64);
    expect(c.value).toBe(0.05);
  });

  it('adaptive beta follows beta *= 1 + clip(kl/target - 1, -0.2, 0.2) * n / horizon', () => {
    const c = new AdaptiveKlController(0.1, 6, 10000);
    c.update(6.6, 64); // error 0.1, n/horizon 0.0064: 0.1 * (1 + 0.1 * 0.0064) = 0.100064
    expect(c.value).toBeCloseTo(0.100064, 9);
    c.update(60, 64); // error 9 clipped to 0.2: * (1 + 0.2 * 0.0064) = * 1.00128
    expect(c.value).toBeCloseTo(0.100064 * 1.00128, 9);
    const d = new AdaptiveKlController(0.1, 6, 100);
    d.update(0, 50); // error -1 clipped to -0.2: 0.1 * (1 - 0.2 * 0.5) = 0.09
    expect(d.value).toBeCloseTo(0.09, 9);
  });
});
