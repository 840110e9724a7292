// How many experiments a search makes in all, as planned when it starts: what `axon check` and `axon run`
// announce, and the total a group's progress counts toward (an iterative search creates its experiments as
// results arrive, so counting the rows alone starts at 0 and grows). ASHA stops promoting when it can: its
// plan is an upper bound.
import type { SearchSpec } from '../../../shared/polyaxonfile';
import { enumerate } from '../../../shared/polyaxonfile/matrix';
import { hyperbandPlan } from './hyperband';
import { ashaOptions, rungs } from './asha';
import { budget } from './model-based';
import { randomSearchSize } from './random';

export function plannedExperiments(search: SearchSpec): { total: number; atMost: boolean } | null {
  try {
    switch (search.algorithm) {
      case 'grid': {
        const n = Object.values(search.matrix).reduce((p, v) => p * (enumerate(v)?.length ?? 1), 1);
        return { total: Math.min(n, search.nExperiments ?? n), atMost: false };
      }
      case 'random':
        return { total: randomSearchSize(search.matrix, search.nExperiments ?? 10), atMost: false };
      case 'mapping':
        return { total: search.mapping?.length ?? 0, atMost: false };
      case 'hyperband': {
        const hb = search.hyperband!;
        const plan = hyperbandPlan(hb.maxIter, hb.eta);
        return { total: plan.reduce((s, b) => s + b.rounds.reduce((t, r) => t + r.n, 0), 0), atMost: false };
      }
      case 'asha': {
        // Every configuration starts at the lowest rung; ⌊n/η^k⌋ of them can reach rung k.
        const o = ashaOptions(search);
        const total = rungs(o).reduce((s, _r, k) => s + Math.floor(o.nConfigs / o.eta ** k + 1e-9), 0);
        return { total, atMost: true };
      }
      case 'bo':
      case 'tpe':
        return { total: budget(search), atMost: false };
      default:
        return null;
    }
  } catch {
    return null; // options the searcher refuses: searchErrors says why
  }
}
