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

/** Series colours that stay apart for colour-blind readers (Okabe–Ito), tuned per theme. */
const PALETTE = {
  light: ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#7a6a00', '#444444'],
  dark: ['#56b4e9', '#f0a35e', '#3fd1a3', '#e09bc7', '#f0c34a', '#9ecbff', '#d8d27a', '#cccccc'],
};

export function chartTheme(theme: 'light' | 'dark'): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  return {
    text: css.getPropertyValue('--text-muted').trim() || (theme === 'dark' ? '#b8c0cc' : '#4a5261'),
    grid: css.getPropertyValue('--border').trim() || (theme === 'dark' ? '#333a45' : '#dde1e7'),
    palette: PALETTE[theme],
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
