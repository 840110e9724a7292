// The metrics of several runs overlaid: one panel per metric, one line per run, each run in its own colour
// (lib/runColors: the same run keeps its colour in every panel, on the project page and on Compare, whose
// column headers carry it too). Panels are grouped by prefix and found by the search over metric names, and
// zoom reads finer data for the visible range, as on the experiment page. Live: re-read at most once a
// second while a shown run logs.
import { useEffect, useMemo, useState } from 'react';
import { call, subscribe } from '../api';
import { useAsync } from '../lib/useAsync';
import { throttle } from '../lib/debounce';
import { useExperiments } from '../stores/experiments';
import { buildPanels, groupSections, ownPanel, panelMatches } from '../lib/metricPanels';
import { cssChartColor, runColors } from '../lib/runColors';
import { MAX_POINTS, MetricPanel, type PanelLine } from './MetricPanel';
import { ChartControls, MetricSections, positiveIn, useChartControls } from './MetricSections';
import { ErrorBoundary } from './ErrorBoundary';
import { ErrorState, Loading } from './States';

/** More runs than this are not overlaid (the charts would be unreadable and the reads heavy). */
export const MAX_OVERLAY_RUNS = 20;
/** Panels drawn before "Show all": each is a chart of every run. */
const FIRST_PANELS = 12;

export function RunsOverlay({
  ids: asked,
  title = 'Selected runs, overlaid',
  titleId = 'runs-overlay-title',
  names = {},
}: {
  ids: number[];
  title?: string;
  titleId?: string;
  /** Run names where the page has them (else the experiments store's). */
  names?: Record<number, string | null>;
}) {
  const ids = useMemo(() => [...new Set(asked)].slice(0, MAX_OVERLAY_RUNS), [asked.join(',')]);
  if (!ids.length) return null;
  return (
    <section className="section runs-overlay" aria-labelledby={titleId} data-runs={ids.join(',')}>
      <div className="section-head">
        <h2 id={titleId}>
          {title} <span className="muted small">{ids.length === 1 ? '1 run' : `${ids.length} runs`}</span>
        </h2>
      </div>
      {asked.length > MAX_OVERLAY_RUNS && (
        <p className="muted small">The first {MAX_OVERLAY_RUNS} selected runs are overlaid.</p>
      )}
      <Overlay ids={ids} names={names} />
    </section>
  );
}

function Overlay({ ids, names }: { ids: number[]; names: Record<number, string | null> }) {
  const idsKey = ids.join(',');
  const read = useAsync(
    () => Promise.all(ids.map((id) => call('experiments.metricSeries', { id, maxPoints: MAX_POINTS }))),
    [idsKey],
  );
  const { reload } = read;
  useEffect(() => {
    const mine = new Set(ids);
    const again = throttle(reload, 1000);
    const off = subscribe('metrics.appended', (m) => {
      if (mine.has(m.experimentId)) again();
    });
    return () => {
      off();
      again.cancel();
    };
  }, [idsKey, reload]);
  const byId = useExperiments((s) => s.byId);
  const controls = useChartControls();
  const [all, setAll] = useState(false);
  const colors = useMemo(() => runColors(ids), [idsKey]);

  const keys = useMemo(
    () => [...new Set((read.data ?? []).flatMap((list) => list.map((s) => s.key)))],
    [read.data],
  );
  // Overlays: one metric per panel, its runs as the lines.
  const panels = useMemo(
    () => buildPanels(keys, Object.fromEntries(keys.map((k) => [k, ownPanel(k)]))),
    [keys],
  );

  if (read.error) return <ErrorState error={`Metrics could not be read: ${read.error}`} onRetry={reload} />;
  if (!read.data) return <Loading what="metrics" />;
  if (!keys.length) return <p className="muted">None of these runs has reported a metric.</p>;

  const series = new Map(ids.map((id, i) => [id, new Map(read.data![i].map((s) => [s.key, s]))]));
  const label = (id: number) => {
    const name = names[id] ?? byId[id]?.name;
    return `#${id}${name ? ` ${name}` : ''}`;
  };
  const found = panels.filter((p) => panelMatches(p, controls.query));
  const shown = all ? found : found.slice(0, FIRST_PANELS);
  // Per panel (one metric of every run): a panel with a value ≤ 0 stays linear, the others follow the switch.
  const keyPositive = (k: string) =>
    ids.every(
      (id) =>
        series
          .get(id)!
          .get(k)
          ?.points.every((p) => p.min > 0) ?? true,
    );
  const positive = positiveIn(shown.map((p) => keyPositive(p.keys[0])));

  return (
    <>
      <ul className="run-legend" aria-label="Run colours">
        {ids.map((id) => {
          const c = colors.get(id)!;
          return (
            <li key={id} data-run={id} data-color={c.index}>
              <span
                className={`run-swatch${c.dashed ? ' dashed' : ''}`}
                style={{ color: cssChartColor(c.index) }}
                aria-hidden="true"
              />
              {label(id)}
            </li>
          );
        })}
      </ul>
      <ChartControls controls={controls} positive={positive} found={found.length} total={panels.length} />
      <MetricSections
        sections={groupSections(shown)}
        render={(p) => {
          const k = p.keys[0];
          const lines = ids
            .filter((id) => series.get(id)!.has(k))
            .map((id): PanelLine => ({
              id: `${id}:${k}`,
              runId: id,
              key: k,
              label: label(id),
              color: colors.get(id)!.index,
              dashed: colors.get(id)!.dashed,
              series: series.get(id)!.get(k),
            }));
          return (
            <ErrorBoundary key={k} what={`the chart of ${k}`}>
              <MetricPanel
                title={k}
                metrics={[k]}
                lines={lines}
                xAxis={controls.xAxis}
                logScale={controls.logScale && keyPositive(k)}
                smoothing={controls.smoothing}
              />
            </ErrorBoundary>
          );
        }}
      />
      {found.length > shown.length && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {found.length} metrics
        </button>
      )}
    </>
  );
}
