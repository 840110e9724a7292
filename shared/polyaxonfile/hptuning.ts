// v0 `hptuning` (SPEC §1.9–1.12, polyaxon_schemas/ops/hptuning.py) → SearchSpec.
import { z } from 'zod';
import type { EarlyStoppingRule, MatrixValue, SearchAlgorithm, SearchSpec } from './types';
import { show, type Issues, type Path } from './errors';
import { anyMap, checkObject, int, looseEnum, num, str } from './zod-check';
import { parseV0Entry } from './matrix-parse';
import { BO_DEFAULTS, checkMatrixForAlgorithm, fillMetric, metricWarnings, optionsMetric } from './search';
import { setKey } from './merge';

const optimization = looseEnum(['maximize', 'minimize']);
const metric = z.object({ name: str, optimization: optimization.nullish() }).strict();
const nExperiments = z.object({ n_experiments: int.min(1).nullish() }).strict();
const hyperband = z
  .object({
    max_iter: int.min(1),
    eta: num.min(0),
    resource: z.object({ name: str, type: looseEnum(['int', 'float']).nullish() }).strict(),
    metric,
    resume: z.boolean().nullish(),
  })
  .strict();
const gaussianProcess = z
  .object({
    kernel: looseEnum(['matern', 'rbf']).nullish(),
    length_scale: num.nullish(),
    nu: num.nullish(),
    n_restarts_optimizer: int.min(0).nullish(),
  })
  .strict();
const utilityFunction = z
  .object({
    acquisition_function: looseEnum(['ucb', 'ei', 'poi']).nullish(),
    gaussian_process: gaussianProcess.nullish(),
    kappa: num.nullish(),
    eps: num.nullish(),
    n_warmup: int.min(0).nullish(),
    n_iter: int.min(0).nullish(),
  })
  .strict();
const bo = z
  .object({
    utility_function: utilityFunction.nullish(),
    n_initial_trials: int.min(0),
    n_iterations: int.min(0),
    metric,
  })
  .strict();
// 0.5 policies (ops/group/early_stopping_policies.py); `average` has no Axon implementation.
const policyObject = z
  .object({
    kind: looseEnum(['median', 'truncation']),
    evaluation_interval: int.min(1).nullish(),
    min_interval: int.min(1).nullish(),
    min_samples: int.min(1).nullish(),
    percent: num.nullish(),
  })
  .strict();
const earlyStopping = z
  .object({
    metric: str,
    value: num.nullish(),
    optimization: optimization.nullish(),
    // all|experiment|group is accepted and, as in 0.4.4, not used.
    policy: z
      .union([looseEnum(['all', 'experiment', 'group']), policyObject])
      .describe('all, experiment, group, or a policy {kind: median|truncation, evaluation_interval, percent}')
      .nullish(),
  })
  .strict();

const hptuningSchema = z
  .object({
    seed: int.nullish(),
    concurrency: int.min(1).nullish(),
    matrix: anyMap.nullish(),
    grid_search: nExperiments.nullish(),
    random_search: nExperiments.nullish(),
    hyperband: hyperband.nullish(),
    bo: bo.nullish(),
    // Axon's additions: free-form options, kept as written in SearchSpec.options.
    tpe: anyMap.nullish(),
    asha: anyMap.nullish(),
    early_stopping: z.array(earlyStopping).nullish(),
    // Axon's addition: the objective that ranks any group (hyperband and bo name their own).
    metric: metric.nullish(),
  })
  .strict();

const ALGORITHM_KEYS: Record<string, SearchAlgorithm> = {
  grid_search: 'grid',
  random_search: 'random',
  hyperband: 'hyperband',
  bo: 'bo',
  tpe: 'tpe',
  asha: 'asha',
};

export function parseMatrixV0(raw: unknown, path: Path, issues: Issues): Record<string, MatrixValue> {
  const matrix: Record<string, MatrixValue> = {};
  for (const [key, entry] of Object.entries(raw as Record<string, unknown>)) {
    const v = parseV0Entry(entry, [...path, key], issues);
    if (v) setKey(matrix, key, v);
  }
  return matrix;
}

function toRule(r: z.infer<typeof earlyStopping>, path: Path, issues: Issues): EarlyStoppingRule | undefined {
  const rule: EarlyStoppingRule = {
    kind: 'metric',
    metric: r.metric,
    optimization: r.optimization ?? 'maximize',
  };
  if (r.value != null) rule.value = r.value;
  if (r.policy && typeof r.policy === 'object') {
    const p = r.policy;
    rule.kind = p.kind;
    if (p.evaluation_interval != null) rule.evaluationInterval = p.evaluation_interval;
    if (p.min_interval != null) rule.minInterval = p.min_interval;
    if (p.min_samples != null) rule.minSamples = p.min_samples;
    if (p.percent != null) rule.percent = p.percent;
  } else if (r.value == null) {
    // 0.4.4 compares `last_metric >= value`: without a value the rule cannot fire (and Python raised).
    issues.add([...path, 'value'], 'a number to compare the metric with', 'nothing');
    return undefined;
  }
  return rule;
}

