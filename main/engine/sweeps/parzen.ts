// Optuna 5.0's Parzen estimator (optuna/samplers/_tpe/{parzen_estimator,probability_distributions,_truncnorm}.py):
// a mixture of products of truncated normals (numeric) and smoothed one-hot rows (categorical), one kernel per
// observation plus a prior kernel. Works in the "internal" space the caller maps values to.
import { linspace } from '../../../shared/polyaxonfile';
import type { Rng } from '../../../shared/random';

/** Numeric, already log-transformed where needed. `step` 0: continuous on [low, high]; `step` > 0: the grid
 *  low, low + step, ..., high, modelled on [low - step/2, high + step/2] like Optuna's discrete kinds. */
export interface NumericDim {
  type: 'numeric';
  low: number;
  high: number;
  step: number;
}
/** Categorical over indices 0..n-1; `prior` is the prior kernel's row (uniform in Optuna). */
export interface CategoricalDim {
  type: 'categorical';
  prior: number[];
}
export type ParzenDim = NumericDim | CategoricalDim;

export interface ParzenParams {
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  multivariate: boolean;
  /** All the observations the model was fitted on (both estimators): when set, the magic clip counts
   *  sqrt(n·pooledCount) kernels instead of the estimator's own n (see numericKernels). Unset: Optuna's clip. */
  pooledCount?: number;
}

const EPS = 1e-12;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

// erf/erfc from FreeBSD's s_erf.c (Optuna ports the same); JavaScript has neither.
const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
const PP = [
  1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2,
  -5.77027029648944159157e-3, -2.37630166566501626084e-5,
];
const QQ = [
  1, 3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3,
  1.32494738004321644526e-4, -3.9602282787753681232e-6,
];
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1,
  3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.166375594868790843e-3,
];
const QA = [
  1, 1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2,
  1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.1984499846799107417e-2,
];
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1,
  -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1,
  -9.81432934416914548592,
];
const SA = [
  1, 1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2, 6.45387271733267880336e2,
  4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
];
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1,
  -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2,
];
const SB = [
  1, 3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3,
  2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1,
];

function poly(c: number[], x: number): number {
  let r = 0;
  for (let i = c.length - 1; i >= 0; i--) r = r * x + c[i];
  return r;
}

/** exp(-x² - 0.5625 + R/S) / x for 1.25 <= x < 28; fround splits x so that z*z is exact (SET_LOW_WORD in C). */
function erfcTail(ax: number): number {
  const s = 1 / (ax * ax);
  const rs = ax < 1 / 0.35 ? poly(RA, s) / poly(SA, s) : poly(RB, s) / poly(SB, s);
  const z = Math.fround(ax);
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + rs)) / ax;
}

