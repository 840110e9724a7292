// One chart panel of metric lines: several metrics of one run (loss with val_loss) or one metric of several
// runs (overlays), each line with the min/max band of the engine's buckets. Zoom reads finer data: a drag
// across the chart asks experiments.metricSeries for the visible step range (throttled; lib/zoomDetail
// decides when), splices it into the overview, and a reset (double click, or the button) goes back to it.
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type uPlot from 'uplot';
import { call, errorMessage, type MetricSeries } from '../api';
import { axis, numberAxis, resetZoom, UPlotChart, xRange } from './UPlotChart';
import { formatNumber } from '../lib/format';
import { smoothEma } from '../lib/smoothing';
import { throttle } from '../lib/debounce';
import { alignColumns, mergeDetail, zoomDecision, type DetailRange, type StepPoint } from '../lib/zoomDetail';

export const MAX_POINTS = 2000;

/** Steps are whole numbers: ticks at 1, 2, 5 × 10^k. */
export const STEP_INCREMENTS = Array.from({ length: 12 }, (_, k) => [1, 2, 5].map((m) => m * 10 ** k)).flat();

export interface PanelLine {
  /** Unique in the panel: `${runId}:${key}`. */
  id: string;
  runId: number;
  key: string;
  label: string;
  /** Index into the theme's chart palette. */
  color: number;
  dashed?: boolean;
  /** The overview: the whole run in at most MAX_POINTS buckets. */
  series: MetricSeries | undefined;
}

interface Detail {
  range: DetailRange;
  byLine: Map<string, StepPoint[]>;
}

interface Props {
  title: string;
  /** data-metric of the figure: its metrics, space-separated. */
  metrics: string[];
  lines: PanelLine[];
  xAxis: 'step' | 'time';
  logScale: boolean;
  smoothing: number;
  /** Beside the title: the panel's own controls (which metrics it shows). */
  menu?: ReactNode;
  height?: number;
}

/** The same lines as last render when nothing in them changed: callers build the array anew each render, and
 * a new array would redraw the chart. */
function useStableLines(lines: PanelLine[]): PanelLine[] {
  const held = useRef(lines);
  const prev = held.current;
  const same =
    prev.length === lines.length &&
    prev.every((p, i) => {
      const l = lines[i];
      return (
        p.id === l.id &&
        p.label === l.label &&
        p.color === l.color &&
        p.dashed === l.dashed &&
        p.series === l.series
      );
    });
  if (!same) held.current = lines;
  return held.current;
}

