// A Gaussian process on [0,1]^d for Bayesian optimisation: Matérn (ν = 0.5, 1.5, 2.5) or RBF kernels with
// per-dimension length scales (ARD), a signal variance and a noise variance, all fitted by maximising the
// log marginal likelihood (optionally plus a log-normal prior: MAP) with analytic gradients. The linear algebra
// is plain Float64Array loops (row-major), a few times faster than ml-matrix's objects at these sizes.
import type { Rng } from '../../../shared/random';
import { minimizeBox } from './acquisition';

export type KernelKind = 'matern' | 'rbf';
export interface KernelSpec {
  kind: KernelKind;
  nu: 0.5 | 1.5 | 2.5;
}

/** The closed forms exist for ν = 0.5, 1.5, 2.5: any other ν uses the nearest of them (ties go to the
 *  smoother one); ν = ∞ is the RBF kernel, as in scikit-learn. */
export function kernelSpec(kind: KernelKind, nu = 1.5): KernelSpec {
  if (kind === 'rbf' || nu === Infinity) return { kind: 'rbf', nu: 2.5 };
  const options = [2.5, 1.5, 0.5] as const;
  let best: 0.5 | 1.5 | 2.5 = 2.5;
  for (const o of options) if (Math.abs(nu - o) < Math.abs(nu - best)) best = o;
  return { kind: 'matern', nu: best };
}

const SQRT3 = Math.sqrt(3);
const SQRT5 = Math.sqrt(5);

/** The unit-variance correlation c(r) at scaled distance r. */
export function kernelValue(spec: KernelSpec, r: number): number {
  if (spec.kind === 'rbf') return Math.exp(-0.5 * r * r);
  if (spec.nu === 0.5) return Math.exp(-r);
  if (spec.nu === 1.5) return (1 + SQRT3 * r) * Math.exp(-SQRT3 * r);
  return (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);
}

/** c'(r) / r, which every gradient needs; finite at r = 0 except for ν = 0.5, where the kink gives 0. */
function kernelSlope(spec: KernelSpec, r: number): number {
  if (spec.kind === 'rbf') return -Math.exp(-0.5 * r * r);
  if (spec.nu === 0.5) return r < 1e-12 ? 0 : -Math.exp(-r) / r;
  if (spec.nu === 1.5) return -3 * Math.exp(-SQRT3 * r);
  return -(5 / 3) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

export interface GpHyper {
  lengthScales: number[];
  signal: number; // variance
  noise: number; // variance, in standardised units
}

export const BOUNDS = { lengthScale: [1e-3, 1e3], signal: [1e-2, 1e2], noise: [1e-6, 1e-1] } as const;
const JITTER = 1e-8;

/** An n×n matrix, row-major. */
type Dense = Float64Array;

/** In-place lower Cholesky of the row-major n×n A (the upper triangle is left as it was); false if not
 *  positive definite. */
function cholInPlace(A: Dense, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let s = A[rj + j];
    for (let k = 0; k < j; k++) s -= A[rj + k] * A[rj + k];
    if (!(s > 0)) return false;
    const d = Math.sqrt(s);
    A[rj + j] = d;
    const inv = 1 / d;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let t = A[ri + j];
      for (let k = 0; k < j; k++) t -= A[ri + k] * A[rj + k];
      A[ri + j] = t * inv;
    }
  }
  return true;
}

/** Lower-triangular L of K = L·Lᵀ (row-major), with jitter added until it factorises; null if it never does. */
export function cholesky(K: Dense, n: number): Dense | null {
  for (let extra = 0; extra <= 1e-4; extra = extra === 0 ? 1e-8 : extra * 100) {
    const A = Float64Array.from(K);
    if (extra) for (let i = 0; i < n; i++) A[i * n + i] += extra;
    if (cholInPlace(A, n)) {
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) A[i * n + j] = 0;
      return A;
    }
  }
  return null;
}

