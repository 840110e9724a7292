// Compare 2 to 20 experiments: params side by side with differences marked, code versions, one metric
// overlaid for all of them, and the code diff against the first.
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import uPlot from 'uplot';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { axis, numberAxis, UPlotChart } from '../components/UPlotChart';
import { StatusBadge } from '../components/StatusBadge';
import { CodeComparison } from '../components/CodeComparison';
import { Empty, ErrorState, Loading } from '../components/States';
import { numberFormatFor } from '../lib/format';
import { MAX_POINTS, STEP_INCREMENTS } from '../components/MetricCharts';
import { useTitle } from '../lib/useTitle';

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
  const [onlyDiff, setOnlyDiff] = useState(false);

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
  const paramKeys = [...new Set(list.flatMap((x) => Object.keys(x.params)))];
  const metricKeys = [...new Set(list.flatMap((x) => Object.keys(x.lastMetrics)))];
  const differs = (vals: unknown[]) => new Set(vals.map((v) => JSON.stringify(v ?? null))).size > 1;
  const rows = paramKeys
    .map((k) => ({ k, vals: list.map((x) => x.params[k]) }))
    .map((r) => ({ ...r, diff: differs(r.vals) }));
  const shown = onlyDiff ? rows.filter((r) => r.diff) : rows;
  const project = list[0].projectName;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <nav aria-label="Breadcrumb" className="crumbs">
            <Link to="/">Projects</Link> /{' '}
            <Link to={`/projects/${encodeURIComponent(project)}`}>{project}</Link> /{' '}
            <span aria-current="page">compare</span>
          </nav>
          <h1>Compare {list.length} experiments</h1>
        </div>
      </header>
      <section className="section" aria-labelledby="cmp-params-title">
        <div className="section-head">
          <h2 id="cmp-params-title">Params</h2>
          <label className="check">
            <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> Only
            differences
          </label>
        </div>
        <div className="table-scroll">
          <table className="table compare" aria-label="Params and metrics side by side">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Field</span>
                </th>
                {list.map((x) => (
                  <th key={x.id} scope="col">
                    <Link to={`/experiments/${x.id}`}>#{x.id}</Link> <StatusBadge status={x.status} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.k} className={r.diff ? 'differs' : undefined}>
                  <th scope="row">
                    {r.k}
                    {r.diff && (
                      <span className="diff-mark" title="Values differ">
                        {' '}
                        ≠
                      </span>
                    )}
                  </th>
                  {r.vals.map((v, i) => (
                    <td key={i} className="num mono">
                      {numberFormatFor(r.vals)(v)}
                    </td>
                  ))}
                </tr>
              ))}
              {metricKeys.map((k) => (
                <tr key={`m:${k}`} className="metric-row">
                  <th scope="row">{k} (last)</th>
                  {list.map((x) => (
                    <td key={x.id} className="num mono">
                      {numberFormatFor(list.map((y) => y.lastMetrics[k]))(x.lastMetrics[k])}
                    </td>
                  ))}
                </tr>
              ))}
              <tr>
                <th scope="row">code</th>
                {list.map((x) => (
                  <td key={x.id} className="mono small">
                    {x.code?.kind === 'git'
                      ? `${x.code.commit?.slice(0, 10) ?? '—'}${x.code.dirty ? ' +dirty' : ''}`
                      : (x.code?.contentHash?.slice(0, 10) ?? '—')}
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
        {onlyDiff && !shown.length && <p className="muted">All params are the same.</p>}
      </section>
      {metricKeys.length > 0 ? (
        <OverlaidMetric ids={list.map((x) => x.id)} keys={metricKeys} />
      ) : (
        <p className="muted">None of these experiments has reported a metric.</p>
      )}
      <CodeComparison ids={list.map((x) => x.id)} />
    </div>
  );
}

function OverlaidMetric({ ids, keys }: { ids: number[]; keys: string[] }) {
  const [key, setKey] = useState(keys[0]);
  const k = keys.includes(key) ? key : keys[0];
  const series = useAsync(
    () =>
      Promise.all(
        ids.map((id) => call('experiments.metricSeries', { id, keys: [k], maxPoints: MAX_POINTS })),
      ),
    [ids.join(','), k],
  );
  const data = useMemo(() => {
    if (!series.data) return null;
    const tables = series.data.map((s): uPlot.AlignedData => {
      const pts = s.find((x) => x.key === k)?.points ?? [];
      return [pts.map((p) => p.step), pts.map((p) => p.value)];
    });
    return uPlot.join(tables);
  }, [series.data, k]);

  return (
    <section className="card section" aria-labelledby="overlay-title">
      <div className="section-head">
        <h2 id="overlay-title">{k}, overlaid</h2>
        <label>
          Metric{' '}
          <select value={k} onChange={(e) => setKey(e.target.value)}>
            {keys.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
      </div>
      {series.error ? (
        <ErrorState error={`The metric could not be read: ${series.error}`} onRetry={series.reload} />
      ) : !data ? (
        <Loading what={k} />
      ) : (
        <UPlotChart
          label={`${k} by step for experiments ${ids.join(', ')}`}
          optionsKey={`${k}:${ids.join(',')}`}
          data={data}
          height={300}
          options={(t) => ({
            axes: [
              axis(t, { label: 'step', incrs: STEP_INCREMENTS, space: 80 }),
              numberAxis(t, { size: 70 }),
            ],
            scales: { x: { time: false } },
            series: [
              { label: 'step' },
              ...ids.map((id, i) => ({
                label: `#${id}`,
                stroke: t.palette[i % t.palette.length],
                width: 1.5,
                spanGaps: true,
                dash: i >= t.palette.length ? [6, 4] : undefined,
                points: { show: false },
              })),
            ],
          })}
        />
      )}
    </section>
  );
}
