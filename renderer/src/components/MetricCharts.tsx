// The metric charts of one experiment, from experiments.metricSeries (downsampled by the engine, so a
// 1,000,000-point metric draws at once). Metrics that differ only by a split word (loss and val_loss,
// train/acc and val/acc) share a panel by default and the user moves metrics between panels (kept per
// project); panels are grouped in collapsible sections by prefix (train/, val/) and found by a search over
// metric names. Each panel zooms with finer data for the visible range (MetricPanel). Live:
// metrics.appended for this experiment re-reads the series at most once a second, throttled (a debounce
// never fired for a job logging more often than once a second).
import { useEffect, useMemo, useState } from 'react';
import { call, subscribe } from '../api';
import { useAsync } from '../lib/useAsync';
import { throttle } from '../lib/debounce';
import { ErrorBoundary } from './ErrorBoundary';
import { useConnection } from '../stores/connection';
import { Empty, ErrorState, Loading } from './States';
import {
  buildPanels,
  groupSections,
  moveMetric,
  ownPanel,
  panelMatches,
  parseOverrides,
  type Panel,
  type PanelId,
} from '../lib/metricPanels';
import { MAX_POINTS, MetricPanel, STEP_INCREMENTS, type PanelLine } from './MetricPanel';
import { ChartControls, MetricSections, positiveIn, useChartControls } from './MetricSections';

export { MAX_POINTS, STEP_INCREMENTS };

const layoutKey = (project: string | undefined) => `axon.metricPanels.${project ?? ''}`;

/** The user's panel choices for a project, kept in localStorage. */
function usePanelOverrides(project: string | undefined) {
  const [overrides, setOverrides] = useState<Record<string, PanelId>>(() =>
    parseOverrides(localStorage.getItem(layoutKey(project))),
  );
  useEffect(() => {
    if (Object.keys(overrides).length) localStorage.setItem(layoutKey(project), JSON.stringify(overrides));
    else localStorage.removeItem(layoutKey(project));
  }, [overrides, project]);
  return [overrides, setOverrides] as const;
}

export function MetricCharts({ experimentId, project }: { experimentId: number; project?: string }) {
  const series = useAsync(
    () => call('experiments.metricSeries', { id: experimentId, maxPoints: MAX_POINTS }),
    [experimentId],
  );
  const controls = useChartControls();
  const [overrides, setOverrides] = usePanelOverrides(project);
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

  const keys = useMemo(() => (series.data ?? []).map((s) => s.key), [series.data]);
  const panels = useMemo(() => buildPanels(keys, overrides), [keys, overrides]);

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

  const byKey = new Map(series.data.map((s) => [s.key, s]));
  const positiveKey = (k: string) => !!byKey.get(k)?.points.every((p) => p.min > 0);
  const panelPositive = (p: Panel) => p.keys.every(positiveKey);
  const shown = panels.filter((p) => panelMatches(p, controls.query));
  const positive = positiveIn(shown.map(panelPositive));
  const move = (key: string, panel: PanelId) => setOverrides((o) => moveMetric(keys, o, key, panel));

  return (
    <section aria-label="Metric charts">
      <ChartControls
        controls={controls}
        positive={positive}
        found={shown.length}
        total={panels.length}
        extra={
          Object.keys(overrides).length > 0 && (
            <button type="button" onClick={() => setOverrides({})}>
              Default panels
            </button>
          )
        }
      />
      <MetricSections
        sections={groupSections(shown)}
        render={(p) => (
          <ErrorBoundary key={`${p.id}:${p.keys.join(',')}`} what={`the chart of ${p.keys.join(', ')}`}>
            <MetricPanel
              title={p.keys.join(' · ')}
              metrics={p.keys}
              lines={p.keys.map((k, i): PanelLine => ({
                id: `${experimentId}:${k}`,
                runId: experimentId,
                key: k,
                label: k,
                color: i,
                series: byKey.get(k),
              }))}
              xAxis={controls.xAxis}
              logScale={controls.logScale && panelPositive(p)}
              smoothing={controls.smoothing}
              menu={<PanelMenu panel={p} keys={keys} onMove={move} />}
            />
          </ErrorBoundary>
        )}
      />
    </section>
  );
}

/** Which metrics a panel shows: checking one moves it here, unchecking gives it a panel of its own. */
function PanelMenu({
  panel,
  keys,
  onMove,
}: {
  panel: Panel;
  keys: string[];
  onMove(key: string, to: PanelId): void;
}) {
  if (keys.length < 2) return null;
  return (
    <details className="menu panel-menu">
      <summary className="small" aria-label={`Metrics on the panel ${panel.keys.join(', ')}`}>
        Metrics…
      </summary>
      <div className="menu-body" role="group" aria-label={`Metrics on the panel ${panel.keys.join(', ')}`}>
        {keys.map((k) => {
          const here = panel.keys.includes(k);
          return (
            <label key={k} className="check">
              <input
                type="checkbox"
                checked={here}
                disabled={here && panel.keys.length === 1}
                onChange={() => onMove(k, here ? ownPanel(k) : panel.id)}
              />{' '}
              {k}
            </label>
          );
        })}
      </div>
    </details>
  );
}