/** Solves L·v = b (forward) in place. */
function forward(L: Dense, b: Float64Array): Float64Array {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[ri + k] * b[k];
    b[i] = s / L[ri + i];
  }
  return b;
}

/** Solves Lᵀ·w = b (backward) in place. */
function backward(L: Dense, b: Float64Array): Float64Array {
  const n = b.length;
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * b[k];
    b[i] = s / L[i * n + i];
  }
  return b;
}

/** K⁻¹ = L⁻ᵀ·L⁻¹ in n³/3 operations, using that L⁻¹ is lower triangular; both halves are filled. */
function inverseFromCholesky(L: Dense, n: number): Dense {
  // C row c holds column c of L⁻¹ (entries c..n-1), so every loop below runs contiguously.
  const C = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const rc = c * n;
    C[rc + c] = 1 / L[c * n + c];
    for (let i = c + 1; i < n; i++) {
      const ri = i * n;
      let s = 0;
      for (let k = c; k < i; k++) s -= L[ri + k] * C[rc + k];
      C[rc + i] = s / L[ri + i];
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k <= i; k++) {
      const rk = k * n;
      let s = 0;
      for (let m = i; m < n; m++) s += C[ri + m] * C[rk + m];
      out[ri + k] = out[rk + i] = s;
    }
  }
  return out;
}

/** Squared coordinate differences of every pair k < i, pair-major: [(1,0), (2,0), (2,1), ...] × d. */
function pairDiffs(X: number[][]): Float64Array {
  const n = X.length;
  const d = X[0]?.length ?? 0;
  const out = new Float64Array(((n * (n - 1)) / 2) * d);
  let p = 0;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < i; k++) for (let j = 0; j < d; j++) out[p++] = (X[i][j] - X[k][j]) ** 2;
  return out;
}

/** Scaled distances of every pair (same order as pairDiffs). */
function distances(sq: Float64Array, d: number, lengthScales: number[]): Float64Array {
  const inv = Float64Array.from(lengthScales, (l) => 1 / (l * l));
  const out = new Float64Array(sq.length / Math.max(d, 1));
  for (let p = 0, q = 0; p < out.length; p++) {
    let r2 = 0;
    for (let j = 0; j < d; j++) r2 += sq[q++] * inv[j];
    out[p] = Math.sqrt(r2);
  }
  return out;
}

function covariance(spec: KernelSpec, r: Float64Array, n: number, h: GpHyper): Dense {
  const K = new Float64Array(n * n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    K[i * n + i] = h.signal + h.noise + JITTER;
    for (let k = 0; k < i; k++) K[i * n + k] = K[k * n + i] = h.signal * kernelValue(spec, r[p++]);
  }
  return K;
}

/** Hyperparameters as the optimiser sees them: [log ℓ_1..ℓ_d, log signal, log noise]. */
const pack = (h: GpHyper): number[] => [
  ...h.lengthScales.map(Math.log),
  Math.log(h.signal),
  Math.log(h.noise),
];
const unpack = (t: number[]): GpHyper => ({
  lengthScales: t.slice(0, -2).map(Math.exp),
  signal: Math.exp(t[t.length - 2]),
  noise: Math.exp(t[t.length - 1]),
});

/** log p(y | X, θ) and its gradient with respect to the log hyperparameters; -Infinity if K is singular.
 *  `valueOnly` skips the gradient (one Cholesky instead of a Cholesky and an inverse). */
