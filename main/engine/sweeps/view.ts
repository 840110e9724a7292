// `groups.sweep`: what a group's search looks like to a chart. The params it varies (with the scale the
// matrix kind implies), hyperband's plan of brackets and rounds (or ASHA's rungs), the round hyperband waits
// for, and each experiment's place in it (from its stored `sweep_json`, see searcher.ts's TrialMeta).
import type { GroupSweep, SweepBracket, SweepExperiment, SweepParam } from '../../../shared/api';
import type { MatrixValue, SearchSpec } from '../../../shared/polyaxonfile';
import { isGroupDone } from '../../../shared/statuses';
import type { Store } from '../store';
import { groupMetric } from '../store/groups';
import { groupState, searchFinished } from './group-runner';
import { castResource, hyperbandPlan } from './hyperband';
import { ashaOptions, rungs } from './asha';
import type { TrialMeta } from './searcher';

const LOG_KINDS = new Set(['logspace', 'geomspace', 'loguniform', 'qloguniform', 'lognormal', 'qlognormal']);

/** How a matrix param is drawn: log for the log kinds, categorical when an item is not a number. */
export function sweepParam(name: string, m: MatrixValue): SweepParam {
  if (m.kind === 'values' || m.kind === 'pvalues') {
    const values = m.kind === 'values' ? m.values : m.values.map(([v]) => v);
    return {
      name,
      kind: m.kind,
      scale: values.every((v) => typeof v === 'number') ? 'linear' : 'categorical',
      values,
    };
  }
  return { name, kind: m.kind, scale: LOG_KINDS.has(m.kind) ? 'log' : 'linear' };
}

function mappingParams(mapping: Array<Record<string, unknown>>): SweepParam[] {
  const names = [...new Set(mapping.flatMap((m) => Object.keys(m)))];
  return names.map((name) => {
    const values = [...new Set(mapping.map((m) => m[name]).filter((v) => v !== undefined))];
    return {
      name,
      kind: 'mapping',
      scale: values.every((v) => typeof v === 'number') ? 'linear' : 'categorical',
      values,
    };
  });
}

/** The resource, eta and plan of a hyperband or ASHA search; nulls and [] for the others. */
export function sweepPlan(search: SearchSpec): Pick<GroupSweep, 'resource' | 'eta' | 'brackets'> {
  if (search.algorithm === 'hyperband' && search.hyperband) {
    const hb = search.hyperband;
    const brackets: SweepBracket[] = hyperbandPlan(hb.maxIter, hb.eta).map((b, index) => ({
      index,
      s: b.s,
      rounds: b.rounds.map((r) => ({ n: r.n, resource: castResource(r.resource, hb.resource.type) })),
    }));
    return { resource: hb.resource, eta: hb.eta, brackets };
  }
  if (search.algorithm === 'asha') {
    const o = ashaOptions(search);
    let n = o.nConfigs;
    const rounds = rungs(o).map((r, k) => {
      if (k > 0) n = Math.floor(n / o.eta);
      return { n, resource: castResource(r, o.resource.type) };
    });
    return { resource: o.resource, eta: o.eta, brackets: [{ index: 0, s: null, rounds }] };
  }
  return { resource: null, eta: null, brackets: [] };
}

export async function groupSweep(store: Store, id: number): Promise<GroupSweep> {
  const g = await store.groups.row(id);
  const search = JSON.parse(g.search_json) as SearchSpec;
  const metric = groupMetric(search);
  const plan = sweepPlan(search);
  const params =
    search.algorithm === 'mapping' && search.mapping
      ? mappingParams(search.mapping)
      : Object.entries(search.matrix).map(([k, m]) => sweepParam(k, m));
  if (plan.resource && !params.some((p) => p.name === plan.resource!.name))
    params.push({ name: plan.resource.name, kind: 'resource', scale: 'log' });

  const rows = await store.groups.sweepRows(id, metric?.name ?? '');
  const ranked = plan.brackets.length > 0;
  const metas = rows.map((r) => (r.sweep_json ? (JSON.parse(r.sweep_json) as TrialMeta) : {}));
  // A configuration is promoted out of (bracket, round) when it runs again in a later round.
  const reached = new Map<string, number>();
  for (const m of metas) {
    if (m.config === undefined || m.round === undefined) continue;
    const key = `${m.bracket ?? 0}:${m.config}`;
    reached.set(key, Math.max(reached.get(key) ?? -1, m.round));
  }
  const experiments: SweepExperiment[] = rows.map((r, i) => {
    const m = metas[i];
    const bracket = ranked && m.round !== undefined ? (m.bracket ?? 0) : null;
    return {
      id: r.id,
      status: r.status,
      value: metric && r.value !== null ? r.value : null,
      config: m.config ?? null,
      bracket,
      round: m.round ?? null,
      resource: m.resource ?? null,
      promoted:
        m.config !== undefined &&
        m.round !== undefined &&
        (reached.get(`${bracket ?? 0}:${m.config}`) ?? -1) > m.round,
    };
  });

  const finished = searchFinished(g);
  let current: GroupSweep['current'] = null;
  const st = groupState(g).searcher as { bracket?: number; round?: number; started?: boolean } | undefined;
  if (
    search.algorithm === 'hyperband' &&
    !finished &&
    !isGroupDone(g.status) &&
    st?.started &&
    typeof st.bracket === 'number' &&
    typeof st.round === 'number'
  )
    current = { bracket: st.bracket, round: st.round };

  return {
    groupId: id,
    algorithm: search.algorithm,
    metric,
    params,
    ...plan,
    current,
    searchFinished: finished,
    experiments,
  };
}
