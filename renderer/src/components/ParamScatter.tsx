// A metric against one param, one point per experiment (uPlot, points only). Text params are placed on
// an axis of their distinct values.
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { Experiment } from '../../../shared/domain';
import { axis, numberAxis, UPlotChart } from './UPlotChart';
import { formatNumber } from '../lib/format';

interface Props {
  experiments: Experiment[];
  params: string[];
  metrics: string[];
  defaultMetric?: string;
}

export function ParamScatter({ experiments, params, metrics, defaultMetric }: Props) {
  // The first param that varies is the interesting one.
  const varying = useMemo(
    () =>
      params.find((k) => new Set(experiments.map((x) => JSON.stringify(x.params[k]))).size > 1) ?? params[0],
    [params, experiments],
  );
  const [param, setParam] = useState<string | null>(null);
  const [metric, setMetric] = useState(
    defaultMetric && metrics.includes(defaultMetric) ? defaultMetric : metrics[0],
  );
  const p = param && params.includes(param) ? param : varying;
  const m = metrics.includes(metric) ? metric : metrics[0];

  const { data, categories, count } = useMemo(() => {
    const pts = experiments
      .filter((x) => x.params[p] !== undefined && typeof x.lastMetrics[m] === 'number')
      .map((x) => ({ raw: x.params[p], y: x.lastMetrics[m] }));
    const numeric = pts.every((q) => typeof q.raw === 'number');
    const cats = numeric ? null : [...new Set(pts.map((q) => formatNumber(q.raw)))].sort();
    const xy = pts
      .map((q) => ({ x: numeric ? (q.raw as number) : cats!.indexOf(formatNumber(q.raw)), y: q.y }))
      .sort((a, b) => a.x - b.x);
    const d: uPlot.AlignedData = [xy.map((q) => q.x), xy.map((q) => q.y)];
    return { data: d, categories: cats, count: xy.length };
  }, [experiments, p, m]);

  return (
    <section className="card section" aria-labelledby="scatter-title">
      <div className="section-head">
        <h2 id="scatter-title">
          {m} against {p}
        </h2>
        <div className="toolbar">
          <label>
            Param{' '}
            <select value={p} onChange={(e) => setParam(e.target.value)}>
              {params.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label>
            Metric{' '}
            <select value={m} onChange={(e) => setMetric(e.target.value)}>
              {metrics.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {count === 0 ? (
        <p className="muted">
          No experiment has both {p} and {m} yet.
        </p>
      ) : (
        <UPlotChart
          label={`Scatter of ${m} against ${p}, ${count} experiments`}
          optionsKey={`${p}:${m}:${categories?.join('|') ?? ''}`}
          data={data}
          height={260}
          options={(t) => ({
            scales: {
              x: {
                time: false,
                range: (_u, lo, hi) =>
                  lo === hi ? [lo - 1, hi + 1] : [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05],
              },
            },
            axes: [
              axis(t, {
                label: p,
                values: categories
                  ? (_u, v) => v.map((i) => (Number.isInteger(i) ? (categories[i] ?? '') : ''))
                  : undefined,
              }),
              numberAxis(t, { label: m, size: 70 }),
            ],
            series: [
              { label: p },
              {
                label: m,
                stroke: t.palette[1],
                paths: () => null,
                points: { show: true, size: 9, fill: t.palette[1] },
              },
            ],
            cursor: { drag: { x: false, y: false } },
          })}
        />
      )}
    </section>
  );
}
