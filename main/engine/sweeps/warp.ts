// How BO's results are transformed before the GP sees them: a Yeo-Johnson power warp (HEBO), normal scores of
// the ranks, or nothing, always standardised after; and, for choosing between the warp and none, the log
// Jacobian of the whole transform, so that the two GPs' marginal likelihoods are likelihoods of the same raw
// results and can be compared (bo.ts, BO_TUNING.warpOutputs = 'auto').

/** Φ⁻¹(p) (Acklam's rational approximation, relative error < 1.2e-9). */
export function normQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - pl) return -normQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

export const standardise = (v: number[]) => {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length) || 1;
  return { values: v.map((x) => (x - m) / sd), mean: m, sd };
};

function yeoJohnson(y: number, lambda: number): number {
  if (y >= 0) return Math.abs(lambda) < 1e-9 ? Math.log1p(y) : ((1 + y) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-9 ? -Math.log1p(-y) : -((1 - y) ** (2 - lambda) - 1) / (2 - lambda);
}

/** The results warped before the GP (see BO_TUNING.warpOutputs). `yj`: the Yeo-Johnson λ in [−2, 4] that makes
 *  (y − min)/(median − min) most normal (profile log-likelihood, golden section), as scikit-learn's
 *  PowerTransformer fits it; HEBO found such a warp to help GP-BO a lot on functions whose values span orders of
 *  magnitude, and the shift and scale let it spread the low (good) end. Monotone, so the order is kept. */
export function warpOutputs(raw: number[], how: 'yj' | 'rank' | 'none' = 'yj'): number[] {
  if (how === 'none') return raw;
  if (how === 'rank') {
    const order = raw.map((y, i) => [y, i] as const).sort((a, b) => a[0] - b[0]);
    const out = new Array<number>(raw.length);
    // ties share the mean rank
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
      const u = ((i + j) / 2 + 0.5) / raw.length;
      for (let k = i; k <= j; k++) out[order[k][1]] = normQuantile(u);
      i = j + 1;
    }
    return out;
  }
  const fit = fitYeoJohnson(raw);
  return fit.values;
}

/** The shift (to the minimum), the scale (to the median) and the Yeo-Johnson λ ∈ [−2, 4] that makes the
 *  shifted, scaled results most normal; `values` the warped results, or only shifted and scaled (λ = 1) if
 *  the warp overflows. */
function fitYeoJohnson(raw: number[]): { lo: number; scale: number; lambda: number; values: number[] } {
  const lo = Math.min(...raw);
  const sorted = [...raw].sort((a, b) => a - b);
  const scale = sorted[Math.floor(sorted.length / 2)] - lo || sorted[sorted.length - 1] - lo || 1;
  const v = raw.map((y) => (y - lo) / scale);
  const n = v.length;
  const ll = (lambda: number) => {
    const t = v.map((y) => yeoJohnson(y, lambda));
    const m = t.reduce((s, x) => s + x, 0) / n;
    const varT = t.reduce((s, x) => s + (x - m) ** 2, 0) / n;
    if (!(varT > 0) || !Number.isFinite(varT)) return -Infinity;
    let jac = 0;
    for (const y of v) jac += Math.sign(y) * Math.log1p(Math.abs(y));
    return -0.5 * n * Math.log(varT) + (lambda - 1) * jac;
  };
  let a = -2;
  let b = 4;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = ll(c);
  let fd = ll(d);
  for (let i = 0; i < 40; i++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = ll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = ll(d);
    }
  }
  const lambda = (a + b) / 2;
  const out = v.map((y) => yeoJohnson(y, lambda));
  return out.every(Number.isFinite)
    ? { lo, scale, lambda, values: out }
    : { lo, scale, lambda: 1, values: v };
}

/** The warped and standardised results with the log Jacobian log|dz/dy| of the whole transform y → z at each
 *  result (shift and scale, Yeo-Johnson, standardisation): the GP's log marginal likelihood of z plus their
 *  sum is the log likelihood of the raw results, comparable across transforms. Ranks have no Jacobian (not offered). */
export function transformOutputs(raw: number[], how: 'yj' | 'none'): { z: number[]; logJacs: number[] } {
  if (how === 'none') {
    const s = standardise(raw);
    return { z: s.values, logJacs: raw.map(() => -Math.log(s.sd)) };
  }
  const { lo, scale, lambda, values } = fitYeoJohnson(raw);
  const s = standardise(values);
  // z = (YJ((y − lo)/scale) − m)/sd, and YJ'(u) = (1 + u)^(λ − 1) for u ≥ 0 (every u is, after the shift).
  const logJacs = raw.map(
    (y) => (lambda - 1) * Math.log1p((y - lo) / scale) - Math.log(scale) - Math.log(s.sd),
  );
  return { z: s.values, logJacs };
}