/** `required` is true for groups: a matrix must be there. */
export function parseHptuning(raw: unknown, issues: Issues): SearchSpec | undefined {
  const base: Path = ['hptuning'];
  const h = checkObject(hptuningSchema, raw, base, issues);
  if (!h) {
    // The rest of hptuning is wrong, but its matrix is checked all the same: every problem in one pass.
    const m = (raw as { matrix?: unknown } | null)?.matrix;
    if (m && typeof m === 'object' && !Array.isArray(m)) parseMatrixV0(m, [...base, 'matrix'], issues);
    return undefined;
  }
  // File order, so the error lands on the second algorithm written.
  const given = Object.keys(raw as object).filter(
    (k) => k in ALGORITHM_KEYS && h[k as keyof typeof h] != null,
  );
  if (given.length > 1) {
    issues.add([...base, given[1]], 'at most one search algorithm', given.join(', '));
    return undefined;
  }
  if (!h.matrix || Object.keys(h.matrix).length === 0) {
    issues.add([...base, 'matrix'], 'a matrix of at least one param', show(h.matrix));
    return undefined;
  }
  const mark = issues.mark();
  const matrix = parseMatrixV0(h.matrix, [...base, 'matrix'], issues);
  const algorithm: SearchAlgorithm = given.length ? ALGORITHM_KEYS[given[0]] : 'grid';
  checkMatrixForAlgorithm(algorithm, matrix, (key) => [...base, 'matrix', key, matrix[key].kind], issues);

  const spec: SearchSpec = { algorithm, concurrency: h.concurrency ?? 1, matrix, earlyStopping: [] };
  if (h.seed) spec.seed = h.seed; // a seed of 0 is treated as none
  (h.early_stopping ?? []).forEach((r, i) => {
    const rule = toRule(r, [...base, 'early_stopping', i], issues);
    if (rule) spec.earlyStopping.push(rule);
  });

  if (h.grid_search?.n_experiments != null) spec.nExperiments = h.grid_search.n_experiments;
  if (algorithm === 'random') {
    if (h.random_search?.n_experiments == null) {
      issues.add(
        [...base, 'random_search', 'n_experiments'],
        'the number of experiments (n_experiments >= 1)',
        'nothing',
      );
    } else {
      spec.nExperiments = h.random_search.n_experiments;
    }
  }
  if (h.hyperband) {
    const hb = h.hyperband;
    spec.hyperband = {
      maxIter: hb.max_iter,
      eta: hb.eta,
      resource: { name: hb.resource.name, type: hb.resource.type ?? 'float' },
      resume: hb.resume ?? false,
    };
    spec.metric = { name: hb.metric.name, optimization: hb.metric.optimization ?? 'maximize' };
  }
  if (h.bo) {
    const u = h.bo.utility_function ?? {};
    const gp = u.gaussian_process ?? {};
    // Axon's defaults (docs/sweeps.md): EI with eps 0 and Matérn 5/2 fitted with restarts; kappa (ucb) and
    // eps (ei/poi) are optional, 2.576 and 0 when left out.
    spec.bo = {
      nInitialTrials: h.bo.n_initial_trials,
      nIterations: h.bo.n_iterations,
      acquisition: u.acquisition_function ?? BO_DEFAULTS.acquisition,
      nWarmup: u.n_warmup ?? BO_DEFAULTS.nWarmup,
      nIter: u.n_iter ?? BO_DEFAULTS.nIter,
      kernel: gp.kernel ?? BO_DEFAULTS.kernel,
      lengthScale: gp.length_scale ?? BO_DEFAULTS.lengthScale,
      nu: gp.nu ?? BO_DEFAULTS.nu,
      nRestartsOptimizer: gp.n_restarts_optimizer ?? BO_DEFAULTS.nRestartsOptimizer,
    };
    if (u.kappa != null) spec.bo.kappa = u.kappa;
    if (u.eps != null) spec.bo.eps = u.eps;
    spec.metric = { name: h.bo.metric.name, optimization: h.bo.metric.optimization ?? 'maximize' };
  }
  const options = h.tpe ?? h.asha;
  if (options) {
    spec.options = options;
    const m = optionsMetric(options, [...base, algorithm], issues);
    if (m) spec.metric = m;
  }
  if (!spec.metric && h.metric)
    spec.metric = { name: h.metric.name, optimization: h.metric.optimization ?? 'maximize' };
  fillMetric(spec);
  metricWarnings(spec);
  return issues.since(mark) ? undefined : spec;
}
