// A metric against one param, one point per experiment (uPlot, points only). Text params are placed on
// an axis of their distinct values; a param searched on a log scale (loguniform, logspace…), or positive
// numbers spanning two decades or more, on a log axis. It opens on the most important param (the page's
// importance), else the first that varies; a param every experiment shares is not offered.
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { Experiment } from '../../../shared/domain';
import { axis, numberAxis, UPlotChart } from './UPlotChart';
import { formatNumber } from '../lib/format';
import { varyingParams } from '../pages/experimentColumns';

interface Props {
  /** The experiments to plot (those the page's filters let through). */
  experiments: Experiment[];
  /** How many there are without the filters, when they leave some out. */
  total?: number;
  /** Every param key; `scales` says which the search samples on a log scale. */
  params: string[];
  scales?: Record<string, 'linear' | 'log' | 'categorical'>;
  metrics: string[];
  defaultMetric?: string;
  /** The param to open on (the most important one), when known. */
  preferred?: string;
}

export function ParamScatter({
  experiments,
  total,
  params,
  scales,
  metrics,
  defaultMetric,
  preferred,
}: Props) {
  const varying = useMemo(() => varyingParams(params, experiments), [params, experiments]);
  const choices = varying.length ? varying : params;
  const [param, setParam] = useState<string | null>(null);
  const [metric, setMetric] = useState(
    defaultMetric && metrics.includes(defaultMetric) ? defaultMetric : metrics[0],
  );
  const p =
    param && params.includes(param)
      ? param
      : preferred && choices.includes(preferred)
        ? preferred
        : choices[0];
  const m = metrics.includes(metric) ? metric : metrics[0];

  const { data, categories, count, log } = useMemo(() => {
    const pts = experiments
      .filter((x) => x.params[p] !== undefined && typeof x.lastMetrics[m] === 'number')
      .map((x) => ({ raw: x.params[p], y: x.lastMetrics[m] }));
    const numeric = pts.every((q) => typeof q.raw === 'number');
    const cats = numeric ? null : [...new Set(pts.map((q) => formatNumber(q.raw)))].sort();
    const xs = numeric ? pts.map((q) => q.raw as number) : [];
    const positive = numeric && xs.length > 0 && xs.every((v) => v > 0);
    const isLog = positive && (scales?.[p] === 'log' || Math.max(...xs) / Math.min(...xs) >= 100);
    const xy = pts
      .map((q) => ({ x: numeric ? (q.raw as number) : cats!.indexOf(formatNumber(q.raw)), y: q.y }))
      .sort((a, b) => a.x - b.x);
    const d: uPlot.AlignedData = [xy.map((q) => q.x), xy.map((q) => q.y)];
    return { data: d, categories: cats, count: xy.length, log: isLog };
  }, [experiments, p, m, scales]);

  return (
    <section className="card section" aria-labelledby="scatter-title">
      <div className="section-head">
        <h2 id="scatter-title">
          {m} against {p}
          {log ? <span className="muted"> (log)</span> : null}
        </h2>
        <div className="toolbar">
          <label>
            Param{' '}
            <select value={p} onChange={(e) => setParam(e.target.value)}>
              {choices.map((k) => (
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
      {total !== undefined && total > experiments.length && (
        <p className="small muted" data-shown={experiments.length}>
          {experiments.length} of {total} experiments: those the parallel-coordinates filters let through.
        </p>
      )}
      {count === 0 ? (
        <p className="muted">
          No experiment has both {p} and {m} yet.
        </p>
      ) : (
        <UPlotChart
          label={`Scatter of ${m} against ${p}${log ? ' (log scale)' : ''}, ${count} experiments`}
          optionsKey={`${p}:${m}:${log}:${categories?.join('|') ?? ''}`}
          data={data}
          height={260}
          options={(t) => ({
            scales: {
              x: log
                ? { time: false, distr: 3, log: 10 }
                : {
                    time: false,
                    range: (_u, lo, hi) =>
                      lo === hi ? [lo - 1, hi + 1] : [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05],
                  },
            },
            axes: [
              log
                ? numberAxis(t, { label: p }, true)
                : axis(t, {
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
