// The metric charts of one experiment: one uPlot per key, from experiments.metricSeries (downsampled by the
// engine, so a 1,000,000-point metric draws at once), with the min/max band of each bucket, a step or time
// axis, a log scale and smoothing (debiased EMA, the raw line kept faint). Live: metrics.appended for this experiment re-reads the series at most once a
// second, throttled (a debounce never fired for a job logging more often than once a second).
import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { call, subscribe, type MetricSeries } from '../api';
import { useAsync } from '../lib/useAsync';
import { throttle } from '../lib/debounce';
import { axis, numberAxis, UPlotChart, xRange } from './UPlotChart';
import { ErrorBoundary } from './ErrorBoundary';
import { useConnection } from '../stores/connection';
import { Empty, ErrorState, Loading } from './States';
import { formatNumber } from '../lib/format';
import { smoothEma } from '../lib/smoothing';

export const MAX_POINTS = 2000;

/** Steps are whole numbers: ticks at 1, 2, 5 × 10^k. */
export const STEP_INCREMENTS = Array.from({ length: 12 }, (_, k) => [1, 2, 5].map((m) => m * 10 ** k)).flat();

export function MetricCharts({ experimentId }: { experimentId: number }) {
  const series = useAsync(
    () => call('experiments.metricSeries', { id: experimentId, maxPoints: MAX_POINTS }),
    [experimentId],
  );
  const [logScale, setLogScale] = useState(false);
  const [xAxis, setXAxis] = useState<'step' | 'time'>('step');
  const [smoothing, setSmoothing] = useState(0);
  const { reload } = series;
  const epoch = useConnection((s) => s.epoch);

  useEffect(() => {
    const again = throttle(reload, 1000);
    const off = subscribe('metrics.appended', (m) => {
      if (m.experimentId === experimentId) again();
    });
    return () => {
      off();
      again.cancel();
    };
  }, [experimentId, reload]);
  // Back from a disconnection: points logged meanwhile were never announced.
  const [seenEpoch, setSeenEpoch] = useState(epoch);
  useEffect(() => {
    if (epoch === seenEpoch) return;
    setSeenEpoch(epoch);
    reload();
  }, [epoch, seenEpoch, reload]);

  if (series.error)
    return <ErrorState error={`Metrics could not be read: ${series.error}`} onRetry={series.reload} />;
  if (!series.data) return <Loading what="metrics" />;
  if (!series.data.length)
    return (
      <Empty title="No metrics yet">
        A job reports metrics by printing <code>@@axon {'{"metrics": {"loss": 0.2}, "step": 1}'}</code> lines;
        the Python client does it for you: <code>tracking.log_metrics(step=i, loss=loss)</code>.
      </Empty>
    );

  const positive = series.data.every((s) => s.points.every((p) => p.min > 0));
  return (
    <section aria-label="Metric charts">
      <div className="toolbar" role="toolbar" aria-label="Chart controls">
        <label className="check">
          <input
            type="checkbox"
            checked={logScale && positive}
            disabled={!positive}
            onChange={(e) => setLogScale(e.target.checked)}
          />{' '}
          Log scale{positive ? '' : ' (needs values above 0)'}
        </label>
        <label>
          Smoothing{' '}
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setSmoothing(Number(e.target.value))}
            aria-valuetext={smoothing ? `exponential moving average, weight ${smoothing}` : 'off'}
          />{' '}
          <span className="mono small">{smoothing ? smoothing.toFixed(2) : 'off'}</span>
        </label>
        <label>
          X axis{' '}
          <select value={xAxis} onChange={(e) => setXAxis(e.target.value as 'step' | 'time')}>
            <option value="step">Step</option>
            <option value="time">Time</option>
          </select>
        </label>
      </div>
      <div className="chart-grid">
        {series.data.map((s) => (
          <ErrorBoundary key={s.key} what={`the chart of ${s.key}`}>
            <MetricChart series={s} logScale={logScale && positive} xAxis={xAxis} smoothing={smoothing} />
          </ErrorBoundary>
        ))}
      </div>
    </section>
  );
}

function MetricChart({
  series,
  logScale,
  xAxis,
  smoothing,
}: {
  series: MetricSeries;
  logScale: boolean;
  xAxis: 'step' | 'time';
  smoothing: number;
}) {
  const banded = series.points.some((p) => p.min !== p.max);
  const smoothed = smoothing > 0;
  // Columns: x, the value (raw, faint when smoothed), [min, max], [the smoothed line].
  const data = useMemo<uPlot.AlignedData>(() => {
    const pts = xAxis === 'time' ? [...series.points].sort((a, b) => a.ts - b.ts) : series.points;
    const x = pts.map((p) => (xAxis === 'time' ? p.ts : p.step));
    const value = pts.map((p) => p.value);
    const cols: uPlot.AlignedData = banded
      ? [x, value, pts.map((p) => p.min), pts.map((p) => p.max)]
      : [x, value];
    return smoothed ? [...cols, smoothEma(value, smoothing)] : cols;
  }, [series, xAxis, banded, smoothed, smoothing]);
  const last = series.points[series.points.length - 1];

  return (
    <figure className="card chart-card" data-metric={series.key}>
      <figcaption>
        <strong>{series.key}</strong>{' '}
        <span className="muted">
          last {formatNumber(last?.value)} · {series.points.length.toLocaleString()} points drawn
          {banded ? ' · band: min–max per bucket' : ''}
        </span>
      </figcaption>
      <UPlotChart
        label={`Chart of ${series.key} by ${xAxis}`}
        optionsKey={`${series.key}:${logScale}:${xAxis}:${banded}:${smoothed}`}
        data={data}
        options={(t) => ({
          scales: {
            x: { time: xAxis === 'time', range: xRange(xAxis === 'time') },
            y: logScale ? { distr: 3 } : {},
          },
          axes: [
            axis(t, xAxis === 'time' ? {} : { label: 'step', incrs: STEP_INCREMENTS, space: 80 }),
            numberAxis(t, { size: 70 }, logScale),
          ],
          series: [
            { label: xAxis },
            {
              label: smoothed ? `${series.key} (raw)` : series.key,
              stroke: smoothed ? `${t.palette[0]}66` : t.palette[0],
              width: smoothed ? 1 : 1.5,
              points: { show: false },
            },
            ...(banded
              ? [
                  { label: 'min', stroke: 'transparent', points: { show: false } },
                  { label: 'max', stroke: 'transparent', points: { show: false } },
                ]
              : []),
            ...(smoothed
              ? [
                  {
                    label: `${series.key} (smoothed)`,
                    stroke: t.palette[0],
                    width: 2,
                    points: { show: false },
                  },
                ]
              : []),
          ],
          bands: banded ? [{ series: [3, 2], fill: `${t.palette[0]}33` }] : [],
          legend: { show: true },
          cursor: { drag: { x: true, y: false } },
        })}
      />
    </figure>
  );
}
