// Acquisition functions for minimisation (EI, POI, UCB as a lower confidence bound), the normal
// distribution they need, and the small bounded quasi-Newton minimiser ("L-BFGS-B-lite") that both the
// GP hyperparameter fit and the acquisition polish use. No maintained npm package offers a bounded
// L-BFGS: `fmin` (Nelder–Mead, CG) has no bounds or types and has not been released in years.

import { ndtr } from './parzen';

export type AcquisitionKind = 'ei' | 'poi' | 'ucb' | 'logei';

const SQRT2PI = Math.sqrt(2 * Math.PI);

export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / SQRT2PI;
}

/** The standard normal CDF: parzen.ts's `ndtr` (FreeBSD's erf/erfc, which Optuna ports too), accurate far
 *  into the lower tail where EI lives. */
export function normCdf(z: number): number {
  return ndtr(z);
}

/** An acquisition value (to maximise) with its partial derivatives in μ and σ. */
export interface AcqValue {
  value: number;
  dMean: number;
  dSd: number;
}

/** Expected improvement below `best`: E[max(best − xi − f, 0)] for f ~ N(mean, sd²). */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): AcqValue {
  const imp = best - mean - xi;
  if (sd < 1e-12) return { value: Math.max(imp, 0), dMean: imp > 0 ? -1 : 0, dSd: 0 };
  const z = imp / sd;
  const cdf = normCdf(z);
  const pdf = normPdf(z);
  return { value: imp * cdf + sd * pdf, dMean: -cdf, dSd: pdf };
}

/** log EI (Ament et al. 2023, "Unexpected improvements to expected improvement"): the same maximiser as EI,
 *  but finite and with a useful gradient where EI underflows (far from the incumbent, late in a search). For
 *  z = (best − xi − mean)/sd, EI = sd·h(z) with h(z) = φ(z) + zΦ(z); below z = −25, h is φ(z)·(1 − t·m(t)) with
 *  t = −z and m the Mills ratio, from its asymptotic series. Derivatives are those of log EI. */
export function logExpectedImprovement(mean: number, sd: number, best: number, xi = 0): AcqValue {
  const imp = best - mean - xi;
  if (sd < 1e-12) {
    return imp > 0
      ? { value: Math.log(imp), dMean: -1 / imp, dSd: 0 }
      : { value: -1e6 + imp, dMean: -1, dSd: 0 };
  }
  const z = imp / sd;
  let logH: number;
  let cdfOverH: number; // Φ(z)/h(z)
  let pdfOverH: number; // φ(z)/h(z)
  if (z > -25) {
    const cdf = normCdf(z);
    const pdf = normPdf(z);
    const h = pdf + z * cdf;
    logH = Math.log(h);
    cdfOverH = cdf / h;
    pdfOverH = pdf / h;
  } else {
    const t = -z;
    const t2 = t * t;
    // m(t) = Φ(−t)/φ(t) ≈ 1/t − 1/t³ + 3/t⁵ − 15/t⁷ + 105/t⁹; 1 − t·m(t) ≈ 1/t² − 3/t⁴ + 15/t⁶ − 105/t⁸
    const m = (1 / t) * (1 - (1 / t2) * (1 - (3 / t2) * (1 - (5 / t2) * (1 - 7 / t2))));
    const r = (1 / t2) * (1 - (3 / t2) * (1 - (5 / t2) * (1 - 7 / t2)));
    logH = -0.5 * z * z - Math.log(SQRT2PI) + Math.log(r);
    cdfOverH = m / r;
    pdfOverH = 1 / r;
  }
  // EI = sd·h(z): ∂EI/∂mean = −Φ(z), ∂EI/∂sd = φ(z).
  return { value: Math.log(sd) + logH, dMean: -cdfOverH / sd, dSd: pdfOverH / sd };
}

/** Probability of improving on `best` by at least xi: Φ((best − xi − mean)/sd). */
export function probabilityOfImprovement(mean: number, sd: number, best: number, xi = 0): AcqValue {
  const imp = best - mean - xi;
  if (sd < 1e-12) return { value: imp > 0 ? 1 : 0, dMean: 0, dSd: 0 };
  const z = imp / sd;
  const pdf = normPdf(z);
  return { value: normCdf(z), dMean: -pdf / sd, dSd: (-pdf * z) / sd };
}

/** UCB for minimisation is the lower confidence bound μ − κσ; maximising its negation explores where σ
 *  is large and exploits where μ is low. */
export function negLowerConfidenceBound(mean: number, sd: number, kappa: number): AcqValue {
  return { value: -(mean - kappa * sd), dMean: -1, dSd: kappa };
}

