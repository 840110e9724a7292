// What the experiment's metric charts and the runs overlay share: the chart controls (log scale,
// smoothing, x axis, the search over metric names) and the panels laid out in collapsible sections by
// prefix (`train/`, `val/`), the unprefixed ones first.
import { useState, type ReactNode } from 'react';
import type { Panel, Section } from '../lib/metricPanels';
import { Empty } from './States';
import './metricPanels.css';

export interface ChartControlState {
  logScale: boolean;
  xAxis: 'step' | 'time';
  smoothing: number;
  query: string;
  set(change: Partial<Omit<ChartControlState, 'set'>>): void;
}

export function useChartControls(): ChartControlState {
  const [s, setS] = useState({ logScale: false, xAxis: 'step' as 'step' | 'time', smoothing: 0, query: '' });
  return { ...s, set: (change) => setS((old) => ({ ...old, ...change })) };
}

/** Which of the panels can be drawn on a log scale, for ChartControls. */
export function positiveIn(panels: boolean[]): 'all' | 'some' | 'none' {
  const n = panels.filter(Boolean).length;
  return n === 0 ? 'none' : n === panels.length ? 'all' : 'some';
}

export function ChartControls({
  controls: c,
  positive,
  found,
  total,
  extra,
}: {
  controls: ChartControlState;
  /** Which panels have every value above 0 (a log scale can show them): the switch applies to those; the
   *  others stay linear (one run's accuracy of 0 used to keep every panel linear). */
  positive: 'all' | 'some' | 'none';
  found: number;
  total: number;
  extra?: ReactNode;
}) {
  return (
    <div className="toolbar metric-toolbar" role="toolbar" aria-label="Chart controls">
      <label className="search">
        <span className="sr-only">Search metrics</span>
        <input
          type="search"
          placeholder="Search metrics"
          value={c.query}
          onChange={(e) => c.set({ query: e.target.value })}
        />
      </label>
      <span className="muted small" aria-live="polite" data-panels-shown={found}>
        {c.query.trim() ? `${found} of ${total} panels` : `${total} panel${total === 1 ? '' : 's'}`}
      </span>
      <label className="check">
        <input
          type="checkbox"
          checked={c.logScale && positive !== 'none'}
          disabled={positive === 'none'}
          onChange={(e) => c.set({ logScale: e.target.checked })}
        />{' '}
        Log scale
        {positive === 'none'
          ? ' (needs values above 0)'
          : positive === 'some'
            ? ' (panels with a value ≤ 0 stay linear)'
            : ''}
      </label>
      <label>
        Smoothing{' '}
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={c.smoothing}
          onChange={(e) => c.set({ smoothing: Number(e.target.value) })}
          aria-valuetext={c.smoothing ? `exponential moving average, weight ${c.smoothing}` : 'off'}
        />{' '}
        <span className="mono small">{c.smoothing ? c.smoothing.toFixed(2) : 'off'}</span>
      </label>
      <label>
        X axis{' '}
        <select value={c.xAxis} onChange={(e) => c.set({ xAxis: e.target.value as 'step' | 'time' })}>
          <option value="step">Step</option>
          <option value="time">Time</option>
        </select>
      </label>
      {extra}
      <span className="muted small">
        Drag across a chart to zoom in (finer data is read); double-click to zoom out.
      </span>
    </div>
  );
}

/**
 * The panels by section. With only unprefixed metrics there is one plain grid; otherwise each section is a
 * disclosure ("train/ · 3 panels") whose charts are made only while it is open.
 */
export function MetricSections({
  sections,
  render,
}: {
  sections: Section[];
  render(panel: Panel): ReactNode;
}) {
  const [closed, setClosed] = useState<Set<string>>(new Set());
  if (!sections.length)
    return <Empty title="No metric matches the search">Clear the search or try part of a name.</Empty>;
  if (sections.length === 1 && sections[0].name === '')
    return <div className="chart-grid">{sections[0].panels.map(render)}</div>;
  return (
    <>
      {sections.map((s) => {
        const open = !closed.has(s.name);
        return (
          <details
            key={s.name}
            className="metric-section"
            data-section={s.name}
            open={open}
            onToggle={(e) => {
              const now = (e.currentTarget as HTMLDetailsElement).open;
              if (now !== open)
                setClosed((c) => {
                  const n = new Set(c);
                  if (now) n.delete(s.name);
                  else n.add(s.name);
                  return n;
                });
            }}
          >
            <summary>
              <span className="mono">{s.name ? `${s.name}/` : 'Charts'}</span>{' '}
              <span className="muted small">
                {s.panels.length} panel{s.panels.length === 1 ? '' : 's'}
              </span>
            </summary>
            {open && <div className="chart-grid">{s.panels.map(render)}</div>}
          </details>
        );
      })}
    </>
  );
}
