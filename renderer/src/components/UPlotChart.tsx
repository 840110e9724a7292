// uPlot in React: the chart is made once per `optionsKey` (and theme), data changes go through setData,
// and the width follows the container. Colours come from the theme's CSS variables.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useSettings } from '../stores/settings';

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

interface Props {
  /** Options without width/height; called again only when `optionsKey` or the theme changes. */
  options(theme: ChartTheme): Omit<uPlot.Options, 'width' | 'height'>;
  optionsKey: string;
  data: uPlot.AlignedData;
  height?: number;
  label: string;
}

export function UPlotChart({ options, optionsKey, data, height = 240, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useSettings((s) => s.theme);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts = { ...options(chartTheme(theme)), width: Math.max(200, el.clientWidth), height };
    const u = new uPlot(opts as uPlot.Options, latest.current, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // `options` is a fresh function each render; `optionsKey` says when it really changed.
  }, [optionsKey, theme, height]);

  useEffect(() => {
    const u = plot.current;
    if (u && u.data !== data) u.setData(data);
  }, [data]);

  return <div ref={host} className="chart" role="img" aria-label={label} />;
}
