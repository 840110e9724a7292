// Smoothing of a metric line as TensorBoard does it: an exponential moving average with weight w, debiased so
// the first points are not pulled towards 0. w = 0 gives the values back; NaN/null points are skipped.
export function smoothEma(values: ReadonlyArray<number | null>, weight: number): Array<number | null> {
  if (weight <= 0) return [...values];
  const w = Math.min(weight, 0.999);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * w + (1 - w) * v;
    n++;
    return last / (1 - w ** n);
  });
}
