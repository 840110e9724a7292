// The columns of the experiments table: fixed ones, then one per param and per metric its last value (and,
// when chosen, its min and max). Param and metric columns are numeric: sized to their values and written in
// one format each (components/VirtualTable).
import { Link } from 'react-router-dom';
import type { Experiment } from '../../../shared/domain';
import type { Column } from '../components/VirtualTable';
import { StatusBadge } from '../components/StatusBadge';
import { durationMs, formatDuration, formatShortTime, formatTime } from '../lib/format';

export function baseColumns(): Column<Experiment>[] {
  return [
    {
      id: 'id',
      header: 'ID',
      width: 80,
      value: (x) => x.id,
      align: 'right',
      render: (x) => (
        <Link to={`/experiments/${x.id}`} tabIndex={-1}>
          {x.id}
        </Link>
      ),
    },
    { id: 'name', header: 'Name', width: 130, value: (x) => x.name ?? undefined },
    {
      id: 'status',
      header: 'Status',
      width: 130,
      value: (x) => x.status,
      render: (x) => <StatusBadge status={x.status} />,
    },
    {
      id: 'group',
      header: 'Group',
      width: 80,
      value: (x) => x.groupId ?? undefined,
      align: 'right',
      render: (x) =>
        x.groupId == null ? (
          '—'
        ) : (
          <Link to={`/groups/${x.groupId}`} tabIndex={-1}>
            {x.groupId}
          </Link>
        ),
    },
    { id: 'backend', header: 'Backend', width: 90, value: (x) => x.backend },
    {
      id: 'created',
      header: 'Created',
      width: 190,
      value: (x) => x.createdAt,
      render: (x) => <span title={formatTime(x.createdAt)}>{formatShortTime(x.createdAt)}</span>,
    },
    {
      id: 'duration',
      header: 'Duration',
      width: 110,
      align: 'right',
      value: (x) => durationMs(x.startedAt, x.finishedAt) ?? undefined,
      render: (x) => formatDuration(durationMs(x.startedAt, x.finishedAt)),
    },
  ];
}

export function paramColumn(key: string): Column<Experiment> {
  return {
    id: `param:${key}`,
    header: key,
    title: `Sort by param ${key}`,
    width: 70,
    align: 'right',
    numeric: true,
    value: (x) => x.params[key] as unknown,
  };
}

export type MetricStat = 'last' | 'min' | 'max';
const STAT_FIELD = { last: 'lastMetrics', min: 'minMetrics', max: 'maxMetrics' } as const;
const STAT_WORD = { last: 'last value', min: 'smallest value', max: 'largest value' };

/** Column ids: `metric:KEY` (last value), `metric-min:KEY`, `metric-max:KEY`. */
export const metricColumnId = (key: string, stat: MetricStat) =>
  stat === 'last' ? `metric:${key}` : `metric-${stat}:${key}`;

export function metricColumn(key: string, stat: MetricStat = 'last'): Column<Experiment> {
  const read = (x: Experiment) => x[STAT_FIELD[stat]]?.[key];
  return {
    id: metricColumnId(key, stat),
    header: `${key} (${stat})`,
    title: `Sort by the ${STAT_WORD[stat]} of metric ${key}`,
    width: 80,
    align: 'right',
    numeric: true,
    value: read,
  };
}

/** The params among `keys` whose value differs between the rows (a constant one says nothing about a difference). */
export function varyingParams(keys: string[], rows: Array<Pick<Experiment, 'params'>>): string[] {
  return keys.filter((k) => new Set(rows.map((x) => JSON.stringify(x.params[k]))).size > 1);
}

/** Param and metric keys found in the rows, in first-seen order (bounded: a column per key). */
export function discoverKeys(rows: Experiment[], limit = 50): { params: string[]; metrics: string[] } {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const x of rows) {
    for (const k in x.params) if (params.size < limit) params.add(k);
    for (const k in x.lastMetrics) if (metrics.size < limit) metrics.add(k);
  }
  return { params: [...params], metrics: [...metrics] };
}
