// One group (sweep): progress, best so far, concurrency (editable while it runs), hyperband's brackets or
// ASHA's rungs, every trial's learning curve overlaid, each param's importance (computed in the engine),
// the ranked table, filtered by the brushes of the parallel coordinates of params → metric under it (the
// chart stays last but one, just above the scatter, where the existing Group e2e expects it), and a
// metric-vs-param scatter. The brushes are the page's (kept per group for the tab's session), in the
// axes' values, so they survive a data refresh, a live sweep widening an axis, and a visit to a trial.
// Live from experiments.changed / groups.changed / metrics.appended; groups.sweep (the search's plan and each
// experiment's place in it) is re-read, throttled, when the group gains experiments or some end.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { Experiment } from '../../../shared/domain';
import { call, errorMessage } from '../api';
import { useAsync } from '../lib/useAsync';
import { useGroups } from '../stores/groups';
import { useExperiments } from '../stores/experiments';
import { canBeBest, isDone } from '../../../shared/statuses';
import { StatusBadge } from '../components/StatusBadge';
import { Progress } from '../components/Progress';
import { ErrorState, Loading, Notice } from '../components/States';
import { VirtualTable } from '../components/VirtualTable';
import { baseColumns, discoverKeys, metricColumn, paramColumn, varyingParams } from './experimentColumns';
import { ParamScatter } from '../components/ParamScatter';
import { formatNumber } from '../lib/format';
import { throttle } from '../lib/debounce';
import { ParallelCoordinates } from '../components/ParallelCoordinates';
import { SweepBrackets } from '../components/SweepBrackets';
import { useTitle } from '../lib/useTitle';
import { parseId, projectPath } from '../lib/routeParams';
import { objectiveLabel, objectiveValue, plannedExperiments, rankByObjective } from '../lib/objective';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { TrialCurves } from '../components/TrialCurves';
import { ParamImportance, useParamImportance } from '../components/ParamImportance';
import { filterByBrushes, type ValueBrush } from '../lib/parcoords';
import { useSessionState } from '../lib/useSessionState';
import { useThrottledValue } from '../lib/useThrottled';
import { useConnection } from '../stores/connection';
import { NotAnId } from './ExperimentPage';
import { GroupActions } from './GroupActions';

const ACTIVE_GROUP = new Set(['created', 'running', 'stopping']);

/** #/groups/:id. The id is checked before the engine is asked, and each group gets a page of its own
 * (keyed): nothing read for one group (its sweep, its axes) is ever drawn under another's number. */
export function GroupPage() {
  const param = useParams().id;
  const id = parseId(param);
  if (id === null) return <NotAnId what="group" param={param} />;
  return <GroupView key={id} id={id} />;
}