export function logMarginalLikelihood(
  spec: KernelSpec,
  X: number[][],
  y: number[],
  h: GpHyper,
  sq: Float64Array = pairDiffs(X),
  valueOnly = false,
): { value: number; grad: number[] } {
  const n = X.length;
  const d = h.lengthScales.length;
  const r = distances(sq, d, h.lengthScales);
  const K = covariance(spec, r, n, h);
  const L = cholesky(K, n);
  if (!L) return { value: -Infinity, grad: new Array<number>(d + 2).fill(0) };
  const alpha = backward(L, forward(L, Float64Array.from(y)));
  let value = -0.5 * n * Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) value -= 0.5 * y[i] * alpha[i] + Math.log(L[i * n + i]);
  if (valueOnly) return { value, grad: [] };
  const Kinv = inverseFromCholesky(L, n);
  // ∂LML/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ); the pairs are visited once and counted twice.
  const grad = new Float64Array(d + 2);
  const inv = Float64Array.from(h.lengthScales, (l) => 1 / (l * l));
  for (let i = 0; i < n; i++) {
    const wii = alpha[i] * alpha[i] - Kinv[i * n + i];
    grad[d] += 0.5 * wii * h.signal;
    grad[d + 1] += 0.5 * wii * h.noise;
  }
  for (let i = 0, p = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++, p++) {
      const w = alpha[i] * alpha[k] - Kinv[ri + k];
      grad[d] += w * K[ri + k]; // signal · c(r)
      if (r[p] < 1e-12) continue;
      const slope = w * h.signal * kernelSlope(spec, r[p]);
      for (let j = 0, q = p * d; j < d; j++, q++) grad[j] -= slope * sq[q] * inv[j];
    }
  }
  return { value, grad: Array.from(grad) };
}

/** A log-normal prior on each hyperparameter (in log space: a Gaussian on log θ), added to the likelihood
 *  when fitting (a MAP estimate). Keeps length scales away from the degenerate fits (every point its own
 *  bump, or one flat line) that a maximum-likelihood fit on few points finds. */
export interface HyperPrior {
  logLengthScale: { mean: number; sd: number };
  logSignal: { mean: number; sd: number };
  logNoise: { mean: number; sd: number };
}

function logPrior(prior: HyperPrior, t: number[]): { value: number; grad: number[] } {
  const d = t.length - 2;
  const grad = new Array<number>(t.length).fill(0);
  let value = 0;
  const term = (i: number, g: { mean: number; sd: number }) => {
    const z = (t[i] - g.mean) / g.sd;
    value -= 0.5 * z * z;
    grad[i] = -z / g.sd;
  };
  for (let j = 0; j < d; j++) term(j, prior.logLengthScale);
  term(d, prior.logSignal);
  term(d + 1, prior.logNoise);
  return { value, grad };
}

export interface FitOptions {
  initialLengthScale: number;
  restarts: number; // extra starts beyond the one from initialLengthScale
  rng: Rng;
  maxIter?: number;
  /** MAP instead of maximum likelihood. */
  prior?: HyperPrior;
  /** Hyperparameters to start from as well (the previous fit). */
  warmStart?: GpHyper;
  /** Random candidate starts scored by their value alone before the `restarts` best are polished; without it
   *  the restarts are uniform over the bounds. */
  screen?: number;
  /** Iterations of a short polish of every start, after which only the best one is polished to the end
   *  (maxIter); without it every start is polished to the end. */
  probeIter?: number;
  /** Lower bound of the noise variance (default BOUNDS.noise[0]). */
  noiseFloor?: number;
}

/** The hyperparameters that maximise the log marginal likelihood (plus the log prior when given), over the
 *  start and the restarts. */
