// Compare 2 to 20 experiments: params, last metric values and code versions side by side, each run's
// column headed in the colour of its lines in the charts below (lib/runColors); what is the same in every
// run is said once (by default only the differences get rows, the identical ones one line between them);
// every metric overlaid for all of them (RunsOverlay); and the code diff against the first.
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { StatusBadge } from '../components/StatusBadge';
import { CodeComparison } from '../components/CodeComparison';
import { Empty, ErrorState, Loading } from '../components/States';
import { numberFormatFor } from '../lib/format';
import { useTitle } from '../lib/useTitle';
import { RunsOverlay } from '../components/RunsOverlay';
import { cssChartColor, runColors } from '../lib/runColors';
import { splitIdentical, type CompareRow } from '../lib/compareRows';
import type { Results } from '../../../shared/api';
import { projectPath } from '../lib/routeParams';

type ExperimentDetails = Results['experiments.get'];

interface Row extends CompareRow {
  /** How the row is headed: a param's name, `loss (last)`, `code`. */
  label: string;
  kind: 'param' | 'metric' | 'code';
}

function codeText(x: ExperimentDetails): string {
  return x.code?.kind === 'git'
    ? `${x.code.commit?.slice(0, 10) ?? '—'}${x.code.dirty ? ' +dirty' : ''}`
    : (x.code?.contentHash?.slice(0, 10) ?? '—');
}

function rowsOf(list: ExperimentDetails[]): Row[] {
  const paramKeys = [...new Set(list.flatMap((x) => Object.keys(x.params)))];
  const metricKeys = [...new Set(list.flatMap((x) => Object.keys(x.lastMetrics)))];
  return [
    ...paramKeys.map((k): Row => ({
      key: `p:${k}`,
      label: k,
      kind: 'param',
      values: list.map((x) => x.params[k]),
    })),
    ...metricKeys.map((k): Row => ({
      key: `m:${k}`,
      label: `${k} (last)`,
      kind: 'metric',
      values: list.map((x) => x.lastMetrics[k]),
    })),
    { key: 'code', label: 'code', kind: 'code', values: list.map(codeText) },
  ];
}

const cellText = (r: Row, v: unknown) => (r.kind === 'code' ? String(v) : numberFormatFor(r.values)(v));

export function ComparePage() {
  useTitle('Compare');
  const [search] = useSearchParams();
  const ids = useMemo(
    () =>
      [
        ...new Set(
          (search.get('ids') ?? '')
            .split(',')
            .map(Number)
            .filter((n) => Number.isInteger(n) && n > 0),
        ),
      ].slice(0, 20),
    [search],
  );
  const xs = useAsync(() => Promise.all(ids.map((id) => call('experiments.get', { id }))), [ids.join(',')]);
  const [onlyDiff, setOnlyDiff] = useState(true);

  if (ids.length < 2)
    return (
      <div className="page">
        <h1>Compare</h1>
        <Empty title="Choose 2 to 20 experiments to compare">
          In a project, select experiments in the table (Space or the checkbox), then choose Compare.
        </Empty>
      </div>
    );
  if (xs.error)
    return <ErrorState error={`The experiments could not be read: ${xs.error}`} onRetry={xs.reload} />;
  if (!xs.data) return <Loading what="experiments" />;
  const list = xs.data;
  const colors = runColors(list.map((x) => x.id));
  const rows = rowsOf(list);
  const { identical } = splitIdentical(rows);
  const same = new Set(identical.map((r) => r.key));
  const project = list[0].projectName;
  const n = list.length;

  const row = (r: Row) =>
    same.has(r.key) ? (
      <tr key={r.key} className={`same ${r.kind === 'metric' ? 'metric-row' : ''}`}>
        <th scope="row">{r.label}</th>
        <td colSpan={n} className="mono same-value" title="The same in every run">
          {cellText(r, r.values[0])} <span className="muted small">(all {n})</span>
        </td>
      </tr>
    ) : (
      <tr key={r.key} className={`differs ${r.kind === 'metric' ? 'metric-row' : ''}`}>
        <th scope="row">
          {r.label}
          <span className="diff-mark" title="Values differ">
            {' '}
            ≠
          </span>
        </th>
        {r.values.map((v, i) => (
          <td key={i} className={`${r.kind === 'code' ? 'mono small' : 'num mono'}`}>
            {cellText(r, v)}
          </td>
        ))}
      </tr>
    );

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <nav aria-label="Breadcrumb" className="crumbs">
            <Link to="/">Projects</Link> / <Link to={projectPath(project)}>{project}</Link> /{' '}
            <span aria-current="page">compare</span>
          </nav>
          <h1>Compare {list.length} experiments</h1>
        </div>
      </header>
      <section className="section" aria-labelledby="cmp-params-title">
        <div className="section-head">
          <h2 id="cmp-params-title">Params and results</h2>
          <label className="check">
            <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} />{' '}
            Differences only
          </label>
        </div>
        <div className="table-scroll">
          <table className="table compare" aria-label="Params and metrics side by side">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Field</span>
                </th>
                {list.map((x) => {
                  const c = colors.get(x.id)!;
                  return (
                    <th
                      key={x.id}
                      scope="col"
                      className={`run-head${c.dashed ? ' dashed' : ''}`}
                      style={{ borderTopColor: cssChartColor(c.index) }}
                      data-run={x.id}
                      data-color={c.index}
                    >
                      <span
                        className={`run-swatch${c.dashed ? ' dashed' : ''}`}
                        style={{ color: cssChartColor(c.index) }}
                        aria-hidden="true"
                      />
                      <Link to={`/experiments/${x.id}`}>#{x.id}</Link> <StatusBadge status={x.status} />
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {(onlyDiff ? rows.filter((r) => !same.has(r.key)) : rows).map(row)}
              {onlyDiff && identical.length > 0 && (
                <tr className="same-row">
                  <th scope="row">
                    Same in all {n} <span className="muted small">({identical.length})</span>
                  </th>
                  <td colSpan={n} className="small">
                    {identical.map((r, i) => (
                      <span key={r.key} data-key={r.label}>
                        {i > 0 ? ' · ' : ''}
                        {r.label} = <span className="mono">{cellText(r, r.values[0])}</span>
                      </span>
                    ))}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {onlyDiff && identical.length === rows.length && (
          <p className="muted">These experiments have the same params, results and code.</p>
        )}
      </section>
      <RunsOverlay
        ids={list.map((x) => x.id)}
        names={Object.fromEntries(list.map((x) => [x.id, x.name]))}
        title="Metrics, overlaid"
        titleId="overlay-title"
      />
      <CodeComparison ids={list.map((x) => x.id)} />
    </div>
  );
}
