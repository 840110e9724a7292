// A group's objective, defined once for the whole dashboard as the engine defines it: an experiment's value
// is the LAST value it reported of the group's metric (groups.get's ranking, the searchers and early
// stopping all take it), compared the way the metric's optimization says. The ranked table, "best so far",
// the parallel coordinates, the scatter and the brackets all read it from here.
import type { Experiment, Group } from '../../../shared/domain';
import type { GroupSweep } from '../../../shared/api';
import { canBeBest } from '../../../shared/statuses';

export type Objective = NonNullable<Group['metric']>;

/** The experiment's objective value, or undefined before it reported the metric. */
export function objectiveValue(x: Pick<Experiment, 'lastMetrics'>, m: Objective): number | undefined {
  const v = x.lastMetrics[m.name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Best first (as the engine's rank): those that can be the best (succeeded or running) before the others,
 *  then by the objective, then by id; experiments without a value last. */
export function rankByObjective<T extends Pick<Experiment, 'id' | 'status' | 'lastMetrics'>>(
  xs: T[],
  m: Objective | null,
): T[] {
  const byId = [...xs].sort((a, b) => a.id - b.id);
  if (!m) return byId;
  const sign = m.optimization === 'maximize' ? -1 : 1;
  const counts = (x: T) => (canBeBest(x.status) ? 0 : 1);
  return byId.sort((a, b) => {
    if (counts(a) !== counts(b)) return counts(a) - counts(b);
    const va = objectiveValue(a, m);
    const vb = objectiveValue(b, m);
    if (va === undefined || vb === undefined) return va === vb ? a.id - b.id : va === undefined ? 1 : -1;
    return sign * (va - vb) || a.id - b.id;
  });
}

/** "loss (last, lower is better)": the words every view uses for the objective. */
export function objectiveLabel(m: Objective): string {
  return `${m.name} (last, ${m.optimization === 'minimize' ? 'lower' : 'higher'} is better)`;
}

/** The short form, for an axis title: "loss (last, ↓ better)". */
export function objectiveShortLabel(m: Objective): string {
  return `${m.name} (last, ${m.optimization === 'minimize' ? '↓' : '↑'} better)`;
}

/** The experiments a hyperband plan makes in all (each round's configurations; a promoted configuration
 * runs again as a new experiment); null when the search does not say in advance (ASHA's rungs are upper
 * bounds, model-based searches go on until their budget). */
export function plannedExperiments(
  sweep: Pick<GroupSweep, 'algorithm' | 'brackets'> | undefined,
): number | null {
  if (!sweep || sweep.algorithm !== 'hyperband' || !sweep.brackets.length) return null;
  return sweep.brackets.reduce((n, b) => n + b.rounds.reduce((m, r) => m + r.n, 0), 0);
}
