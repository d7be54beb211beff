// Best-of-n (rejection sampling): draw n answers, keep the one a scorer ranks highest. It is the
// other way to use a reward model (WebGPT, Llama 2's rejection sampling), and with gold as the
// scorer it says how far reinforcing the model's own answers can go at all. Estimated from M >= n
// samples per prompt without drawing subsets: the unbiased estimator over all n-subsets.

/**
 * Probability that the best of n candidates drawn without replacement from M, sorted ascending by
 * score, is the one at position j (0-based): C(j, n-1) / C(M, n). Sums to 1.
 */
export function bestOfNWeights(m: number, n: number): number[] {
  if (!Number.isInteger(m) || !Number.isInteger(n) || n < 1 || n > m) throw new Error(`best-of-n needs 1 <= n <= M, got n=${n}, M=${m}`);
  const weights = new Array<number>(m).fill(0);
  // w[n-1] = 1 / C(M, n); w[j] = w[j-1] * C(j, n-1) / C(j-1, n-1) = w[j-1] * j / (j - n + 1).
  let w = 1;
  for (let i = 0; i < n; i++) w *= (i + 1) / (m - i);
  weights[n - 1] = w;
  for (let j = n; j < m; j++) weights[j] = weights[j - 1] * (j / (j - n + 1));
  return weights;
}

/**
 * Expected `values[i]` of the candidate that `scores` ranks highest among n drawn without
 * replacement from the M candidates. Candidates tied on score share their values' mean (a random
 * tie-break).
 */
export function expectedBestOfN(scores: readonly number[], values: readonly number[], n: number): number {
  if (scores.length !== values.length) throw new Error('best-of-n needs one value per scored candidate');
  const order = scores.map((s, i) => i).sort((a, b) => scores[a] - scores[b]);
  const sortedValues = order.map((i) => values[i]);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && scores[order[end]] === scores[order[start]]) end++;
    const mean = sortedValues.slice(start, end).reduce((a, b) => a + b, 0) / (end - start);
    sortedValues.fill(mean, start, end);
    start = end;
  }
  const weights = bestOfNWeights(scores.length, n);
  return weights.reduce((sum, w, j) => sum + w * sortedValues[j], 0);
}

/**
 * KL(best-of-n || the sampling policy) is at most log n - (n - 1)/n nats (equal when no two
 * samples tie): the leash best-of-n wears, to set beside PPO's KL.
 */
export function bestOfNKlBound(n: number): number {
  return Math.log(n) - (n - 1) / n;
}

/** How often an answer with gold `score` beats one drawn from `baseline` (golds; ties 1/2). */
export function winAgainst(score: number, baseline: readonly number[], tieTolerance = 1e-9): number {
  if (baseline.length === 0) throw new Error('a win rate needs at least one baseline answer');
  let total = 0;
  for (const b of baseline) total += Math.abs(score - b) <= tieTolerance ? 0.5 : score > b ? 1 : 0;
  return total / baseline.length;
}
