// The iterative searchers by algorithm. Kept apart from group-runner.ts (which needs the store) so that the
// suggestion worker (suggest-worker.ts) loads only the search code.
import type { SearchSpec } from '../../../shared/polyaxonfile';
import type { Searcher } from './searcher';
import { hyperbandSearcher } from './hyperband';
import { ashaSearcher } from './asha';
import { modelSearcher } from './model-based';

export const ITERATIVE: ReadonlySet<SearchSpec['algorithm']> = new Set(['hyperband', 'asha', 'bo', 'tpe']);

export function makeSearcher(search: SearchSpec, seed: number): Searcher<{ finished: boolean }> {
  switch (search.algorithm) {
    case 'hyperband':
      return hyperbandSearcher(search, seed) as Searcher<{ finished: boolean }>;
    case 'asha':
      return ashaSearcher(search, seed) as Searcher<{ finished: boolean }>;
    case 'bo':
    case 'tpe':
      return modelSearcher(search, seed) as Searcher<{ finished: boolean }>;
    default:
      throw new Error(`${search.algorithm} is not an iterative search`);
  }
}

type State = { finished: boolean } & Record<string, unknown>;

/** One step of a group's searcher from its saved state (the initial one when there is none yet). */
export function runStep(
  search: SearchSpec,
  seed: number,
  saved: State | undefined,
  trials: Parameters<Searcher['step']>[1],
  free: number,
): { state: State; proposals: ReturnType<Searcher['step']>['proposals']; finished: boolean } {
  const searcher = makeSearcher(search, seed);
  const step = searcher.step(saved ?? searcher.init(), trials, free);
  return { state: step.state as State, proposals: step.proposals, finished: step.finished };
}
