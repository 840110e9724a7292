// The sweep page's learning curves: one metric (the objective by default, any other from the picker) of
// every trial overlaid on one panel, from one `groups.metricCurves` call (the engine buckets all trials on
// one step grid, so 200 trials × 1,000 steps arrive as one aligned table). Lines are coloured by the trial's
// rank on the group's objective (the ramp of the parallel coordinates), the best few thicker and on top;
// running trials are dashed. Pointing at a line names its trial. Live: metrics.appended for the group's
// experiments re-reads, throttled (at most once a second), never debounced.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import type uPlot from 'uplot';
import type { Experiment } from '../../../shared/domain';
import { call, subscribe } from '../api';
import { useAsync } from '../lib/useAsync';
import { throttle } from '../lib/debounce';
import { formatNumber } from '../lib/format';
import { rampColor } from '../lib/parcoords';
import { objectiveLabel, type Objective } from '../lib/objective';
import { alignedCurves, curveStyles, type CurveStyle } from '../lib/trialCurves';
import { useSettings } from '../stores/settings';
import { useConnection } from '../stores/connection';
import { UPlotChart, numberAxis, xRange } from './UPlotChart';
import { STEP_INCREMENTS } from './MetricPanel';
import '../styles/sweep.css';

/** Points per curve asked of the engine: plenty for a panel a few hundred pixels wide. */
const MAX_POINTS = 300;

interface Props {
  groupId: number;
  experiments: Experiment[];
  /** Every metric key the group's experiments reported (the picker's choices). */
  metrics: string[];
  objective: Objective | null;
  /** The trials the page's filters (the parallel coordinates' brushes) let through; null: all. Ranks and
   *  colours stay the whole group's. */
  only?: ReadonlySet<number> | null;
}

interface Hover {
  id: number;
  step: number | null;
  value: number | null;
}

