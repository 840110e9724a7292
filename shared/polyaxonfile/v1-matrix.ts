// v1.1 `matrix` on an operation (SPEC §5.3) → SearchSpec.
import { z, type ZodTypeAny } from 'zod';
import type {
  EarlyStoppingRule,
  IOSpec,
  MatrixKind,
  MatrixValue,
  SearchAlgorithm,
  SearchSpec,
} from './types';
import { show, type Issues, type Path } from './errors';
import { anyMap, check, int, looseEnum, num, str } from './zod-check';
import { parseKind } from './matrix-parse';
import { BO_DEFAULTS, checkMatrixForAlgorithm, fillMetric, metricWarnings, optionsMetric } from './search';
import { isPlainObject } from './pyrepr';
import { setKey } from './merge';
import { arange, MATRIX_KINDS } from './matrix';

const HP_KINDS: Record<string, MatrixKind | 'daterange' | 'datetimerange'> = {
  choice: 'values',
  pchoice: 'pvalues',
  range: 'range',
  daterange: 'daterange',
  datetimerange: 'datetimerange',
  linspace: 'linspace',
  logspace: 'logspace',
  geomspace: 'geomspace',
  uniform: 'uniform',
  quniform: 'quniform',
  loguniform: 'loguniform',
  qloguniform: 'qloguniform',
  normal: 'normal',
  qnormal: 'qnormal',
  lognormal: 'lognormal',
  qlognormal: 'qlognormal',
};

const optimization = looseEnum(['maximize', 'minimize']);
const metric = z.object({ name: str, optimization: optimization.nullish() }).strict();
const policy = z
  .object({
    kind: looseEnum(['median', 'truncation']),
    evaluationInterval: int.min(1).nullish(),
    minInterval: int.min(1).nullish(),
    minSamples: int.min(1).nullish(),
    percent: num.nullish(),
  })
  .strict();
const earlyStopping = z
  .array(
    z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.literal('metric_early_stopping'),
          metric: str,
          value: num,
          optimization: optimization.nullish(),
          policy: policy.nullish(),
        })
        .strict(),
      z.object({ kind: z.literal('failure_early_stopping'), percent: num.min(1).max(99) }).strict(),
    ]),
  )
  .nullish();

const params = z.record(z.unknown()).nullish();
// `metric` on grid/random/mapping is Axon's addition: the objective that ranks the group's experiments.
const common = { params, concurrency: int.min(1).nullish(), earlyStopping };
const ranking = { metric: metric.nullish() };
const iterative = { seed: int.nullish(), tuner: anyMap.nullish() };

const SCHEMAS: Record<string, ZodTypeAny> = {
  grid: z.object({ kind: z.literal('grid'), ...common, ...ranking, numRuns: int.min(1).nullish() }).strict(),
  random: z
    .object({ kind: z.literal('random'), ...common, ...ranking, numRuns: int.min(1), seed: int.nullish() })
    .strict(),
  hyperband: z
    .object({
      kind: z.literal('hyperband'),
      ...common,
      ...iterative,
      maxIterations: int.min(1),
      eta: num.min(0),
      resource: z.object({ name: str, type: looseEnum(['int', 'float']).nullish() }).strict(),
      metric,
      resume: z.boolean().nullish(),
    })
    .strict(),
  bayes: z
    .object({
      kind: z.literal('bayes'),
      ...common,
      ...iterative,
      numInitialRuns: int.min(0),
      maxIterations: int.min(0).nullish(),
      metric,
      utilityFunction: z
        .object({
          acquisitionFunction: looseEnum(['ucb', 'ei', 'poi']).nullish(),
          kappa: num.nullish(),
          eps: num.nullish(),
          gaussianProcess: z
            .object({
              kernel: looseEnum(['matern', 'rbf']).nullish(),
              lengthScale: num.nullish(),
              nu: num.nullish(),
              numRestartsOptimizer: int.min(0).nullish(),
            })
            .strict()
            .nullish(),
          numWarmup: int.min(0).nullish(),
          numIterations: int.min(0).nullish(),
        })
        .strict()
        .nullish(),
    })
    .strict(),
  hyperopt: z
    .object({
      kind: z.literal('hyperopt'),
      ...common,
      ...iterative,
      algorithm: looseEnum(['tpe', 'rand', 'anneal']).nullish(),
      numRuns: int.min(1).nullish(),
      maxIterations: int.min(1).nullish(),
      metric: metric.nullish(),
    })
    .strict(),
  mapping: z
    .object({
      kind: z.literal('mapping'),
      values: z.array(z.record(z.unknown())).min(1),
      concurrency: common.concurrency,
      earlyStopping,
      ...ranking,
    })
    .strict(),
  // Axon's additions: the options are free-form and kept as written.
  tpe: z.object({ kind: z.literal('tpe'), ...common, seed: int.nullish() }).passthrough(),
  asha: z.object({ kind: z.literal('asha'), ...common, seed: int.nullish() }).passthrough(),
};
const ALGORITHMS: Record<string, SearchAlgorithm> = {
  grid: 'grid',
  random: 'random',
  hyperband: 'hyperband',
  bayes: 'bo',
  hyperopt: 'tpe',
  mapping: 'mapping',
  tpe: 'tpe',
  asha: 'asha',
};