export function erf(x: number): number {
  const ax = Math.abs(x);
  if (Number.isNaN(x)) return NaN;
  if (ax < 0.84375) {
    if (ax < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (poly(PP, z) / poly(QQ, z));
  }
  if (ax < 1.25) {
    const p = ERX + poly(PA, ax - 1) / poly(QA, ax - 1);
    return x >= 0 ? p : -p;
  }
  if (ax >= 6) return x >= 0 ? 1 : -1;
  const r = 1 - erfcTail(ax);
  return x >= 0 ? r : -r;
}

export function erfc(x: number): number {
  const ax = Math.abs(x);
  if (Number.isNaN(x)) return NaN;
  if (ax < 0.84375) {
    if (ax < 2 ** -56) return 1 - x;
    const z = x * x;
    const y = poly(PP, z) / poly(QQ, z);
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (ax < 1.25) {
    const p = poly(PA, ax - 1) / poly(QA, ax - 1);
    return x >= 0 ? 1 - ERX - p : 1 + (ERX + p);
  }
  if (ax < 28) {
    if (x < -6) return 2;
    const r = erfcTail(ax);
    return x > 0 ? r : 2 - r;
  }
  return x > 0 ? 0 : 2;
}

/** The standard normal CDF. */
export function ndtr(a: number): number {
  const x = a * Math.SQRT1_2;
  if (x < -Math.SQRT1_2) return 0.5 * erfc(-x);
  if (x < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  return 1 - 0.5 * erfc(x);
}

/** log Φ(a), with the asymptotic series in the far left tail. */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtr(-a);
  if (a > -20) return Math.log(ndtr(a));
  if (a === -Infinity) return -Infinity;
  const logLhs = -0.5 * a * a - Math.log(-a) - LOG_SQRT_2PI;
  let last = 0;
  let rhs = 1;
  let numerator = 1;
  let denom = 1;
  let sign = 1;
  for (let i = 1; Math.abs(last - rhs) > Number.EPSILON; i++) {
    last = rhs;
    sign = -sign;
    denom /= a * a;
    numerator *= 2 * i - 1;
    rhs += sign * numerator * denom;
  }
  return logLhs + Math.log(rhs);
}

function logAddExp(p: number, q: number): number {
  const m = Math.max(p, q);
  if (m === -Infinity) return -Infinity;
  return m + Math.log1p(Math.exp(-Math.abs(p - q)));
}

/** log(Φ(b) - Φ(a)), computed in whichever tail keeps it accurate. */
export function logGaussMass(a: number, b: number): number {
  const logDiff = (p: number, q: number) => p + Math.log1p(-Math.exp(q - p));
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/** x with log Φ(x) = y, by Newton's method from a tail or logistic first guess (Optuna's _ndtri_exp). */
function ndtriExp(y: number): number {
  if (y >= 0) return Infinity;
  if (y === -Infinity) return -Infinity;
  const flipped = y > -1e-2; // near 0, solve for the mirrored point where precision is better
  const z = flipped ? Math.log(-Math.expm1(y)) : y;
  let x = z < -5 ? -Math.sqrt(-2 * (z + LOG_SQRT_2PI)) : (-Math.sqrt(3) / Math.PI) * Math.log(Math.expm1(-z));
  for (let i = 0; i < 100; i++) {
    const logPhi = logNdtr(x);
    const dx = (logPhi - z) * Math.exp(logPhi + 0.5 * x * x + LOG_SQRT_2PI);
    x -= dx;
    if (!(Math.abs(dx) >= 1e-8 * Math.abs(x))) break;
  }
  return flipped ? -x : x;
}

/** The quantile q of the standard normal truncated to [a, b]. */
export function truncnormPpf(q: number, a: number, b: number): number {
  if (q <= 0) return a;
  if (q >= 1) return b;
  const logMass = logGaussMass(a, b);
  const x =
    a < 0
      ? ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logMass))
      : -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logMass));
  return Math.min(b, Math.max(a, Number.isNaN(x) ? a : x));
}

/** Optuna's default_weights: flat below 25 observations, else a ramp for the oldest ones (recency). */
export function defaultWeights(n: number): number[] {
  if (n <= 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  return [...linspace(1 / n, 1, n - 25), ...new Array<number>(25).fill(1)];
}

/** numpy's round-half-to-even, as np.round snaps discrete samples. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface NumericKernels {
  dim: NumericDim;
  mus: number[];
  sigmas: number[];
  lo: number; // the truncation bounds: widened by step/2 for grids
  hi: number;
  logZ: number[]; // per kernel: log of the truncated mass, plus log σ for continuous densities
}
type Kernels = NumericKernels | { dim: CategoricalDim; rows: number[][] };

export class ParzenEstimator {
  private readonly weights: number[];
  private readonly kernels: Kernels[];

  /** `observations[i][d]`: observation i in dimension d (internal space), in creation order. */
  constructor(dims: ParzenDim[], observations: number[][], p: ParzenParams) {
    const n = observations.length;
    const w = n === 0 ? [1] : [...defaultWeights(n), p.priorWeight];
    const total = w.reduce((s, x) => s + x, 0);
    this.weights = w.map((x) => x / total);
    this.kernels = dims.map((dim, d) => {
      const column = observations.map((row) => row[d]);
      return dim.type === 'categorical'
        ? { dim, rows: categoricalRows(dim, column, p.priorWeight) }
        : numericKernels(dim, column, p);
    });
  }

  /** `size` points from the mixture: one kernel each (shared by all dimensions), then a draw per dimension. */
  sample(rng: Rng, size: number): number[][] {
    const cdf: number[] = [];
    this.weights.reduce((acc, x, i) => (cdf[i] = acc + x), 0);
    const active: number[] = [];
    for (let s = 0; s < size; s++) {
      // numpy's choice(p=...): searchsorted(cdf / cdf[-1], u, side='right')
      const u = rng.next() * cdf[cdf.length - 1];
      let k = 0;
      while (k < cdf.length - 1 && cdf[k] <= u) k++;
      active.push(k);
    }
    const out = active.map(() => new Array<number>(this.kernels.length));
    this.kernels.forEach((kern, d) => {
      for (let s = 0; s < size; s++) {
        const k = active[s];
        if ('rows' in kern) {
          const u = rng.next();
          const row = kern.rows[k];
          let acc = 0;
          let c = 0;
          while (c < row.length - 1 && (acc += row[c]) < u) c++;
          out[s][d] = c;
        } else {
          const mu = kern.mus[k];
          const sigma = kern.sigmas[k];
          const x = truncnormPpf(rng.next(), (kern.lo - mu) / sigma, (kern.hi - mu) / sigma) * sigma + mu;
          const { low, high, step } = kern.dim;
          out[s][d] =
            step > 0 ? Math.min(high, Math.max(low, low + roundHalfEven((x - low) / step) * step)) : x;
        }
      }
    });
    return out;
  }

  /** log of the mixture density (mass, for grids and categories) at each point. */
  logPdf(points: number[][]): number[] {
    return points.map((x) => {
      const terms = this.weights.map((w) => Math.log(w));
      this.kernels.forEach((kern, d) => {
        for (let k = 0; k < terms.length; k++) terms[k] += kernelLogPdf(kern, k, x[d]);
      });
      const m = Math.max(...terms);
      if (m === -Infinity) return -Infinity;
      return m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
    });
  }
}