export function fitHyper(spec: KernelSpec, X: number[][], y: number[], opts: FitOptions): GpHyper {
  const d = X[0]?.length ?? 0;
  const lower = [
    ...new Array<number>(d).fill(Math.log(BOUNDS.lengthScale[0])),
    Math.log(BOUNDS.signal[0]),
    Math.log(opts.noiseFloor ?? BOUNDS.noise[0]),
  ];
  const upper = [
    ...new Array<number>(d).fill(Math.log(BOUNDS.lengthScale[1])),
    Math.log(BOUNDS.signal[1]),
    Math.log(BOUNDS.noise[1]),
  ];
  const clampT = (t: number[]) => t.map((v, i) => Math.min(upper[i], Math.max(lower[i], v)));
  const ell = Math.min(Math.max(opts.initialLengthScale, BOUNDS.lengthScale[0]), BOUNDS.lengthScale[1]);
  const sq = pairDiffs(X);
  const prior = opts.prior;
  const objective = (t: number[]) => {
    const { value, grad } = logMarginalLikelihood(spec, X, y, unpack(t), sq);
    if (!prior) return { value: -value, grad: grad.map((g) => -g) };
    const p = logPrior(prior, t);
    return { value: -(value + p.value), grad: grad.map((g, i) => -(g + p.grad[i])) };
  };
  const starts = [clampT(pack({ lengthScales: new Array<number>(d).fill(ell), signal: 1, noise: 1e-4 }))];
  if (opts.warmStart && opts.warmStart.lengthScales.length === d) starts.push(clampT(pack(opts.warmStart)));
  if (opts.screen && prior) {
    // Draw candidates from the prior, keep the `restarts` best by value (a Cholesky each, no gradient).
    const cands: Array<{ t: number[]; v: number }> = [];
    for (let c = 0; c < opts.screen; c++) {
      const g = (m: { mean: number; sd: number }) => m.mean + m.sd * opts.rng.normal();
      const t = clampT([
        ...Array.from({ length: d }, () => g(prior.logLengthScale)),
        g(prior.logSignal),
        g(prior.logNoise),
      ]);
      const lml = logMarginalLikelihood(spec, X, y, unpack(t), sq, true).value;
      cands.push({ t, v: lml + logPrior(prior, t).value });
    }
    cands.sort((a, b) => b.v - a.v);
    for (const c of cands.slice(0, opts.restarts)) starts.push(c.t);
  } else {
    for (let r = 0; r < opts.restarts; r++) starts.push(lower.map((lo, i) => opts.rng.uniform(lo, upper[i])));
  }
  const maxIter = opts.maxIter ?? 60;
  let best = { x: starts[0], value: Infinity };
  if (opts.probeIter && starts.length > 1) {
    // Every start gets a short polish and only the best goes on to convergence: the restarts mostly end in
    // the same optimum, and this costs about a third of polishing each one fully.
    for (const start of starts) {
      const res = minimizeBox(objective, start, lower, upper, { maxIter: opts.probeIter, initialStep: 1 });
      if (res.value < best.value) best = res;
    }
    const res = minimizeBox(objective, best.x, lower, upper, { maxIter, initialStep: 0.2 });
    if (res.value <= best.value) best = res;
    return unpack(best.x);
  }
  for (const start of starts) {
    const res = minimizeBox(objective, start, lower, upper, { maxIter, initialStep: 1 });
    if (res.value < best.value) best = res;
  }
  return unpack(best.x);
}

/** The posterior given fitted hyperparameters: mean and standard deviation of the latent f, with their
 *  gradients with respect to x (for polishing the acquisition function). */
export class GaussianProcess {
  private readonly L: Dense;
  private readonly alpha: Float64Array;
  private readonly inv: Float64Array;
  private readonly flatX: Float64Array;

  constructor(
    readonly spec: KernelSpec,
    readonly X: number[][],
    y: number[],
    readonly hyper: GpHyper,
  ) {
    const n = X.length;
    const L = cholesky(
      covariance(spec, distances(pairDiffs(X), X[0].length, hyper.lengthScales), n, hyper),
      n,
    );
    if (!L) throw new Error('GP covariance is not positive definite even with jitter');
    this.L = L;
    this.alpha = backward(L, forward(L, Float64Array.from(y)));
    this.inv = Float64Array.from(hyper.lengthScales, (l) => 1 / (l * l));
    const d = X[0].length;
    this.flatX = new Float64Array(n * d);
    X.forEach((row, i) => this.flatX.set(row, i * d));
  }

  /** The posterior mean at x (cheaper than predict: no triangular solve). */
  mean(x: number[]): number {
    const { inv, alpha, spec, flatX } = this;
    const n = alpha.length;
    const d = x.length;
    const s = this.hyper.signal;
    let mean = 0;
    for (let i = 0, q = 0; i < n; i++) {
      let r2 = 0;
      for (let j = 0; j < d; j++, q++) r2 += (x[j] - flatX[q]) ** 2 * inv[j];
      mean += s * kernelValue(spec, Math.sqrt(r2)) * alpha[i];
    }
    return mean;
  }

