// Hyperband (SPEC §1.11; Li et al. 2018): brackets s = s_max..0 of successive halving. Each round waits for
// all of its experiments, keeps the best int(n·η^-k / η), and runs them again with η times the resource.
//
// Axon's deliberate differences from Polyaxon 0.4.4:
// - s_max is computed with integer arithmetic (Polyaxon's float log gave s_max = 2 for max_iter=1000, η=10).
// - No extra round in the last bracket: Polyaxon re-ran the top configuration of bracket 0 with η·max_iter
//   (243 for 81/3), beyond the max_iter the user asked for. Axon stops at max_iter, as the paper does.
// - One seeded generator for the whole sweep, so brackets draw different configurations (Polyaxon re-created
//   it per batch, so every bracket redrew the same first configurations).
// - Concurrency holds in every round (Polyaxon issue #706): rounds only create experiments; the queue starts them.
import type { MatrixValue, SearchSpec } from '../../../shared/polyaxonfile';
import { Rng } from '../../../shared/random';
import { randomSuggestions } from './random';
import { isDone } from '../../../shared/statuses';
import type { Proposal, Searcher, SweepTrial } from './searcher';

export interface Round {
  n: number;
  resource: number;
}
export interface Bracket {
  s: number;
  n: number;
  rounds: Round[];
}

/** The largest s with η^s ≤ R, in integer steps (no float log). */
export function sMax(maxIter: number, eta: number): number {
  let s = 0;
  let p = eta;
  while (p <= maxIter * (1 + 1e-12)) {
    s++;
    p *= eta;
  }
  return s;
}

/** Every bracket with its rounds (configurations × resource), in the order they run. */
export function hyperbandPlan(maxIter: number, eta: number): Bracket[] {
  const top = sMax(maxIter, eta);
  const brackets: Bracket[] = [];
  for (let s = top; s >= 0; s--) {
    const n = Math.ceil(((top + 1) * eta ** s) / (s + 1) - 1e-9);
    const rounds: Round[] = [];
    for (let k = 0; k <= s; k++)
      rounds.push({ n: Math.floor(n * eta ** -k + 1e-9), resource: maxIter * eta ** (k - s) });
    brackets.push({ s, n, rounds });
  }
  return brackets;
}

/** How many of round k's configurations continue: int(n·η^-k / η) (SPEC §1.11). */
export function survivors(n: number, eta: number, k: number): number {
  return Math.floor((n * eta ** -k) / eta + 1e-9);
}

/** The resource as the param's type: int truncates, as Python's int() does (after float noise is removed). */
export function castResource(r: number, type: 'int' | 'float'): number {
  const near = Math.round(r);
  const clean = Math.abs(r - near) < 1e-9 ? near : r;
  return type === 'int' ? Math.trunc(clean) : clean;
}

interface HyperbandState {
  rng: number[];
  bracket: number; // index into the plan
  round: number;
  nextConfig: number;
  started: boolean;
  finished: boolean;
}

/** Best first by objective (lower is better); trials without a value are left out (SPEC §1.11). */
export function bestFirst(trials: SweepTrial[]): SweepTrial[] {
  return trials
    .filter((t) => t.value !== null && t.status === 'succeeded')
    .sort((a, b) => a.value! - b.value! || a.id - b.id);
}

export function hyperbandSearcher(search: SearchSpec, seed: number): Searcher<HyperbandState> {
  const hb = search.hyperband!;
  const plan = hyperbandPlan(hb.maxIter, hb.eta);
  const matrix: Record<string, MatrixValue> = search.matrix;
  const resource = (r: number) => ({ [hb.resource.name]: castResource(r, hb.resource.type) });

  const openBracket = (st: HyperbandState, index: number): Proposal[] => {
    const b = plan[index];
    const rng = Rng.fromState(st.rng);
    const configs = randomSuggestions(matrix, b.n, rng);
    st.rng = rng.getState();
    return configs.map((params) => ({
      params,
      overrides: resource(b.rounds[0].resource),
      meta: {
        config: st.nextConfig++,
        bracket: index,
        round: 0,
        resource: castResource(b.rounds[0].resource, hb.resource.type),
        suggestion: params,
      },
    }));
  };

  return {
    init: () => ({
      rng: new Rng(seed).getState(),
      bracket: 0,
      round: 0,
      nextConfig: 0,
      started: false,
      finished: false,
    }),
    step(state, trials) {
      const st = { ...state };
      if (st.finished) return { state: st, proposals: [], finished: true };
      if (!st.started) {
        st.started = true;
        return { state: st, proposals: openBracket(st, 0), finished: false };
      }
      const current = trials.filter((t) => t.meta.bracket === st.bracket && t.meta.round === st.round);
      if (current.some((t) => !isDone(t.status))) return { state: st, proposals: [], finished: false };
      const b = plan[st.bracket];
      const keep = st.round < b.s ? bestFirst(current).slice(0, survivors(b.n, hb.eta, st.round)) : [];
      if (keep.length) {
        st.round++;
        const r = b.rounds[st.round].resource;
        const proposals = keep.map((t) => ({
          params: t.meta.suggestion ?? {},
          overrides: resource(r),
          meta: { ...t.meta, round: st.round, resource: castResource(r, hb.resource.type) },
          resumeFrom: hb.resume ? t.id : undefined,
        }));
        return { state: st, proposals, finished: false };
      }
      if (st.bracket + 1 >= plan.length) {
        st.finished = true;
        return { state: st, proposals: [], finished: true };
      }
      st.bracket++;
      st.round = 0;
      return { state: st, proposals: openBracket(st, st.bracket), finished: false };
    },
  };
}
