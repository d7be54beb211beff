// Exponential moving average with bias correction (TensorBoard's smoothing): weight 0 returns the
// points unchanged, weight 0.9 follows the trend. Pure, so the chart and tests share it.
export interface Point {
  x: number;
  y: number;
}

export function smooth(points: readonly Point[], weight: number): Point[] {
  const w = Math.min(0.999, Math.max(0, weight));
  if (w === 0) return points.map((p) => ({ ...p }));
  let last = 0;
  let debias = 0;
  return points.map((p, i) => {
    last = last * w + (1 - w) * p.y;
    debias = 1 - Math.pow(w, i + 1);
    return { x: p.x, y: last / debias };
  });
}
