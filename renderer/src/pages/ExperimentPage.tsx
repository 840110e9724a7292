// One experiment: status and reason, actions, and tabs for overview, logs, metrics, resources and code (and
// the pods' events for a Kubernetes run).
import { useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { useExperiments } from '../stores/experiments';
import { DONE } from '../../../shared/statuses';
import { StatusBadge } from '../components/StatusBadge';
import { ErrorState, Loading, Notice } from '../components/States';
import { Tabs } from '../components/Tabs';
import { LogViewer } from '../components/LogViewer';
import { MetricCharts } from '../components/MetricCharts';
import { ResourceChart } from '../components/ResourceChart';
import { ExperimentActions } from './ExperimentActions';
import { ExperimentOverview } from './ExperimentOverview';
import { CodeVersion } from './CodeVersion';
import { ExperimentEvents } from './ExperimentEvents';
import type { Experiment } from '../../../shared/domain';
import { durationMs, formatDuration, formatTime } from '../lib/format';
import { useNow } from '../lib/useNow';
import { useTitle } from '../lib/useTitle';
import { parseId, projectPath } from '../lib/routeParams';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { useConnection, useOffline } from '../stores/connection';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'logs', label: 'Logs' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'resources', label: 'Resources' },
  { id: 'code', label: 'Code' },
] as const;
/** A Kubernetes run also has its pods' events, after the logs. */
const KUBE_TABS = [TABS[0], TABS[1], { id: 'events', label: 'Events' }, ...TABS.slice(2)] as const;

/** What a status that waits on a cluster means, and what happens next. */
function StatusNotice({ x }: { x: Experiment }) {
  if (x.status === 'unknown') {
    const since = /unreachable since (\S+)/.exec(x.statusReason ?? '')?.[1];
    return (
      <Notice kind="warning">
        <p>
          {since
            ? `Axon has not reached the cluster since ${formatTime(since)}, so it cannot tell how this run is doing.`
            : 'Axon cannot tell how this run is doing.'}{' '}
          Its pods keep running on the cluster; when the API server answers again the run takes their real
          state and its log goes on from where it stopped.
        </p>
      </Notice>
    );
  }
  if (x.status === 'unschedulable')
    return (
      <Notice kind="warning">
        <p>
          The scheduler cannot place a pod of this run yet. It waits for room (a cluster autoscaler may add a
          node) and fails if it is still pending after the pending timeout; the Events tab has the scheduler’s
          messages.
        </p>
      </Notice>
    );
  if (x.status === 'created' && x.statusReason?.startsWith('waiting for kube context'))
    return (
      <Notice kind="warning">
        <p>
          Not started yet: the cluster of this run does not answer. Axon asks it again every few seconds and
          starts the run as soon as it does; nothing has been created on it.
        </p>
      </Notice>
    );
  if (x.status === 'created' && x.statusReason?.startsWith('waiting for capacity'))
    return (
      <Notice kind="info">
        <p>
          Not started yet: what the cluster’s nodes can still take is less than this run asks for. It starts
          when other runs of this Axon on that context end.
        </p>
      </Notice>
    );
  return null;
}

/** #/experiments/:id. The id is checked before anything is asked of the engine, and each id gets a page of
 * its own (keyed), so nothing read for one experiment is ever shown under another's number. */
export function ExperimentPage() {
  const param = useParams().id;
  const id = parseId(param);
  if (id === null) return <NotAnId what="experiment" param={param} />;
  return <ExperimentView key={id} id={id} />;
}

/** A route whose id is not one: said, and nothing asked of the engine. */
export function NotAnId({ what, param }: { what: string; param: string | undefined }) {
  useTitle(`Not ${what === 'experiment' ? 'an' : 'a'} ${what}`);
  return (
    <div className="page">
      <ErrorState
        error={`“${param ?? ''}” is not ${what === 'experiment' ? 'an' : 'a'} ${what} id.`}
        hint={<Link to="/">Go to the projects</Link>}
      />
    </div>
  );
}