export function acquisition(
  kind: AcquisitionKind,
  mean: number,
  sd: number,
  best: number,
  param: number,
): AcqValue {
  if (kind === 'ei') return expectedImprovement(mean, sd, best, param);
  if (kind === 'logei') return logExpectedImprovement(mean, sd, best, param);
  if (kind === 'poi') return probabilityOfImprovement(mean, sd, best, param);
  return negLowerConfidenceBound(mean, sd, param);
}

export interface MinimizeOptions {
  maxIter?: number;
  memory?: number;
  gtol?: number;
  ftol?: number;
  /** Largest coordinate move of a steepest-descent step (the first one, and after a reset). */
  initialStep?: number;
}

/** Minimises f on the box [lower, upper] with L-BFGS directions restricted to the free variables, a
 *  projected backtracking (Armijo) line search, and a reset to steepest descent when a direction fails.
 *  Non-finite values count as +∞, so the line search backs away from them. */
export function minimizeBox(
  f: (x: number[]) => { value: number; grad: number[] },
  x0: number[],
  lower: number[],
  upper: number[],
  opts: MinimizeOptions = {},
): { x: number[]; value: number; iterations: number } {
  const { maxIter = 100, memory = 6, gtol = 1e-6, ftol = 1e-9, initialStep = 0.1 } = opts;
  const clamp = (x: number[]) => x.map((v, i) => Math.min(upper[i], Math.max(lower[i], v)));
  const evaluate = (x: number[]) => {
    const r = f(x);
    return Number.isFinite(r.value) ? r : { value: Infinity, grad: r.grad };
  };
  let x = clamp(x0);
  let cur = evaluate(x);
  const S: number[][] = [];
  const Y: number[][] = [];
  let it = 0;
  for (; it < maxIter && Number.isFinite(cur.value); it++) {
    // Variables at a bound whose gradient pushes outward are held fixed this iteration.
    const free = x.map((v, i) => !((v <= lower[i] && cur.grad[i] > 0) || (v >= upper[i] && cur.grad[i] < 0)));
    const pg = cur.grad.map((g, i) => (free[i] ? g : 0));
    const pgMax = Math.max(...pg.map(Math.abs));
    if (!(pgMax > gtol)) break;
    let d = twoLoop(pg, S, Y).map((v, i) => (free[i] ? -v : 0));
    if (S.length === 0 || dot(d, pg) >= 0) {
      S.length = Y.length = 0;
      d = pg.map((g) => (-g * initialStep) / pgMax);
    }
    let step = 1;
    let next: { x: number[]; value: number; grad: number[] } | null = null;
    for (let k = 0; k < 30; k++, step *= 0.5) {
      const xt = clamp(x.map((v, i) => v + step * d[i]));
      const rt = evaluate(xt);
      const decrease = dot(
        cur.grad,
        xt.map((v, i) => v - x[i]),
      );
      if (rt.value <= cur.value + 1e-4 * decrease && rt.value < Infinity) {
        next = { x: xt, ...rt };
        break;
      }
    }
    if (!next) {
      if (S.length === 0) break;
      S.length = Y.length = 0; // a stale curvature model: retry from steepest descent
      continue;
    }
    const s = next.x.map((v, i) => v - x[i]);
    const yv = next.grad.map((g, i) => g - cur.grad[i]);
    if (dot(s, yv) > 1e-12) {
      S.push(s);
      Y.push(yv);
      if (S.length > memory) {
        S.shift();
        Y.shift();
      }
    }
    const done = Math.abs(cur.value - next.value) <= ftol * Math.max(1, Math.abs(cur.value));
    x = next.x;
    cur = next;
    if (done) break;
  }
  return { x, value: cur.value, iterations: it };
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The L-BFGS two-loop recursion: H·g from the stored pairs (H₀ = γI). */
function twoLoop(g: number[], S: number[][], Y: number[][]): number[] {
  const q = [...g];
  const m = S.length;
  const a = new Array<number>(m);
  for (let i = m - 1; i >= 0; i--) {
    a[i] = dot(S[i], q) / dot(Y[i], S[i]);
    for (let j = 0; j < q.length; j++) q[j] -= a[i] * Y[i][j];
  }
  const gamma = m > 0 ? dot(S[m - 1], Y[m - 1]) / dot(Y[m - 1], Y[m - 1]) : 1;
  for (let j = 0; j < q.length; j++) q[j] *= gamma;
  for (let i = 0; i < m; i++) {
    const b = dot(Y[i], q) / dot(Y[i], S[i]);
    for (let j = 0; j < q.length; j++) q[j] += S[i][j] * (a[i] - b);
  }
  return q;
}