/** daterange steps in days, datetimerange in seconds; like `range`, stop is exclusive. */
function dateValues(
  kind: 'daterange' | 'datetimerange',
  raw: unknown,
  path: Path,
  issues: Issues,
): MatrixValue | undefined {
  const items = Array.isArray(raw) ? raw : isPlainObject(raw) ? [raw.start, raw.stop, raw.step] : [];
  const [start, stop, step] = items.length === 3 ? items : [];
  const a = typeof start === 'string' ? Date.parse(start) : NaN;
  const b = typeof stop === 'string' ? Date.parse(stop) : NaN;
  const unit = kind === 'daterange' ? 86400000 : 1000;
  const s = typeof step === 'number' ? step * unit : NaN;
  const times = Number.isFinite(a) && Number.isFinite(b) && s > 0 ? arange(a, b, s) : [];
  if (!times.length || times.length > 100000) {
    issues.add(
      path,
      `[start, stop, step] with ISO ${kind === 'daterange' ? 'dates and a step in days' : 'datetimes and a step in seconds'}, start < stop`,
      show(raw),
    );
    return undefined;
  }
  const iso = (t: number) => new Date(t).toISOString();
  return {
    kind: 'values',
    values: times.map((t) => (kind === 'daterange' ? iso(t).slice(0, 10) : iso(t).slice(0, 19))),
  };
}

// Every kind but the categorical ones produces numbers.
const NUMERIC_KINDS = new Set<string>(MATRIX_KINDS.filter((k) => k !== 'values' && k !== 'pvalues'));

function parseParam(
  raw: unknown,
  path: Path,
  issues: Issues,
  io: IOSpec | undefined,
): MatrixValue | undefined {
  if (!isPlainObject(raw)) {
    issues.add(path, '{kind: <hp kind>, value: <args>}', show(raw));
    return undefined;
  }
  for (const k of Object.keys(raw))
    if (k !== 'kind' && k !== 'value') issues.add([...path, k], 'only the keys kind and value', show(k));
  const hp = typeof raw.kind === 'string' ? HP_KINDS[raw.kind] : undefined;
  if (!hp) {
    issues.add([...path, 'kind'], `an hp kind (${Object.keys(HP_KINDS).join(', ')})`, show(raw.kind));
    return undefined;
  }
  if (io?.type && NUMERIC_KINDS.has(hp) && io.type !== 'int' && io.type !== 'float') {
    issues.add([...path, 'kind'], `an hp kind that fits the input type ${io.type}`, show(raw.kind));
  }
  if (hp === 'daterange' || hp === 'datetimerange')
    return dateValues(hp, raw.value, [...path, 'value'], issues);
  return parseKind(hp, raw.value, [...path, 'value'], issues, { orderForDistributions: false });
}

function toRules(list: z.infer<typeof earlyStopping>): EarlyStoppingRule[] {
  return (list ?? []).map((r) => {
    if (r.kind === 'failure_early_stopping') return { kind: 'failure', percent: r.percent };
    const rule: EarlyStoppingRule = {
      kind: 'metric',
      metric: r.metric,
      value: r.value,
      optimization: r.optimization ?? 'maximize',
    };
    if (r.policy) {
      rule.kind = r.policy.kind;
      if (r.policy.evaluationInterval != null) rule.evaluationInterval = r.policy.evaluationInterval;
      if (r.policy.minInterval != null) rule.minInterval = r.policy.minInterval;
      if (r.policy.minSamples != null) rule.minSamples = r.policy.minSamples;
      if (r.policy.percent != null) rule.percent = r.policy.percent;
    }
    return rule;
  });
}

