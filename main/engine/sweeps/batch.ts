// Local penalisation (González, Dai, Hennig & Lawrence 2016, "Batch Bayesian optimization via local
// penalization") for BO's concurrent suggestions: each pending point x_j excludes a ball around itself from
// the acquisition, the ball as large as the GP says x_j's result will fall short of the best result M,
// divided by a Lipschitz constant L of the objective: for minimisation φ_j(x) = Φ((L‖x − x_j‖ − μ_j + M)/σ_j).
// A pending point the GP expects to be good (μ_j ≈ M, σ_j small) excludes a tiny ball, so a batch can still
// crowd a promising basin; one expected to be poor excludes a wide one. The acquisition (log EI) gets
// Σ_j log φ_j added, which is multiplying EI by the penalties.
import { normCdf, normPdf } from './acquisition';
import type { GaussianProcess } from './gp';

export interface Penalty {
  (x: number[]): { value: number; grad: number[] };
}

/** L: the largest norm of the posterior mean's gradient over `probes` (random points and the data), with a
 *  floor so that a flat model still separates the batch. */
export function lipschitz(gp: GaussianProcess, probes: number[][]): number {
  let L = 0;
  for (const x of probes) {
    const g = gp.predict(x, true).dMean!;
    L = Math.max(L, Math.sqrt(g.reduce((s, v) => s + v * v, 0)));
  }
  return Math.max(L, 1e-7);
}

/** Σ_j log φ_j(x) and its gradient, for the pending points under `gp` (fitted to the real results only). */
export function localPenalty(gp: GaussianProcess, pending: number[][], best: number, L: number): Penalty {
  const balls = pending.map((p) => {
    const { mean, sd } = gp.predict(p);
    return { p, mean, sd: Math.max(sd, 1e-9) };
  });
  return (x) => {
    let value = 0;
    const grad = new Array<number>(x.length).fill(0);
    for (const b of balls) {
      let d2 = 0;
      for (let j = 0; j < x.length; j++) d2 += (x[j] - b.p[j]) ** 2;
      const dist = Math.sqrt(d2);
      const z = (L * dist - b.mean + best) / b.sd;
      // log Φ(z) and its slope φ(z)/Φ(z); below z = −30 Φ underflows, where log Φ(z) ≈ log φ(z) − log(−z).
      let logPhi: number;
      let slope: number;
      if (z > -30) {
        const cdf = normCdf(z);
        logPhi = Math.log(cdf);
        slope = normPdf(z) / cdf;
      } else {
        logPhi = -0.5 * z * z - Math.log(-z) - 0.5 * Math.log(2 * Math.PI);
        slope = -z;
      }
      value += logPhi;
      if (dist > 1e-12) {
        const k = (slope * L) / (b.sd * dist);
        for (let j = 0; j < x.length; j++) grad[j] += k * (x[j] - b.p[j]);
      }
    }
    return { value, grad };
  };
}