function kernelLogPdf(kern: Kernels, k: number, x: number): number {
  if ('rows' in kern) return Math.log(kern.rows[k][x]);
  const mu = kern.mus[k];
  const sigma = kern.sigmas[k];
  const step = kern.dim.step;
  if (step > 0) return logGaussMass((x - step / 2 - mu) / sigma, (x + step / 2 - mu) / sigma) - kern.logZ[k];
  if (x < kern.lo || x > kern.hi) return -Infinity;
  const z = (x - mu) / sigma;
  return -0.5 * z * z - LOG_SQRT_2PI - kern.logZ[k];
}

/** Each observation's one-hot row smoothed by prior_weight/n_kernels spread like the prior; the last row is
 *  the prior itself. With a uniform prior this is exactly Optuna's estimator. */
function categoricalRows(dim: CategoricalDim, column: number[], priorWeight: number): number[][] {
  const nChoices = dim.prior.length;
  if (column.length === 0) return [[...dim.prior]];
  const nKernels = column.length + 1;
  const fill = dim.prior.map((p) => (priorWeight / nKernels) * nChoices * p);
  const rows = [...column.map((c) => fill.map((f, i) => (i === c ? f + 1 : f))), fill];
  return rows.map((row) => {
    const sum = row.reduce((s, x) => s + x, 0);
    return row.map((x) => x / (sum === 0 ? 1 : sum));
  });
}

function numericKernels(dim: NumericDim, mus: number[], p: ParzenParams): NumericKernels {
  const lo = dim.low - dim.step / 2;
  const hi = dim.high + dim.step / 2;
  const n = mus.length;
  // Each kernel as wide as the larger gap to its sorted neighbours, the bounds counting as neighbours. Optuna 5
  // uses these widths for the multivariate model too (Optuna 4 shared one Scott-like width there, which did
  // markedly worse here: bench/hpo/README.md).
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
  const s = [lo, ...order.map((i) => mus[i]), hi];
  const sorted = order.map((_, j) => Math.max(s[j + 1] - s[j], s[j + 2] - s[j + 1]));
  if (!p.considerEndpoints && s.length >= 4) {
    sorted[0] = s[2] - s[1];
    sorted[n - 1] = s[n] - s[n - 1];
  }
  let sigmas = new Array<number>(n);
  order.forEach((i, j) => (sigmas[i] = sorted[j]));
  // The magic clip: no kernel narrower than the range over (kernels + 1), kernels = n + the prior (Optuna).
  // Pooled, n is replaced by sqrt(n·N), N the observations of both estimators: with Optuna's count the good
  // set's 10 kernels after 100 trials stay at least a twelfth of the range wide while the other set's reach a
  // 92nd, so l(x) cannot resolve a basin finer than that however many trials ran. The geometric mean leaves an
  // estimator holding all the observations as Optuna has it. bench/hpo/README.md has the measurements.
  const count = p.pooledCount === undefined ? n : Math.sqrt(n * Math.max(n, p.pooledCount));
  const minSigma = p.considerMagicClip ? (hi - lo) / Math.min(100, 1 + (count + 1)) : EPS;
  sigmas = sigmas.map((x) => Math.min(hi - lo, Math.max(minSigma, x)));
  const allMus = [...mus, 0.5 * (lo + hi)];
  const allSigmas = [...sigmas, hi - lo];
  const logZ = allMus.map((mu, k) => {
    const mass = logGaussMass((lo - mu) / allSigmas[k], (hi - mu) / allSigmas[k]);
    return dim.step > 0 ? mass : mass + Math.log(allSigmas[k]);
  });
  return { dim, mus: allMus, sigmas: allSigmas, lo, hi, logZ };
}