function ExperimentView({ id }: { id: number }) {
  const [search, setSearch] = useSearchParams();
  const details = useAsync(() => call('experiments.get', { id }), [id]);
  const live = useExperiments((s) => s.byId[id]);
  const upsert = useExperiments((s) => s.upsert);
  const x = live ?? details.data;
  const tabs = x?.backend === 'kubernetes' ? KUBE_TABS : TABS;
  const tab = tabs.some((t) => t.id === search.get('tab')) ? search.get('tab')! : 'overview';
  const status = x?.status;
  useTitle(
    `Experiment ${id}${status ? ` (${status})` : details.error && !details.loading ? ' (not found)' : ''}`,
  );
  const { reload } = details;

  // The row from experiments.get goes into the store, so events keep it current from then on.
  useEffect(() => {
    if (details.data) {
      const { code: _c, outputs: _o, tracking: _t, jobs: _j, ...row } = details.data;
      upsert([row]);
    }
  }, [details.data, upsert]);

  // A status change brings new outputs, an exit code, a finish time: read the details again.
  const [seen, setSeen] = useState(status);
  useEffect(() => {
    if (status && seen && status !== seen) reload();
    setSeen(status);
  }, [status, seen, reload]);

  // Back from a disconnection: read the details again (the store's row is refreshed by the same signal).
  const epoch = useConnection((s) => s.epoch);
  const [seenEpoch, setSeenEpoch] = useState(epoch);
  useEffect(() => {
    if (epoch === seenEpoch) return;
    setSeenEpoch(epoch);
    reload();
  }, [epoch, seenEpoch, reload]);

  const offline = useOffline();
  const since = useConnection((s) => s.since);
  const running = !!x && !DONE.has(x.status);
  // While the engine cannot be heard the clock stops where the page last knew the run.
  const now = useNow(running && !offline ? 1000 : null);

  if (details.error && !x)
    return (
      <div className="page">
        <ErrorState error={details.error} onRetry={reload} hint={<Link to="/">Back to the projects</Link>} />
      </div>
    );
  if (!x || !details.data || x.id !== id || details.data.id !== id)
    return <Loading what={`experiment ${id}`} />;
  const d = details.data;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <nav aria-label="Breadcrumb" className="crumbs">
            <Link to="/">Projects</Link> / <Link to={projectPath(x.projectName)}>{x.projectName}</Link>
            {x.groupId != null && (
              <>
                {' '}
                / <Link to={`/groups/${x.groupId}`}>group {x.groupId}</Link>
              </>
            )}{' '}
            / <span aria-current="page">experiment {x.id}</span>
          </nav>
          <h1>
            Experiment {x.id}
            {x.name ? <span className="muted"> · {x.name}</span> : null}{' '}
            {offline ? (
              <span
                className="badge badge-warning"
                data-status="disconnected"
                title={`Last known status: ${x.status.replace('_', ' ')}`}
              >
                disconnected
              </span>
            ) : (
              <StatusBadge status={x.status} />
            )}
          </h1>
          <p className="status-line" aria-live="polite">
            {x.statusReason || x.statusMessage ? (
              <>
                <strong>{x.statusReason}</strong>
                {/* A reason often already ends with its message ("build failed: <message>"). */}
                {x.statusMessage && !x.statusReason?.includes(x.statusMessage) ? (
                  <>
                    {x.statusReason ? ': ' : ''}
                    {x.statusMessage}
                  </>
                ) : null}
                {' · '}
              </>
            ) : null}
            {offline ? (
              <>
                last known status <strong>{x.status.replace('_', ' ')}</strong>
                {' · '}
              </>
            ) : null}
            <span data-duration>
              {formatDuration(durationMs(x.startedAt, x.finishedAt, offline && since ? since : now))}
            </span>{' '}
            on <strong>{x.backend}</strong>
            {x.originalId ? (
              <>
                {' '}
                · {x.cloningStrategy} of <Link to={`/experiments/${x.originalId}`}>#{x.originalId}</Link>
              </>
            ) : null}
          </p>
        </div>
        <ExperimentActions experiment={x} offline={offline} />
      </header>
      <StatusNotice x={x} />
      <Tabs
        tabs={tabs}
        current={tab}
        onChange={(t) => setSearch({ tab: t }, { replace: true })}
        label="Experiment views"
      >
        <ErrorBoundary what={`the ${tab} tab`} resetKey={tab}>
          {tab === 'overview' && <ExperimentOverview experiment={x} details={d} />}
          {tab === 'logs' && (
            <LogViewer experimentId={id} jobs={d.jobs} logPath={x.runDir ? `${x.runDir}/logs` : undefined} />
          )}
          {tab === 'events' && <ExperimentEvents experiment={x} jobs={d.jobs} />}
          {tab === 'metrics' && <MetricCharts experimentId={id} project={x.projectName} />}
          {tab === 'resources' && <ResourceChart experimentId={id} />}
          {tab === 'code' && <CodeVersion code={d.code} />}
        </ErrorBoundary>
      </Tabs>
    </div>
  );
}
