// The sweep page's two reads beyond `groups.sweep`: each param's importance for a metric
// (`groups.importance`, computed by importance.ts from the finished experiments) and every experiment's
// curve of one metric in one call (`groups.metricCurves`), bucketed on a step grid shared by all so that a
// chart can overlay 200 trials × 1,000 steps from one aligned table.
import type { GroupCurves, GroupImportance } from '../../../shared/api';
import type { SearchSpec } from '../../../shared/polyaxonfile';
import { isDone } from '../../../shared/statuses';
import type { Store } from '../store';
import { groupMetric } from '../store/groups';
import { paramImportance } from './importance';
import { groupSweep } from './view';

const METHOD = 'out-of-bag permutation importance of a random forest fitted on params → metric';
/** A cap on the numbers one curves answer carries (experiments × buckets): a 10,000-run group gets fewer
 * buckets per curve rather than a response of tens of megabytes. */
const MAX_CELLS = 400_000;

/** Per store (engines in one process never share answers), the last importance computed per group (the 32
 * most recently asked), with what it was computed from. */
const lastByStore = new WeakMap<
  object,
  Map<number, { key: string; result: ReturnType<typeof paramImportance> }>
>();

export async function groupImportance(store: Store, id: number, metric?: string): Promise<GroupImportance> {
  const g = await store.groups.row(id);
  const name = metric ?? groupMetric(JSON.parse(g.search_json) as SearchSpec)?.name ?? null;
  const { params } = await groupSweep(store, id);
  const experiments = await store.experiments.list({ groupId: id, limit: 1_000_000 });
  const trials = name
    ? experiments
        .filter((x) => isDone(x.status) && Number.isFinite(x.lastMetrics[name]))
        .map((x) => ({ params: x.params, value: x.lastMetrics[name] }))
    : [];
  // Seeded by the group: the same finished experiments always give the same bars, so the last answer per
  // group is kept and given again while what it was computed from is the same (the page asks whenever a
  // trial ends; a forest on thousands of trials takes a few hundred ms of the engine's thread).
  const specs = params.map((p) => ({ name: p.name, scale: p.scale }));
  const key = JSON.stringify([specs, trials]);
  let lastImportance = lastByStore.get(store.db);
  if (!lastImportance) lastByStore.set(store.db, (lastImportance = new Map()));
  const kept = lastImportance.get(id);
  const r = kept?.key === key ? kept.result : paramImportance(specs, trials, { seed: id });
  lastImportance.delete(id);
  lastImportance.set(id, { key, result: r });
  if (lastImportance.size > 32) lastImportance.delete(lastImportance.keys().next().value!);
  return {
    groupId: id,
    metric: name,
    trials: r.trials,
    used: r.used,
    minTrials: r.minTrials,
    enough: !!name && r.enough,
    fit: r.fit,
    objectiveScale: r.objectiveScale,
    method: METHOD,
    params: r.params,
  };
}

export async function groupMetricCurves(
  store: Store,
  id: number,
  key: string,
  maxPoints: number,
): Promise<GroupCurves> {
  await store.groups.row(id);
  const inGroup = 'experiment_id IN (SELECT id FROM experiments WHERE group_id = ?)';
  const range = await store.db.get<{ lo: number | null; hi: number | null; runs: number }>(
    `SELECT min(step) AS lo, max(step) AS hi, count(DISTINCT experiment_id) AS runs FROM metrics
     WHERE key = ? AND ${inGroup}`,
    [key, id],
  );
  if (!range || range.lo === null || range.hi === null)
    return { groupId: id, key, steps: [], bucket: 1, curves: [] };
  const buckets = Math.max(10, Math.min(maxPoints, Math.floor(MAX_CELLS / Math.max(1, range.runs))));
  // One grid for every experiment: bucket b holds steps lo + b·width … lo + (b+1)·width − 1.
  const width = Math.max(1, Math.ceil((range.hi - range.lo + 1) / buckets));
  // One row per experiment, its buckets as JSON arrays: materialising a JS row per bucket (50,000 for 200
  // trials × 250 buckets) cost as much as the query itself (bench/sweep-insights.ts).
  const rows = await store.db.all<{ x: number; bs: string; steps: string; vals: string; n: number }>(
    `SELECT x, json_group_array(b) AS bs, json_group_array(step) AS steps, json_group_array(value) AS vals,
       sum(n) AS n
     FROM (SELECT experiment_id AS x, (step - ?) / ? AS b, max(step) AS step, avg(value) AS value, count(*) AS n
           FROM metrics WHERE key = ? AND ${inGroup} GROUP BY experiment_id, b ORDER BY experiment_id, b)
     GROUP BY x ORDER BY x`,
    [range.lo, width, key, id],
  );
  const parsed = rows.map((r) => ({
    id: r.x,
    total: r.n,
    bs: JSON.parse(r.bs) as number[],
    steps: JSON.parse(r.steps) as number[],
    vals: JSON.parse(r.vals) as number[],
  }));
  // Only the buckets some experiment has a point in become grid points (a sparse log stays compact).
  const used = [...new Set(parsed.flatMap((r) => r.bs))].sort((a, b) => a - b);
  const column = new Map(used.map((b, i) => [b, i]));
  const steps = used.map(() => -Infinity);
  const curves: GroupCurves['curves'] = parsed.map((r) => {
    const values: Array<number | null> = used.map(() => null);
    r.bs.forEach((b, k) => {
      const i = column.get(b)!;
      values[i] = r.vals[k];
      steps[i] = Math.max(steps[i], r.steps[k]);
    });
    return { experimentId: r.id, total: r.total, values };
  });
  return { groupId: id, key, steps, bucket: width, curves };
}