  predict(x: number[], withGrad = false): { mean: number; sd: number; dMean?: number[]; dSd?: number[] } {
    // The same sums in the same order as for any outcome vector: predictMany with the model's own.
    const p = this.predictMany(x, [this.alpha], withGrad);
    return withGrad
      ? { mean: p.means[0], sd: p.sd, dMean: p.dMeans![0], dSd: p.dSd }
      : { mean: p.means[0], sd: p.sd };
  }

  /** K⁻¹y for other outcomes at the same points: fantasies of pending points share the covariance. */
  solve(y: number[]): Float64Array {
    return backward(this.L, forward(this.L, Float64Array.from(y)));
  }

  /** The joint posterior of the latent f at the points P: means and the m×m covariance (row-major). */
  joint(P: number[][]): { mean: number[]; cov: Float64Array } {
    const m = P.length;
    const s = this.hyper.signal;
    const k = (a: number[], b: number[]) => {
      let r2 = 0;
      for (let j = 0; j < a.length; j++) r2 += (a[j] - b[j]) ** 2 * this.inv[j];
      return s * kernelValue(this.spec, Math.sqrt(r2));
    };
    const vs = P.map((p) =>
      forward(
        this.L,
        Float64Array.from(this.X, (x) => k(p, x)),
      ),
    );
    const cov = new Float64Array(m * m);
    for (let a = 0; a < m; a++)
      for (let b = 0; b <= a; b++) {
        let vv = 0;
        for (let i = 0; i < vs[a].length; i++) vv += vs[a][i] * vs[b][i];
        cov[a * m + b] = cov[b * m + a] = k(P[a], P[b]) - vv;
      }
    return { mean: P.map((p) => this.mean(p)), cov };
  }

  /** The posterior for several outcome vectors at once (`alphas` from `solve`): one mean per outcome vector,
   *  one σ (it does not depend on the outcomes), and their gradients. */
  predictMany(
    x: number[],
    alphas: Float64Array[],
    withGrad = false,
  ): { means: number[]; sd: number; dMeans?: number[][]; dSd?: number[] } {
    const { inv, L, spec, flatX } = this;
    const n = this.alpha.length;
    const d = x.length;
    const s = this.hyper.signal;
    const kx = new Float64Array(n);
    const slope = withGrad ? new Float64Array(n) : null;
    for (let i = 0, q = 0; i < n; i++) {
      let r2 = 0;
      for (let j = 0; j < d; j++, q++) r2 += (x[j] - flatX[q]) ** 2 * inv[j];
      const r = Math.sqrt(r2);
      kx[i] = s * kernelValue(spec, r);
      if (slope) slope[i] = s * kernelSlope(spec, r);
    }
    const means = alphas.map((a) => {
      let m = 0;
      for (let i = 0; i < n; i++) m += kx[i] * a[i];
      return m;
    });
    const v = forward(L, Float64Array.from(kx));
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i] * v[i];
    const clamped = s - vv <= 1e-12;
    const sd = Math.sqrt(clamped ? 1e-12 : s - vv);
    if (!slope) return { means, sd };
    const w = backward(L, v);
    const dMeans = alphas.map(() => new Array<number>(d).fill(0));
    const dSd = new Array<number>(d).fill(0);
    for (let i = 0, q = 0; i < n; i++) {
      for (let j = 0; j < d; j++, q++) {
        const dk = slope[i] * (x[j] - flatX[q]) * inv[j];
        for (let a = 0; a < alphas.length; a++) dMeans[a][j] += dk * alphas[a][i];
        if (!clamped) dSd[j] -= (dk * w[i]) / sd;
      }
    }
    return { means, sd, dMeans, dSd };
  }
}