function GroupView({ id }: { id: number }) {
  useTitle(`Group ${id}`);
  const navigate = useNavigate();
  const loaded = useAsync(async () => {
    const [g, xs] = await Promise.all([call('groups.get', { id }), call('groups.experiments', { id })]);
    const { ranked: _r, ...group } = g;
    useGroups.getState().upsert([group]);
    useExperiments.getState().upsert(xs);
    return true;
  }, [id]);
  const group = useGroups((s) => s.byId[id]);
  const byId = useExperiments((s) => s.byId);
  const experiments = useMemo(() => Object.values(byId).filter((x) => x.groupId === id), [byId, id]);
  const sweep = useAsync(() => call('groups.sweep', { id }), [id]);
  // New experiments (a round opens, a rung is reached) and ended ones (hyperband moves on) change the sweep;
  // statuses and metrics in between come from the store.
  const sweepKey = `${experiments.length}:${group?.progress.done ?? 0}:${group?.status ?? ''}`;
  const reloadSweep = useMemo(() => throttle(sweep.reload, 500), [sweep.reload]);
  const lastSweepKey = useRef(sweepKey);
  // Deleted from this page: nothing is read again while the page goes.
  const deleted = useRef(false);
  useEffect(() => {
    if (lastSweepKey.current === sweepKey || deleted.current) return;
    lastSweepKey.current = sweepKey;
    reloadSweep();
  }, [sweepKey, reloadSweep]);
  useEffect(() => () => reloadSweep.cancel(), [reloadSweep]);

  // Back from a disconnection: the group, its experiments and its plan are read again.
  const epoch = useConnection((s) => s.epoch);
  const firstEpoch = useRef(epoch);
  const { reload: reloadLoaded } = loaded;
  const { reload: reloadPlan } = sweep;
  useEffect(() => {
    if (epoch === firstEpoch.current) return;
    firstEpoch.current = epoch;
    reloadLoaded();
    reloadPlan();
  }, [epoch, reloadLoaded, reloadPlan]);
  // When the group ends, it, its experiments and its plan are read once more, so the finished page is the
  // engine's final word even if the last few events came late or out of order (a CI run under load once
  // showed a done group with fewer finished cells than it had).
  const ended = group ? !ACTIVE_GROUP.has(group.status) : false;
  const wasEnded = useRef(ended);
  useEffect(() => {
    if (ended && !wasEnded.current) {
      reloadLoaded();
      reloadPlan();
    }
    wasEnded.current = ended;
  }, [ended, reloadLoaded, reloadPlan]);

  const metric = group?.metric ?? null;
  // Best first by the group's objective (its metric's last value), as groups.get ranks.
  const ranked = useMemo(() => rankByObjective(experiments, metric), [experiments, metric]);
  const keys = useMemo(() => discoverKeys(experiments), [experiments]);
  const live = useCallback(
    (xid: number) => {
      const x = byId[xid];
      if (!x) return undefined;
      const v = metric ? objectiveValue(x, metric) : undefined;
      return { status: x.status, value: v === undefined ? null : v };
    },
    [byId, metric],
  );
  // The params the search varies (groups.sweep); until it answers, those that vary among the experiments.
  const pcParams = useMemo(() => {
    if (sweep.data) return sweep.data.params;
    return varyingParams(keys.params, experiments).map((name) => ({ name }));
  }, [sweep.data, keys.params, experiments]);
  const pcMetric = metric?.name ?? keys.metrics[0];
  const [brushes, setBrushes] = useSessionState<Record<string, ValueBrush>>(`axon.group.${id}.brushes`, {});
  const filtered = useMemo(() => filterByBrushes(ranked, brushes, pcMetric), [ranked, brushes, pcMetric]);
  const brushed = Object.keys(brushes).length > 0;
  const finishedCount = useThrottledValue(
    metric
      ? experiments.filter((x) => isDone(x.status) && objectiveValue(x, metric) !== undefined).length
      : 0,
    2000,
  );
  const importance = useParamImportance(id, metric, finishedCount);
  const mostImportant = importance.data?.enough
    ? importance.data.params.find((p) => !p.constant)?.name
    : undefined;
  const shownIds = useMemo(() => (brushed ? new Set(filtered.map((x) => x.id)) : null), [brushed, filtered]);
  // Params every experiment shares go last: the ones the search varies and the metrics come first.
  const varying = useMemo(() => new Set(varyingParams(keys.params, experiments)), [keys.params, experiments]);
  const rank = useMemo(() => new Map(ranked.map((x, i) => [x.id, i + 1])), [ranked]);
  const columns = useMemo(
    () => [
      {
        id: 'rank',
        header: 'Rank',
        width: 60,
        align: 'right' as const,
        numeric: true,
        value: (x: Experiment) => rank.get(x.id),
      },
      // The objective first after ID and name (issue #13 §2), then the rest.
      ...baseColumns().slice(0, 2),
      ...(metric ? [metricColumn(metric.name)] : []),
      ...baseColumns()
        .slice(2)
        .filter((c) => c.id !== 'group' && c.id !== 'created'),
      ...keys.params.filter((k) => varying.has(k)).map(paramColumn),
      ...keys.metrics.filter((k) => k !== metric?.name).map((k) => metricColumn(k)),
      ...keys.params.filter((k) => !varying.has(k)).map(paramColumn),
    ],
    [keys, metric, rank, varying],
  );

  if (loaded.error && !group)
    return (
      <div className="page">
        <ErrorState
          error={loaded.error}
          onRetry={loaded.reload}
          hint={<Link to="/">Back to the projects</Link>}
        />
      </div>
    );
  if (!group) return <Loading what={`group ${id}`} />;
  const active = ACTIVE_GROUP.has(group.status);
  const best = metric
    ? ranked.find((x) => canBeBest(x.status) && objectiveValue(x, metric) !== undefined)
    : undefined;
  const planned = plannedExperiments(sweep.data);
  const searching = !!sweep.data && !sweep.data.searchFinished && active;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <nav aria-label="Breadcrumb" className="crumbs">
            <Link to="/">Projects</Link> /{' '}
            <Link to={projectPath(group.projectName)}>{group.projectName}</Link> /{' '}
            <span aria-current="page">group {group.id}</span>
          </nav>
          <h1>
            Group {group.id}
            {group.name ? <span className="muted"> · {group.name}</span> : null}{' '}
            <StatusBadge status={group.status} />
          </h1>
          <p className="muted">
            {group.algorithm} search
            {metric
              ? `, ${metric.optimization} ${metric.name} (its last value in each experiment)`
              : ', no objective metric'}
            {group.statusMessage ? ` · ${group.statusMessage}` : ''}
          </p>
        </div>
        <GroupActions
          group={group}
          active={active}
          searching={searching}
          onDeleted={() => (deleted.current = true)}
        />
      </header>
      <div className="summary-grid">
        <section className="card" aria-labelledby="progress-title">
          <h2 id="progress-title">Progress</h2>
          <Progress progress={group.progress} planned={planned} searching={searching} />
          <p className="small muted">
            {group.progress.succeeded} succeeded · {group.progress.failed} failed · {group.progress.stopped}{' '}
            stopped · {group.progress.running} running · {group.progress.pending} pending
          </p>
        </section>
        <section className="card" aria-labelledby="best-title">
          <h2 id="best-title">Best so far</h2>
          {best && metric ? (
            <p>
              <Link to={`/experiments/${best.id}`}>Experiment {best.id}</Link>: {objectiveLabel(metric)} ={' '}
              <strong>{formatNumber(objectiveValue(best, metric))}</strong>
              <br />
              <span className="small muted">
                {Object.entries(best.params)
                  .map(([k, v]) => `${k}=${formatNumber(v)}`)
                  .join(', ')}
              </span>
            </p>
          ) : (
            <p className="muted">
              {metric ? `No ${metric.name} reported yet.` : 'This group has no objective metric.'}
            </p>
          )}
        </section>
        <Concurrency id={group.id} value={group.concurrency} editable={active} />
      </div>
      {sweep.data && sweep.data.brackets.length > 0 && (
        <ErrorBoundary what="the brackets">
          <SweepBrackets sweep={sweep.data} live={live} />
        </ErrorBoundary>
      )}
      {sweep.error && !sweep.data && (
        <Notice kind="warning">The search plan could not be read: {sweep.error}</Notice>
      )}
      {keys.metrics.length > 0 && (
        <div className={`sweep-insights${metric && pcParams.length > 0 ? '' : ' single'}`}>
          <ErrorBoundary what="the learning curves">
            <TrialCurves
              groupId={group.id}
              experiments={experiments}
              metrics={keys.metrics}
              objective={metric}
              only={shownIds}
            />
          </ErrorBoundary>
          {metric && pcParams.length > 0 && (
            <ErrorBoundary what="the parameter importance">
              <ParamImportance objective={metric} importance={importance} />
            </ErrorBoundary>
          )}
        </div>
      )}
      <section className="section" aria-labelledby="ranked-title">
        <h2 id="ranked-title">Experiments, best first</h2>
        {brushed && (
          <p className="small filtered-note" role="status" data-shown={filtered.length}>
            <span>
              <strong>
                {filtered.length} of {ranked.length}
              </strong>{' '}
              experiments pass the parallel-coordinates filters.
            </span>
            <button type="button" onClick={() => setBrushes({})}>
              Clear filters
            </button>
          </p>
        )}
        <ErrorBoundary what="the ranked table">
          <VirtualTable
            label="Ranked experiments"
            rows={filtered}
            columns={columns}
            rowKey={(x) => x.id}
            pinned={3}
            onOpen={(x) => navigate(`/experiments/${x.id}`)}
            height={Math.min(480, 40 + Math.max(1, filtered.length) * 34)}
          />
        </ErrorBoundary>
      </section>
      {pcParams.length > 0 &&
        (pcMetric && experiments.some((x) => isDone(x.status) && x.lastMetrics[pcMetric] !== undefined) ? (
          <ErrorBoundary what="the parallel coordinates">
            <ParallelCoordinates
              experiments={experiments}
              params={pcParams}
              metric={pcMetric}
              optimization={metric?.optimization ?? null}
              brushes={brushes}
              onBrushesChange={setBrushes}
            />
          </ErrorBoundary>
        ) : (
          <section className="card section" aria-labelledby="pcoords-title">
            <h2 id="pcoords-title">Parallel coordinates</h2>
            <p className="muted">
              {pcMetric
                ? `Parallel coordinates appear when experiments report ${pcMetric}.`
                : 'Parallel coordinates appear when experiments report a metric.'}
            </p>
          </section>
        ))}
      {keys.params.length > 0 && keys.metrics.length > 0 && (
        <ErrorBoundary what="the scatter plot">
          <ParamScatter
            experiments={brushed ? filtered : experiments}
            total={experiments.length}
            params={keys.params}
            scales={Object.fromEntries((sweep.data?.params ?? []).map((q) => [q.name, q.scale]))}
            preferred={mostImportant}
            metrics={keys.metrics}
            defaultMetric={metric?.name}
          />
        </ErrorBoundary>
      )}
    </div>
  );
}

function Concurrency({ id, value, editable }: { id: number; value: number; editable: boolean }) {
  const [draft, setDraft] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setDraft(String(value)), [value]);
  async function save(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      useGroups.getState().upsert([await call('groups.setConcurrency', { id, concurrency: Number(draft) })]);
      setSaved(true);
    } catch (err) {
      setError(errorMessage(err));
    }
  }
  return (
    <form className="card" onSubmit={save} aria-labelledby="concurrency-title">
      <h2 id="concurrency-title">Concurrency</h2>
      <div className="fields">
        <label>
          Experiments at a time
          <input
            type="number"
            min={1}
            step={1}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            disabled={!editable}
          />
        </label>
        <button type="submit" disabled={!editable || Number(draft) === value || !(Number(draft) >= 1)}>
          Save
        </button>
      </div>
      {saved && (
        <p className="ok-text small" role="status">
          Saved: takes effect on the next scheduling pass.
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!editable && <p className="muted small">The group has ended.</p>}
    </form>
  );
}