export function parseMatrixV1(
  raw: unknown,
  path: Path,
  issues: Issues,
  ios: IOSpec[],
): SearchSpec | undefined {
  if (!isPlainObject(raw)) {
    issues.add(path, 'a matrix mapping with a `kind`', show(raw));
    return undefined;
  }
  const kind = raw.kind;
  if (typeof kind !== 'string' || !(kind in SCHEMAS)) {
    issues.add(
      [...path, 'kind'],
      `a matrix kind Axon supports (${Object.keys(SCHEMAS).join(', ')})`,
      show(kind),
    );
    return undefined;
  }
  const mark = issues.mark();
  const m = check(SCHEMAS[kind], raw, path, issues) as Record<string, unknown> | undefined;
  if (!m) return undefined;
  const algorithm = ALGORITHMS[kind];
  const matrix: Record<string, MatrixValue> = {};
  const rawParams = (m.params ?? {}) as Record<string, unknown>;
  for (const [key, p] of Object.entries(rawParams)) {
    const v = parseParam(
      p,
      [...path, 'params', key],
      issues,
      ios.find((io) => io.name === key),
    );
    if (v) setKey(matrix, key, v);
  }
  if (algorithm !== 'mapping' && Object.keys(rawParams).length === 0) {
    issues.add([...path, 'params'], 'a matrix of at least one param', show(m.params));
  }
  checkMatrixForAlgorithm(algorithm, matrix, (key) => [...path, 'params', key, 'kind'], issues);
  const spec: SearchSpec = {
    algorithm,
    concurrency: (m.concurrency as number | null | undefined) ?? 1,
    matrix,
    earlyStopping: toRules(m.earlyStopping as z.infer<typeof earlyStopping>),
  };
  if (m.seed) spec.seed = m.seed as number;
  if (m.numRuns != null) spec.nExperiments = m.numRuns as number;
  if (kind === 'mapping') spec.mapping = m.values as Array<Record<string, unknown>>;
  const metricOf = (x: unknown) => {
    const mm = x as z.infer<typeof metric> | null | undefined;
    return mm ? { name: mm.name, optimization: mm.optimization ?? 'maximize' } : undefined;
  };
  if (kind === 'hyperband') {
    const res = m.resource as { name: string; type?: 'int' | 'float' | null };
    spec.hyperband = {
      maxIter: m.maxIterations as number,
      eta: m.eta as number,
      resource: { name: res.name, type: res.type ?? 'float' },
      resume: (m.resume as boolean | null | undefined) ?? false,
    };
  }
  if (kind === 'bayes') {
    type U = NonNullable<z.infer<(typeof SCHEMAS)['bayes']>>;
    const u = (m.utilityFunction ?? {}) as NonNullable<U['utilityFunction']>;
    const gp = u.gaussianProcess ?? {};
    spec.bo = {
      nInitialTrials: m.numInitialRuns as number,
      nIterations: (m.maxIterations as number | null | undefined) ?? 0,
      acquisition: u.acquisitionFunction ?? BO_DEFAULTS.acquisition,
      nWarmup: u.numWarmup ?? BO_DEFAULTS.nWarmup,
      nIter: u.numIterations ?? BO_DEFAULTS.nIter,
      kernel: gp.kernel ?? BO_DEFAULTS.kernel,
      lengthScale: gp.lengthScale ?? BO_DEFAULTS.lengthScale,
      nu: gp.nu ?? BO_DEFAULTS.nu,
      nRestartsOptimizer: gp.numRestartsOptimizer ?? BO_DEFAULTS.nRestartsOptimizer,
    };
    if (u.kappa != null) spec.bo.kappa = u.kappa;
    if (u.eps != null) spec.bo.eps = u.eps;
  }
  const target = metricOf(m.metric);
  if (target) spec.metric = target;
  if (kind === 'hyperopt' || kind === 'tpe' || kind === 'asha') {
    const { kind: _k, params: _p, concurrency: _c, earlyStopping: _e, seed: _s, ...options } = m;
    spec.options = kind === 'hyperopt' ? { algorithm: 'tpe', ...options } : options;
    if (kind !== 'hyperopt') {
      const om = optionsMetric(options, path, issues);
      if (om) spec.metric = om;
    }
  }
  fillMetric(spec);
  metricWarnings(spec);
  return issues.since(mark) ? undefined : spec;
}
