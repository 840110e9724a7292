// Axon TPE on Branin without the engine (no processes): 30 seeds x 100 trials, median regret and trials to
// regret <= 0.1. A quick check of the sampler itself; bench/hpo/run.ts quality measures it through real sweeps.
import { suggestTpe, TPE_DEFAULTS } from '../../main/engine/sweeps/tpe';
import { Rng } from '../../shared/random';
const branin = (x1: number, x2: number) => {
  const a = 1,
    b = 5.1 / (4 * Math.PI ** 2),
    c = 5 / Math.PI,
    r = 6,
    s = 10,
    t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 * x1 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
};
const matrix = {
  x1: { kind: 'uniform', low: -5, high: 10 },
  x2: { kind: 'uniform', low: 0, high: 15 },
} as const;
const regrets: number[] = [];
const reach: number[] = [];
for (let seed = 1; seed <= 30; seed++) {
  const rng = new Rng(seed);
  const obs: Array<{ params: Record<string, unknown>; value: number; state: 'complete' }> = [];
  let best = Infinity,
    hit = 0;
  for (let i = 0; i < 100; i++) {
    const p = suggestTpe(matrix as never, obs, rng, TPE_DEFAULTS) as { x1: number; x2: number };
    const v = branin(p.x1, p.x2);
    obs.push({ params: p, value: v, state: 'complete' });
    best = Math.min(best, v);
    if (!hit && best - 0.397887 <= 0.1) hit = i + 1;
  }
  regrets.push(best - 0.397887);
  reach.push(hit || 999);
}
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[14] + s[15]) / 2;
};
console.log(
  `Axon TPE (defaults) on Branin, 30 seeds x 100 trials: median regret ${med(regrets).toFixed(4)}, median trials to <=0.1: ${med(reach)}`,
);
