// ASHA, asynchronous successive halving (Li et al. 2020, Algorithm 2; ALGORITHMS.md §2a): whenever a slot is
// free, promote a configuration that is in the top 1/η of what has completed at its rung so far (checking
// the rungs from the top down); if none can be promoted, start a new configuration at the bottom rung. No
// round waits for its slowest experiment.
//
//   hptuning:
//     asha:
//       resource: {name: epochs, type: int}
//       min_resource: 1          # default 1
//       max_resource: 81
//       reduction_factor: 3      # default 3 (also `eta`)
//       n_experiments: 50        # configurations to try
//       resume: true             # continue in the previous rung's outputs folder (default false)
//       metric: {name: loss, optimization: minimize}
import type { SearchSpec } from '../../../shared/polyaxonfile';
import { Rng } from '../../../shared/random';
import { isDone } from '../../../shared/statuses';
import { sample } from '../../../shared/polyaxonfile';
import { castResource } from './hyperband';
import { numberOption, pick, OptionError } from './options';
import type { Proposal, Searcher, SweepTrial } from './searcher';

export interface AshaOptions {
  resource: { name: string; type: 'int' | 'float' };
  minResource: number;
  maxResource: number;
  eta: number;
  nConfigs: number;
  resume: boolean;
}

export function ashaOptions(search: SearchSpec): AshaOptions {
  const raw = search.options;
  const where = ['hptuning', 'asha'];
  const res = pick(raw, 'resource') as { name?: unknown; type?: unknown } | undefined;
  if (
    !res ||
    typeof res.name !== 'string' ||
    (res.type !== undefined && res.type !== 'int' && res.type !== 'float')
  )
    throw new OptionError([...where, 'resource'], '{name, type: int|float}', JSON.stringify(res ?? null));
  const minResource = numberOption(raw, where, ['min_resource', 'minResource'], {
    default: 1,
    min: Number.MIN_VALUE,
  });
  const maxResource = numberOption(raw, where, ['max_resource', 'maxResource', 'max_iter', 'maxIterations'], {
    min: minResource,
  });
  const eta = numberOption(raw, where, ['reduction_factor', 'reductionFactor', 'eta'], {
    default: 3,
    min: 2,
  });
  const nConfigs =
    search.nExperiments ??
    numberOption(raw, where, ['n_experiments', 'numRuns', 'n_configs'], { integer: true, min: 1 });
  const resume = pick(raw, 'resume');
  if (resume !== undefined && typeof resume !== 'boolean')
    throw new OptionError([...where, 'resume'], 'true or false', JSON.stringify(resume));
  return {
    resource: { name: res.name, type: (res.type as 'int' | 'float') ?? 'float' },
    minResource,
    maxResource,
    eta,
    nConfigs,
    resume: !!resume,
  };
}

/** Rung resources r_k = min·η^k, the last capped at max (integer steps, no float log). */
export function rungs(o: AshaOptions): number[] {
  const out: number[] = [];
  for (let r = o.minResource; r < o.maxResource * (1 - 1e-12); r *= o.eta) out.push(r);
  out.push(o.maxResource);
  return out;
}

interface AshaState {
  rng: number[];
  nextConfig: number;
  /** Configs promoted out of each rung. */
  promoted: number[][];
  finished: boolean;
}

export function ashaSearcher(search: SearchSpec, seed: number): Searcher<AshaState> {
  const o = ashaOptions(search);
  const ladder = rungs(o);
  const top = ladder.length - 1;
  const resource = (k: number) => castResource(ladder[k], o.resource.type);

  /** A config from the top 1/η of what completed at rung k, not yet promoted; rungs checked top down. */
  const promotable = (st: AshaState, trials: SweepTrial[]): { trial: SweepTrial; rung: number } | null => {
    for (let k = top - 1; k >= 0; k--) {
      const done = trials
        .filter((t) => t.meta.round === k && t.status === 'succeeded' && t.value !== null)
        .sort((a, b) => a.value! - b.value! || a.id - b.id);
      const best = done.slice(0, Math.floor(done.length / o.eta));
      const t = best.find((x) => !st.promoted[k].includes(x.meta.config!));
      if (t) return { trial: t, rung: k };
    }
    return null;
  };

  return {
    init: () => ({
      rng: new Rng(seed).getState(),
      nextConfig: 0,
      promoted: ladder.map(() => []),
      finished: false,
    }),
    step(state, trials, free) {
      const st: AshaState = { ...state, promoted: state.promoted.map((p) => [...p]) };
      if (st.finished) return { state: st, proposals: [], finished: true };
      const proposals: Proposal[] = [];
      const rng = Rng.fromState(st.rng);
      for (let i = 0; i < free; i++) {
        const p = promotable(st, trials);
        if (p) {
          st.promoted[p.rung].push(p.trial.meta.config!);
          proposals.push({
            params: p.trial.meta.suggestion ?? {},
            overrides: { [o.resource.name]: resource(p.rung + 1) },
            meta: { ...p.trial.meta, round: p.rung + 1, resource: resource(p.rung + 1) },
            resumeFrom: o.resume ? p.trial.id : undefined,
          });
          continue;
        }
        if (st.nextConfig >= o.nConfigs) break;
        const suggestion = Object.fromEntries(
          Object.entries(search.matrix).map(([k, v]) => [k, sample(v, rng)]),
        );
        proposals.push({
          params: suggestion,
          overrides: { [o.resource.name]: resource(0) },
          meta: { config: st.nextConfig++, round: 0, resource: resource(0), suggestion },
        });
      }
      st.rng = rng.getState();
      // Over when every config is out, nothing runs that could be promoted, and nothing can be promoted.
      const busy = trials.some((t) => !isDone(t.status)) || proposals.length > 0;
      st.finished = !busy && st.nextConfig >= o.nConfigs && promotable(st, trials) === null;
      return { state: st, proposals, finished: st.finished };
    },
  };
}
