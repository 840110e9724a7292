// Thompson sampling for concurrent BO suggestions (Kandasamy et al. 2018, "Parallelised Bayesian
// optimisation via Thompson sampling"): one joint draw of the objective from the GP's posterior over the
// candidates, and its minimiser. Where EI with pending points (kriging believer, fantasies) keeps sending
// the extra slots to explore away from the running points, a draw's minimiser stays where the model thinks
// the optimum may be, spread out by the posterior's own uncertainty: late in a search, several slots refine
// the incumbent's basin at once. The GP given here holds the pending points as kriging believers, so a draw
// is certain at them and their exact spot is not drawn again.
import type { Rng } from '../../../shared/random';
import { cholesky, type GaussianProcess } from './gp';

/** `scored` with the minimiser of one posterior draw moved to the front. The draw is over the `keep`
 *  distinct candidates of lowest μ − 3σ (the others could only win on a 3σ draw), jointly, so that nearby
 *  candidates get consistent values. Returns `scored` unchanged when the covariance does not factorise. */
export function thompsonFirst<T extends { x: number[] }>(
  gp: GaussianProcess,
  scored: T[],
  rng: Rng,
  keep = 300,
): T[] {
  const seen = new Set<string>();
  const pool: Array<{ c: T; lcb: number }> = [];
  for (const c of scored) {
    const k = c.x.join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    const p = gp.predict(c.x);
    pool.push({ c, lcb: p.mean - 3 * p.sd });
  }
  pool.sort((a, b) => a.lcb - b.lcb);
  const kept = pool.slice(0, keep).map((p) => p.c);
  const n = kept.length;
  if (n < 2) return scored;
  const { mean, cov } = gp.joint(kept.map((c) => c.x));
  const L = cholesky(cov, n);
  if (!L) return scored;
  const z = Array.from({ length: n }, () => rng.normal());
  let arg = 0;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    let f = mean[i];
    for (let k = 0; k <= i; k++) f += L[i * n + k] * z[k];
    if (f < min) [min, arg] = [f, i];
  }
  const winner = kept[arg];
  return [winner, ...scored.filter((c) => c !== winner)];
}
