// Local penalisation (González, Dai, Hennig & Lawrence 2016, "Batch Bayesian optimization via local
// penalization") for BO's concurrent suggestions: each pending point x_j excludes a ball around itself from
// the acquisition, the ball as large as the GP says x_j's result will fall short of the best result M,
// divided by a Lipschitz constant L of the objective: for minimisation φ_j(x) = Φ((L‖x − x_j‖ − μ_j + M)/σ_j).
// A pending point the GP expects to be good (μ_j ≈ M, σ_j small) excludes a tiny ball, so a batch can still
// crowd a promising basin; one expected to be poor excludes a wide one. The acquisition (log EI) gets
// Σ_j log φ_j added, which is multiplying EI by the penalties.
//
// pendingModel below picks how a suggestion sees the points still running, for every method BO offers.
import type { Rng } from '../../../shared/random';
import { logExpectedImprovement, normCdf, normPdf } from './acquisition';
import { GaussianProcess } from './gp';
import { fantasyEi, type BatchAcquisition } from './fantasy';
import { thompsonFirst } from './thompson';

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

export type BatchMethod = 'fantasy' | 'kb' | 'cl-mean' | 'lp' | 'ts' | 'ei-ts';

export interface PendingOptions {
  method: BatchMethod;
  /** Whether the acquisition is EI (fantasies and penalties are EI's; UCB and POI take the believer). */
  ei: boolean;
  /** The best result, in the GP's units, and EI's ξ. */
  best: number;
  xi: number;
  rng: Rng;
  fantasySamples: number;
  sdScale?: number;
  /** Whether the believers' values may lower the incumbent. */
  kbBest: boolean;
  /** Where local penalisation estimates its Lipschitz constant (drawn only for `lp`). */
  probes: () => number[][];
}

export interface PendingModel {
  /** The GP the candidates are scored and checked with. */
  gp: GaussianProcess;
  best: number;
  /** Replaces the acquisition on `gp` (fantasies, penalised EI). */
  acq?: BatchAcquisition;
  /** Thompson methods: the scored candidates with a posterior draw's minimiser first. */
  reorder?: <T extends { x: number[] }>(scored: T[]) => T[];
}

/** How a suggestion made while `pending` points run sees them, given `gp` fitted to the real results `y`. */
export function pendingModel(
  gp: GaussianProcess,
  y: number[],
  pending: number[][],
  o: PendingOptions,
): PendingModel {
  if (!pending.length) return { gp, best: o.best };
  const { spec, X, hyper } = gp;
  // Kriging believer: each pending point "returns" its posterior mean. Conditioning on a point's own mean
  // leaves the mean everywhere unchanged, so the believers of several pending points are all the mean of
  // the GP on the real results; only the uncertainty around them goes.
  const believers = () => {
    const lies = pending.map((p) => gp.mean(p));
    return { gp: new GaussianProcess(spec, [...X, ...pending], [...y, ...lies], hyper), lies };
  };
  if (o.method === 'ts' || o.method === 'ei-ts') {
    // Candidates are scored by the acquisition on the real results alone; a draw may reorder them.
    return { gp, best: o.best, reorder: (scored) => thompsonFirst(believers().gp, scored, o.rng) };
  }
  if (o.method === 'fantasy' && o.ei) {
    const f = fantasyEi(gp, y, pending, o.best, o.xi, o.rng, o.fantasySamples, o.sdScale);
    return { gp: f.model, best: o.best, acq: f.acq };
  }
  if (o.method === 'lp' && o.ei) {
    const penalty = localPenalty(gp, pending, o.best, lipschitz(gp, o.probes()));
    // The penalties multiply EI: they are added to log EI.
    const value = (x: number[], withGrad: boolean) => {
      const p = gp.predict(x, withGrad);
      const a = logExpectedImprovement(p.mean, p.sd, o.best, o.xi);
      const pen = penalty(x);
      const grad = withGrad ? x.map((_, j) => a.dMean * p.dMean![j] + a.dSd * p.dSd![j] + pen.grad[j]) : [];
      return { value: a.value + pen.value, grad };
    };
    return {
      gp,
      best: o.best,
      acq: { value: (x) => value(x, false).value, withGrad: (x) => value(x, true) },
    };
  }
  if (o.method === 'cl-mean') {
    // Constant liar: every pending point "returns" the mean of the (standardised) results.
    const cl = new GaussianProcess(spec, [...X, ...pending], [...y, ...pending.map(() => 0)], hyper);
    return { gp: cl, best: o.best };
  }
  const kb = believers();
  return { gp: kb.gp, best: o.kbBest ? Math.min(o.best, ...kb.lies) : o.best };
}
