// uPlot in React: the chart is made once per `optionsKey` (and theme), data changes go through setData
// (keeping a zoomed x range), and the width follows the container. Colours come from the theme's CSS
// variables. A drag zooms the x axis, a double click goes back to all of it; `onXRange` hears both.
import { useEffect, useRef, type MutableRefObject } from 'react';
import { countInRange } from '../lib/zoomDetail';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useSettings } from '../stores/settings';
import { formatTicks, numberFormatFor } from '../lib/format';

export interface ChartTheme {
  text: string;
  grid: string;
  palette: string[];
}

/** The theme's chart colours: series from `--chart-1`…`--chart-8` (theme.css, tuned per theme). */
export function chartTheme(theme: 'light' | 'dark'): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text-muted', theme === 'dark' ? '#a9b2c0' : '#4f5868'),
    grid: v('--border', theme === 'dark' ? '#363d49' : '#d5dae2'),
    palette: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => v(`--chart-${i}`, theme === 'dark' ? '#cccccc' : '#444444')),
  };
}

export function axis(t: ChartTheme, extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: t.text,
    grid: { stroke: t.grid, width: 1 },
    ticks: { stroke: t.grid, width: 1 },
    ...extra,
  };
}

/** A numeric axis labelled in the dashboard's number format: every tick written alike, with the decimals
 * its step needs (lib/format formatTicks); on a log scale each tick as formatNumber writes it, alike. */
export function numberAxis(t: ChartTheme, extra: uPlot.Axis = {}, log = false): uPlot.Axis {
  return axis(t, {
    values: (_u, splits) => {
      if (!log) return formatTicks(splits);
      const f = numberFormatFor(splits);
      return splits.map((v) => (v == null ? '' : f(v)));
    },
    ...extra,
  });
}

/**
 * The x range a chart shows: uPlot's own, except that a single x value (one sample, one step) gets a
 * window around it rather than an auto range (a time axis then spanned years). `time`: x in seconds.
 */
export function xRange(time: boolean): uPlot.Range.Function {
  return (u, min, max) => {
    // uPlot widens a single time value to a day of its unit (86,400,000 s for seconds) before asking, so the
    // data say whether there is one x.
    const xs = u.data?.[0] ?? [];
    const only = xs.length > 0 && xs[0] === xs[xs.length - 1] ? (xs[0] as number) : null;
    if (only !== null && Number.isFinite(only)) {
      const pad = time ? 30 : Math.max(1, Math.abs(only) * 0.05);
      return [only - pad, only + pad];
    }
    if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
    return [min, max];
  };
}

interface Props {
  /** Options without width/height; called again only when `optionsKey` or the theme changes. */
  options(theme: ChartTheme): Omit<uPlot.Options, 'width' | 'height'>;
  optionsKey: string;
  data: uPlot.AlignedData;
  height?: number;
  label: string;
  /** The visible x range after a zoom, or null when the chart shows all of its data again. */
  onXRange?(range: [number, number] | null): void;
  /** The chart itself, for a caller that resets its zoom. */
  plotRef?: MutableRefObject<uPlot | null>;
  /** What the x values are (e.g. 'step'): while it stays the same, a zoomed x range outlives the chart being
   * made again (another theme, a log scale). Left out, a new chart shows all of its data. */
  zoomKey?: string;
}

/** Whether the x scale shows less than all of the chart's data. */
function zoomedIn(u: uPlot): boolean {
  const xs = u.data?.[0] ?? [];
  const { min, max } = u.scales.x ?? {};
  if (!xs.length || min == null || max == null) return false;
  return min > (xs[0] as number) || max < (xs[xs.length - 1] as number);
}

/** Goes back to all of the chart's data (what a double click does). */
export function resetZoom(u: uPlot | null): void {
  const xs = u?.data?.[0] ?? [];
  if (u && xs.length) u.setScale('x', { min: xs[0] as number, max: xs[xs.length - 1] as number });
}

export function UPlotChart({
  options,
  optionsKey,
  data,
  height = 240,
  label,
  onXRange,
  plotRef,
  zoomKey,
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useSettings((s) => s.theme);
  const latest = useRef(data);
  latest.current = data;
  const onRange = useRef(onXRange);
  onRange.current = onXRange;
  const kept = useRef<{ key: string; min: number; max: number } | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const base = options(chartTheme(theme));
    // What is drawn, for a reader of the page (tests, a bug report): each axis's tick labels and the x
    // range, on the chart's element after every draw.
    const labels: string[][] = [];
    const axes = base.axes?.map((a, i) =>
      typeof a.values === 'function'
        ? {
            ...a,
            values: (...args: Parameters<Extract<uPlot.Axis['values'], (...a: never[]) => unknown>>) => {
              const out = (a.values as (...x: typeof args) => Array<string | number | null>)(...args);
              labels[i] = out.map((v) => (v == null ? '' : String(v)));
              return out;
            },
          }
        : a,
    );
    const hooks = {
      ...base.hooks,
      draw: [
        ...(base.hooks?.draw ?? []),
        (u: uPlot) => {
          el.dataset.ticks = JSON.stringify(labels);
          const x = u.scales.x;
          if (x?.min != null && x.max != null) {
            el.dataset.xSpan = String(x.max - x.min);
            el.dataset.xMin = String(x.min);
            el.dataset.xMax = String(x.max);
            el.dataset.visiblePoints = String(countInRange(u.data[0] as number[], x.min, x.max));
          }
        },
      ],
      setScale: [
        ...(base.hooks?.setScale ?? []),
        (u: uPlot, key: string) => {
          if (key !== 'x') return;
          const { min, max } = u.scales.x;
          el.dataset.zoomed = String(zoomedIn(u));
          if (min != null && max != null) onRange.current?.(zoomedIn(u) ? [min, max] : null);
        },
      ],
    };
    const opts = { ...base, axes, hooks, width: Math.max(200, el.clientWidth), height };
    const u = new uPlot(opts as uPlot.Options, latest.current, el);
    plot.current = u;
    if (plotRef) plotRef.current = u;
    const zoom = kept.current;
    if (zoom && zoomKey !== undefined && zoom.key === zoomKey)
      u.setScale('x', { min: zoom.min, max: zoom.max });
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      const { min, max } = u.scales.x;
      kept.current =
        zoomKey !== undefined && zoomedIn(u) && min != null && max != null
          ? { key: zoomKey, min, max }
          : null;
      u.destroy();
      plot.current = null;
      if (plotRef) plotRef.current = null;
    };
    // `options` is a fresh function each render; `optionsKey` says when it really changed.
  }, [optionsKey, theme, height, zoomKey]);

  useEffect(() => {
    const u = plot.current;
    if (!u || u.data === data) return;
    if (!zoomedIn(u)) return u.setData(data);
    // Zoomed: new data (a live re-read, finer points for the range) must not undo the zoom.
    const { min, max } = u.scales.x;
    u.setData(data, false);
    u.setScale('x', { min: min!, max: max! });
  }, [data]);

  return <div ref={host} className="chart" role="img" aria-label={label} />;
}
