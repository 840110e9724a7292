// TPE and Bayesian optimisation as searchers: each free slot gets one suggestion from the model fitted on
// the group's results so far, with running experiments (and the ones just proposed) passed as running so
// that concurrent suggestions differ (constant liar). Polyaxon ran BO one experiment at a time after its
// initial batch (issue #707); Axon keeps every slot busy.
import type { MatrixValue, SearchSpec } from '../../../shared/polyaxonfile';
import { Rng } from '../../../shared/random';
import { isDone } from '../../../shared/statuses';
import type { Observation } from './types';
import type { Proposal, Searcher, SweepTrial } from './searcher';
import { suggestTpe, tpeOptions } from './tpe';
import { suggestBo } from './bo';
import { numberOption } from './options';

interface ModelState {
  rng: number[];
  proposed: number;
  finished: boolean;
}

function observe(t: SweepTrial): Observation {
  const params = t.meta.suggestion ?? t.params;
  if (!isDone(t.status)) return { params, value: null, state: 'running' };
  if (t.status === 'succeeded' && t.value !== null) return { params, value: t.value, state: 'complete' };
  // An experiment stopped early by a policy is "pruned": its last value still tells the model something.
  if (t.status === 'stopped' && t.value !== null) return { params, value: t.value, state: 'pruned' };
  return { params, value: null, state: 'failed' };
}

/** How many experiments the search makes in all. */
export function budget(search: SearchSpec): number {
  if (search.algorithm === 'bo') return search.bo!.nInitialTrials + search.bo!.nIterations;
  if (search.nExperiments !== undefined) return search.nExperiments;
  return numberOption(
    search.options,
    ['hptuning', 'tpe'],
    ['n_experiments', 'numRuns', 'maxIterations', 'n_trials'],
    {
      integer: true,
      min: 1,
    },
  );
}

export function modelSearcher(search: SearchSpec, seed: number): Searcher<ModelState> {
  const matrix: Record<string, MatrixValue> = search.matrix;
  const total = budget(search);
  const tpe = search.algorithm === 'tpe' ? tpeOptions(search.options) : null;
  const suggest = (obs: Observation[], rng: Rng) =>
    tpe ? suggestTpe(matrix, obs, rng, tpe) : suggestBo(matrix, obs, rng, search.bo!);

  return {
    init: () => ({ rng: new Rng(seed).getState(), proposed: 0, finished: false }),
    step(state, trials, free) {
      const st = { ...state };
      if (st.finished) return { state: st, proposals: [], finished: true };
      const obs = trials.map(observe);
      const rng = Rng.fromState(st.rng);
      const proposals: Proposal[] = [];
      while (proposals.length < free && st.proposed < total) {
        const params = suggest(obs, rng);
        obs.push({ params, value: null, state: 'running' });
        proposals.push({ params, meta: { config: st.proposed, suggestion: params } });
        st.proposed++;
      }
      st.rng = rng.getState();
      st.finished = st.proposed >= total;
      return { state: st, proposals, finished: st.finished };
    },
  };
}
