// Rules shared by v0 `hptuning` and v1 `matrix`: which matrix kinds each algorithm accepts, the group's
// objective, and the options of the algorithms Axon adds (tpe, asha).
import type { MatrixValue, MetricTarget, SearchAlgorithm, SearchSpec } from './types';
import { show, type Issues, type Path } from './errors';
import { isDistribution } from './matrix';
import { isPlainObject } from './pyrepr';

const DISCRETE_TEXT = 'values, range, linspace, logspace or geomspace';

/** Grid (explicit or implied) rejects every distribution; BO rejects all but `uniform` (pvalues too). */
export function checkMatrixForAlgorithm(
  algorithm: SearchAlgorithm,
  matrix: Record<string, MatrixValue>,
  kindPath: (key: string) => Path,
  issues: Issues,
): void {
  for (const [key, v] of Object.entries(matrix)) {
    if (algorithm === 'grid' && isDistribution(v)) {
      issues.add(kindPath(key), `a discrete kind (${DISCRETE_TEXT}) for grid search`, show(v.kind));
    }
    if (algorithm === 'bo' && isDistribution(v) && v.kind !== 'uniform') {
      issues.add(kindPath(key), `${DISCRETE_TEXT} or uniform for bayesian optimization`, show(v.kind));
    }
  }
}

export function normalizeOptimization(v: unknown): 'maximize' | 'minimize' | undefined {
  if (typeof v !== 'string') return undefined;
  const lower = v.toLowerCase();
  if (lower !== 'maximize' && lower !== 'minimize') return undefined;
  const ok = v === lower || v === lower.toUpperCase() || v === lower[0].toUpperCase() + lower.slice(1);
  return ok ? lower : undefined;
}

/** tpe/asha options are free-form; only an optional `metric: {name, optimization}` is read from them. */
export function optionsMetric(
  options: Record<string, unknown>,
  path: Path,
  issues: Issues,
): MetricTarget | undefined {
  const m = options.metric;
  if (m === undefined || m === null) return undefined;
  const optimization = isPlainObject(m) ? normalizeOptimization(m.optimization ?? 'maximize') : undefined;
  if (!isPlainObject(m) || typeof m.name !== 'string' || !optimization) {
    issues.add([...path, 'metric'], '{name: <metric>, optimization: maximize|minimize}', show(m));
    return undefined;
  }
  return { name: m.name, optimization };
}

/** The group's objective: the algorithm's own metric, else the first early-stopping metric. */
export function fillMetric(spec: SearchSpec): void {
  if (spec.metric) return;
  const rule = spec.earlyStopping.find((r) => r.metric);
  if (rule?.metric) spec.metric = { name: rule.metric, optimization: rule.optimization ?? 'maximize' };
}
