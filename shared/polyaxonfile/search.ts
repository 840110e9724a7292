// Rules shared by v0 `hptuning` and v1 `matrix`: which matrix kinds each algorithm accepts, the group's
// objective, and the options of the algorithms Axon adds (tpe, asha).
import type { MatrixValue, MetricTarget, SearchAlgorithm, SearchSpec } from './types';
import { show, type Issues, type Path } from './errors';
import { isDistribution } from './matrix';
import { isPlainObject } from './pyrepr';

const DISCRETE_TEXT = 'values, range, linspace, logspace or geomspace';

/** Grid (explicit or implied) rejects every distribution; every other algorithm takes every kind (BO searches
 *  the log kinds on a log scale, rounds the q-kinds and integers, and treats non-numbers as categories). */
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
  }
}

/** Whether a group's experiments are drawn from its seed, so that without one (`seed` unset or 0) each run of
 *  the same file draws others. Grid and mapping make the same experiments every time. */
export function drawsFromSeed(algorithm: string): boolean {
  return algorithm !== 'grid' && algorithm !== 'mapping';
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

/** BO's options when the file leaves them out (docs/sweeps.md, "Bayesian optimisation"): EI with `eps` 0 (and
 *  `kappa` 2.576 should `ucb` be chosen), a Matérn 5/2 kernel with ARD length scales whose fit is restarted from
 *  several points, 2,048 random candidates at least and 10 polished starts. */
export const BO_DEFAULTS = {
  acquisition: 'ei',
  kappa: 2.576,
  eps: 0,
  nWarmup: 2048,
  nIter: 10,
  kernel: 'matern',
  lengthScale: 0.5,
  nu: 2.5,
  nRestartsOptimizer: 4,
} as const;

/** A metric whose name says it is a loss or an error is almost surely minimised. */
const LOSS_NAME = /loss|error|(^|[^a-z])(err|mse|rmse|mae|nll|perplexity|regret)([^a-z]|$)/i;

/** Warnings of `axon check` about the objective: a loss or error maximised (the default when `optimization`
 *  is left out). */
export function metricWarnings(spec: SearchSpec): void {
  const m = spec.metric;
  if (!m || m.optimization !== 'maximize' || !LOSS_NAME.test(m.name)) return;
  (spec.warnings ??= []).push(
    `the metric \`${m.name}\` is maximized: its name says it is a loss or an error, which is usually ` +
      'minimized (optimization defaults to maximize; write `optimization: minimize`)',
  );
}

/** The group's objective: the algorithm's own metric, else the first early-stopping metric. */
export function fillMetric(spec: SearchSpec): void {
  if (spec.metric) return;
  const rule = spec.earlyStopping.find((r) => r.metric);
  if (rule?.metric) spec.metric = { name: rule.metric, optimization: rule.optimization ?? 'maximize' };
}