export function TrialCurves({ groupId, experiments, metrics, objective, only = null }: Props) {
  const theme = useSettings((s) => s.theme);
  const [picked, setPicked] = useState<string | null>(null);
  const key = picked ?? objective?.name ?? metrics[0] ?? '';
  const curves = useAsync(
    () => call('groups.metricCurves', { id: groupId, key, maxPoints: MAX_POINTS }),
    [groupId, key],
  );
  const ids = useRef(new Set<number>());
  ids.current = new Set(experiments.map((x) => x.id));
  const { reload } = curves;
  useEffect(() => {
    const again = throttle(reload, 1000);
    const off = subscribe('metrics.appended', (m) => {
      if (ids.current.has(m.experimentId) && m.points.some((p) => p.key === key)) again();
    });
    return () => {
      off();
      again.cancel();
    };
  }, [reload, key]);
  const epoch = useConnection((s) => s.epoch);
  const seenEpoch = useRef(epoch);
  useEffect(() => {
    if (seenEpoch.current === epoch) return;
    seenEpoch.current = epoch;
    reload();
  }, [epoch, reload]);

  const byId = useMemo(() => new Map(experiments.map((x) => [x.id, x])), [experiments]);
  const data = curves.data;
  const allStyles = useMemo(
    () =>
      data
        ? curveStyles(
            data.curves.map((c) => c.experimentId),
            byId,
            objective,
          )
        : [],
    [data, byId, objective],
  );
  const styles = useMemo(
    () => (only ? allStyles.filter((s) => only.has(s.experimentId)) : allStyles),
    [allStyles, only],
  );
  const aligned = useMemo(
    () => (data ? (alignedCurves(data, styles) as uPlot.AlignedData) : ([[]] as uPlot.AlignedData)),
    [data, styles],
  );
  const positive = useMemo(
    () => !!data && data.curves.every((c) => c.values.every((v) => v === null || v > 0)),
    [data],
  );
  const [logY, setLogY] = useState(false);
  const log = logY && positive;

  const [hover, setHover] = useState<Hover | null>(null);
  const focused = useRef<number | null>(null);
  const stylesRef = useRef<CurveStyle[]>(styles);
  stylesRef.current = styles;
  // Ranked trials on the ramp; without an objective, the theme's palette (neighbours told apart); running
  // ones in the text colour.
  const colour = (s: CurveStyle, t: { text: string; palette: string[] }, i: number) =>
    s.q !== null
      ? rampColor(s.q, theme)
      : objective || !t.palette.length
        ? t.text
        : t.palette[i % t.palette.length];
  const optionsKey = JSON.stringify([
    key,
    log,
    styles.map((s) => [s.experimentId, s.q, s.highlight, s.running]),
  ]);

  const best = styles.filter((s) => s.highlight).sort((a, b) => a.rank! - b.rank!);
  const running = styles.filter((s) => s.running).length;
  const hovered = hover ? byId.get(hover.id) : undefined;
  const hoveredStyle = hover ? styles.find((s) => s.experimentId === hover.id) : undefined;
  const ranked = allStyles.filter((s) => s.rank !== null).length;

  return (
    <section className="card section trial-curves" aria-labelledby="curves-title">
      <div className="section-head">
        <h2 id="curves-title">Learning curves: {key || 'no metric'}</h2>
        <div className="toolbar">
          {metrics.length > 1 && (
            <label>
              Metric{' '}
              <select value={key} onChange={(e) => setPicked(e.target.value)}>
                {metrics.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label title={positive ? '' : 'Needs every value above 0'}>
            <input
              type="checkbox"
              checked={log}
              disabled={!positive}
              onChange={(e) => setLogY(e.target.checked)}
            />{' '}
            Log scale
          </label>
        </div>
      </div>
      {curves.error && !data ? (
        <p className="form-error">The curves could not be read: {curves.error}</p>
      ) : !data ? (
        <p className="muted">Reading the curves…</p>
      ) : !data.curves.length ? (
        <p className="muted">No experiment has reported {key || 'a metric'} yet.</p>
      ) : (
        <div
          className="curves-plot"
          data-curves={styles.length}
          data-best={best.map((s) => s.experimentId).join(',')}
          data-bucket={data.bucket}
          onPointerLeave={() => setHover(null)}
        >
          <UPlotChart
            label={`${key} of ${styles.length} trials by step, coloured by their rank on the objective`}
            optionsKey={optionsKey}
            data={aligned}
            height={300}
            options={(t) => ({
              scales: { x: { time: false, range: xRange(false) }, y: log ? { distr: 3 } : {} },
              legend: { show: false },
              cursor: { focus: { prox: 24 }, points: { show: false } },
              focus: { alpha: 0.3 },
              axes: [numberAxis(t, { incrs: STEP_INCREMENTS }), numberAxis(t, { size: 64 }, log)],
              series: [
                { label: 'step' },
                ...styles.map((s, i): uPlot.Series => ({
                  label: `Experiment ${s.experimentId}`,
                  stroke: colour(s, t, i),
                  width: s.highlight ? 3 : 1.25,
                  spanGaps: true,
                  points: { show: false },
                  ...(s.running ? { dash: [5, 4] } : {}),
                })),
              ],
              hooks: {
                // The focused series (uPlot's nearest within 24 px) names its trial; the cursor's index
                // gives its value there.
                setSeries: [
                  (u: uPlot, i: number | null) => {
                    focused.current = i;
                    const s = i ? stylesRef.current[i - 1] : undefined;
                    const idx = u.cursor.idx;
                    setHover(
                      s
                        ? {
                            id: s.experimentId,
                            step: idx == null ? null : ((u.data[0][idx] as number) ?? null),
                            value: idx == null ? null : ((u.data[i!][idx] as number | null) ?? null),
                          }
                        : null,
                    );
                  },
                ],
                setCursor: [
                  (u: uPlot) => {
                    const i = focused.current;
                    const idx = u.cursor.idx;
                    const s = i ? stylesRef.current[i - 1] : undefined;
                    if (!s || idx == null) return;
                    setHover({
                      id: s.experimentId,
                      step: (u.data[0][idx] as number) ?? null,
                      value: (u.data[i!][idx] as number | null) ?? null,
                    });
                  },
                ],
              },
            })}
          />
        </div>
      )}
      {data && data.curves.length > 0 && (
        <>
          <p className="small curves-hover" role="status">
            {hover && hovered ? (
              <>
                <Link to={`/experiments/${hover.id}`}>Experiment {hover.id}</Link>
                {hoveredStyle?.rank ? ` (rank ${hoveredStyle.rank} of ${ranked})` : ` (${hovered.status})`}
                {hover.value !== null && hover.step !== null
                  ? `: ${key} = ${formatNumber(hover.value)} at step ${formatNumber(hover.step)}`
                  : ''}
                <span className="muted">
                  {' · '}
                  {Object.entries(hovered.params)
                    .map(([k, v]) => `${k}=${formatNumber(v)}`)
                    .join(', ')}
                </span>
              </>
            ) : (
              <span className="muted">
                {only ? `${styles.length} of ${allStyles.length}` : styles.length} trial
                {styles.length === 1 && !only ? '' : 's'}
                {only ? ' (those the parallel-coordinates filters let through)' : ''}
                {running ? ` (${running} still running, dashed)` : ''}
                {data.bucket > 1 ? `; each point the mean of ${data.bucket} steps` : ''}. Point at a line to
                name its trial.
              </span>
            )}
          </p>
          {objective && best.length > 0 && (
            <p className="small curves-best">
              Best by {objectiveLabel(objective)}:{' '}
              {best.map((s, i) => (
                <span key={s.experimentId}>
                  {i > 0 && ', '}
                  <span
                    className="curve-swatch"
                    style={{ background: rampColor(s.q ?? 1, theme) }}
                    aria-hidden="true"
                  />
                  <Link to={`/experiments/${s.experimentId}`}>{s.experimentId}</Link> (
                  {formatNumber(byId.get(s.experimentId)?.lastMetrics[objective.name])})
                </span>
              ))}
            </p>
          )}
        </>
      )}
    </section>
  );
}