export function MetricPanel({
  title,
  metrics,
  lines: given,
  xAxis,
  logScale,
  smoothing,
  menu,
  height,
}: Props) {
  const lines = useStableLines(given);
  const [view, setView] = useState<[number, number] | null>(null);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const plotRef = useRef<uPlot | null>(null);
  const smoothed = smoothing > 0;

  const extent = useMemo((): [number, number] => {
    const steps = lines.flatMap((l) => {
      const p = l.series?.points ?? [];
      return p.length ? [p[0].step, p[p.length - 1].step] : [];
    });
    return steps.length ? [Math.min(...steps), Math.max(...steps)] : [0, 0];
  }, [lines]);
  const downsampled = lines.some((l) => !!l.series && l.series.total > l.series.points.length);

  // The zoom handler is made once; it reads what is current through this ref.
  const now = useRef({ extent, downsampled, detail, lines, xAxis });
  now.current = { extent, downsampled, detail, lines, xAxis };
  const seq = useRef(0);
  const onRange = useMemo(
    () =>
      throttle((v: [number, number] | null) => {
        const s = now.current;
        if (s.xAxis !== 'step') return;
        const d = zoomDecision(v, {
          extent: s.extent,
          downsampled: s.downsampled,
          detail: s.detail?.range ?? null,
        });
        if (d.kind === 'overview') {
          if (s.detail) {
            seq.current++;
            setDetail(null);
          }
          return;
        }
        if (d.kind === 'keep') return;
        const mine = ++seq.current;
        const byRun = new Map<number, string[]>();
        for (const l of s.lines) byRun.set(l.runId, [...(byRun.get(l.runId) ?? []), l.key]);
        void Promise.all(
          [...byRun].map(([id, keys]) =>
            call('experiments.metricSeries', {
              id,
              keys,
              maxPoints: MAX_POINTS,
              fromStep: d.fromStep,
              toStep: d.toStep,
            }).then((series) => ({ id, series })),
          ),
        ).then(
          (read) => {
            if (mine !== seq.current) return;
            const byLine = new Map<string, StepPoint[]>();
            let complete = true;
            for (const { id, series } of read)
              for (const sr of series) {
                byLine.set(`${id}:${sr.key}`, sr.points);
                if (sr.total > sr.points.length) complete = false;
              }
            setDetailError(null);
            setDetail({ range: { from: d.fromStep, to: d.toStep, complete }, byLine });
          },
          (e) => {
            if (mine === seq.current) setDetailError(errorMessage(e));
          },
        );
      }, 300),
    [],
  );
  useEffect(
    () => () => {
      onRange.cancel();
      seq.current++;
    },
    [onRange],
  );

  // Columns: x, then per line its value (raw, faint when smoothed), [min, max], [the smoothed line].
  const { data, layout, drawn, banded } = useMemo(() => {
    const tables: Array<{ x: number[]; cols: Array<Array<number | null>> }> = [];
    const layout: Array<{ line: PanelLine; banded: boolean }> = [];
    let drawn = 0;
    for (const line of lines) {
      let pts = line.series?.points ?? [];
      const fine = detail?.byLine.get(line.id);
      if (detail && fine && xAxis === 'step')
        pts = mergeDetail(pts, fine, detail.range.from, detail.range.to);
      if (xAxis === 'time') pts = [...pts].sort((a, b) => a.ts - b.ts);
      const value = pts.map((p) => p.value);
      const banded = pts.some((p) => p.min !== p.max);
      const cols: Array<Array<number | null>> = [value];
      if (banded)
        cols.push(
          pts.map((p) => p.min),
          pts.map((p) => p.max),
        );
      if (smoothed) cols.push(smoothEma(value, smoothing));
      tables.push({ x: pts.map((p) => (xAxis === 'time' ? p.ts : p.step)), cols });
      layout.push({ line, banded });
      drawn += pts.length;
    }
    const aligned = tables.length === 1 ? tables[0] : alignColumns(tables);
    return {
      data: [aligned.x, ...aligned.cols] as uPlot.AlignedData,
      layout,
      drawn,
      banded: layout.some((l) => l.banded),
    };
  }, [lines, detail, xAxis, smoothed, smoothing]);

  const single = lines.length === 1 ? lines[0] : null;
  const last = single?.series?.points[single.series.points.length - 1];
  const shape = layout.map((l) => `${l.line.id}/${l.line.color}/${l.banded}`).join(',');

  return (
    <figure
      className="card chart-card"
      data-metric={metrics.join(' ')}
      data-zoomed={view ? 'true' : 'false'}
      data-log={logScale ? 'true' : 'false'}
    >
      <figcaption className="panel-caption">
        <span>
          <strong>{title}</strong>{' '}
          <span className="muted">
            {single ? `last ${formatNumber(last?.value)} · ` : ''}
            {drawn.toLocaleString()} points drawn
            {banded && single ? ' · band: min–max per bucket' : ''}
          </span>
          {view && (
            <span
              className="muted small"
              data-detail={detail ? `${detail.range.from}-${detail.range.to}` : ''}
            >
              {' · '}
              {detail
                ? `steps ${detail.range.from.toLocaleString()}–${detail.range.to.toLocaleString()} ${detail.range.complete ? 'in full' : 'in finer buckets'}`
                : downsampled && xAxis === 'step'
                  ? 'reading finer data…'
                  : 'zoomed'}
            </span>
          )}
          {detailError && (
            <span className="form-error small"> · finer data could not be read: {detailError}</span>
          )}
        </span>
        <span className="panel-tools">
          {view && (
            <button type="button" className="small" onClick={() => resetZoom(plotRef.current)}>
              Reset zoom
            </button>
          )}
          {menu}
        </span>
      </figcaption>
      <UPlotChart
        label={`Chart of ${title} by ${xAxis}`}
        optionsKey={`${shape}:${logScale}:${xAxis}:${smoothed}`}
        data={data}
        height={height}
        plotRef={plotRef}
        zoomKey={xAxis}
        onXRange={(v) => {
          setView((old) => (v === null ? null : old && old[0] === v[0] && old[1] === v[1] ? old : v));
          onRange(v);
        }}
        options={(t) => {
          const series: uPlot.Series[] = [{ label: xAxis }];
          const bands: uPlot.Band[] = [];
          const hidden: number[] = [];
          for (const { line, banded: b } of layout) {
            const color = t.palette[line.color % t.palette.length];
            const dash = line.dashed ? [6, 4] : undefined;
            series.push({
              label: smoothed ? `${line.label} (raw)` : line.label,
              stroke: smoothed ? `${color}66` : color,
              width: smoothed ? 1 : 1.5,
              dash,
              spanGaps: true,
              points: { show: false },
            });
            if (b) {
              const minIdx = series.length;
              const band = { stroke: 'transparent', spanGaps: true, points: { show: false } };
              series.push({ ...band, label: single ? 'min' : `${line.label} min` });
              series.push({ ...band, label: single ? 'max' : `${line.label} max` });
              bands.push({ series: [minIdx + 1, minIdx], fill: `${color}33` });
              if (!single) hidden.push(minIdx, minIdx + 1);
            }
            if (smoothed)
              series.push({
                label: `${line.label} (smoothed)`,
                stroke: color,
                width: 2,
                dash,
                spanGaps: true,
                points: { show: false },
              });
          }
          return {
            scales: {
              x: { time: xAxis === 'time', range: xRange(xAxis === 'time') },
              y: logScale ? { distr: 3 } : {},
            },
            axes: [
              axis(t, xAxis === 'time' ? {} : { label: 'step', incrs: STEP_INCREMENTS, space: 80 }),
              numberAxis(t, { size: 70 }, logScale),
            ],
            series,
            bands,
            legend: { show: true },
            cursor: { drag: { x: true, y: false } },
            // Several lines: their bands' min/max rows would crowd the legend.
            hooks: {
              init: [
                (u: uPlot) => {
                  const rows = u.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
                  for (const i of hidden) if (rows[i]) rows[i].style.display = 'none';
                },
              ],
            },
          };
        }}
      />
    </figure>
  );
}
