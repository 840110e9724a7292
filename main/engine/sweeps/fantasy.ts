// Concurrent BO suggestions by sampled fantasies (greedy q-EI, as BoTorch's qEI with pending points): the
// outcomes of the pending (running) points are unknown, so K joint draws of them are taken from the GP's
// posterior, the GP is conditioned on each draw, and the acquisition is the mean over the draws of EI
// against each draw's incumbent min(f*, drawn values). That is exactly the gain in q-EI from adding x to the
// pending batch, E[max(0, min(f*, f(P)) − f(x))], estimated with common random numbers, so it is one smooth
// function of x that the usual maximiser handles. The kriging believer is the special case of one draw
// fixed at the posterior mean; here a pending point that may well turn out good both lowers the bar and keeps
// the region around it attractive in the draws where it does not.
import type { Rng } from '../../../shared/random';
import { logExpectedImprovement } from './acquisition';
import { cholesky, GaussianProcess } from './gp';

/** An acquisition to maximise, replacing GP + acquisition(kind) in the candidate search and the polish. */
export interface BatchAcquisition {
  value(x: number[]): number;
  withGrad(x: number[]): { value: number; grad: number[] };
}

/** log of the mean over `samples` fantasies of EI (antithetic pairs: each draw z is used as z and −z). `gp`
 *  is fitted to the real results (X, y); the returned acquisition's GP has the pending points too, and is
 *  given as `model` for the distance checks that follow. */
export function fantasyEi(
  gp: GaussianProcess,
  y: number[],
  pending: number[][],
  best: number,
  xi: number,
  rng: Rng,
  samples = 16,
  sdScale = 1,
): { acq: BatchAcquisition; model: GaussianProcess } {
  const m = pending.length;
  const { mean, cov } = gp.joint(pending);
  // Draws are of the observed outcome (latent plus the fitted noise), as the real results will be.
  for (let i = 0; i < m; i++) cov[i * m + i] += gp.hyper.noise;
  const L = cholesky(cov, m);
  const model = new GaussianProcess(gp.spec, [...gp.X, ...pending], [...y, ...mean], gp.hyper);
  const half = Math.max(1, Math.floor(samples / 2));
  const alphas: Float64Array[] = [];
  const bests: number[] = [];
  for (let s = 0; s < half; s++) {
    const z = pending.map(() => rng.normal());
    for (const sign of [1, -1]) {
      const f = mean.map((mu, a) => {
        let e = 0;
        if (L) for (let b = 0; b <= a; b++) e += L[a * m + b] * z[b];
        return mu + sign * e;
      });
      alphas.push(model.solve([...y, ...f]));
      bests.push(Math.min(best, ...f));
    }
  }
  const logK = Math.log(alphas.length);
  const evaluate = (x: number[], withGrad: boolean) => {
    const p = model.predictMany(x, alphas, withGrad);
    const parts = p.means.map((mu, k) => logExpectedImprovement(mu, p.sd * sdScale, bests[k], xi));
    const top = Math.max(...parts.map((a) => a.value));
    const ws = parts.map((a) => Math.exp(a.value - top));
    const total = ws.reduce((a, b) => a + b, 0);
    const value = top + Math.log(total) - logK;
    if (!withGrad) return { value, grad: [] };
    // ∇ log Σ EI_k = Σ_k w_k ∇ log EI_k, w_k = EI_k / Σ EI.
    const grad = new Array<number>(x.length).fill(0);
    parts.forEach((a, k) => {
      const w = ws[k] / total;
      for (let j = 0; j < x.length; j++)
        grad[j] += w * (a.dMean * p.dMeans![k][j] + a.dSd * sdScale * p.dSd![j]);
    });
    return { value, grad };
  };
  return { acq: { value: (x) => evaluate(x, false).value, withGrad: (x) => evaluate(x, true) }, model };
}
