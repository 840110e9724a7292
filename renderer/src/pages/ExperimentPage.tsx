// One experiment: status and reason, actions, and tabs for overview, logs, metrics, resources and code.
import { useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { useExperiments } from '../stores/experiments';
import { DONE } from '../../../shared/statuses';
import { StatusBadge } from '../components/StatusBadge';
import { ErrorState, Loading } from '../components/States';
import { Tabs } from '../components/Tabs';
import { LogViewer } from '../components/LogViewer';
import { MetricCharts } from '../components/MetricCharts';
import { ResourceChart } from '../components/ResourceChart';
import { ExperimentActions } from './ExperimentActions';
import { ExperimentOverview } from './ExperimentOverview';
import { CodeVersion } from './CodeVersion';
import { durationMs, formatDuration } from '../lib/format';
import { useNow } from '../lib/useNow';
import { useTitle } from '../lib/useTitle';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'logs', label: 'Logs' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'resources', label: 'Resources' },
  { id: 'code', label: 'Code' },
] as const;

export function ExperimentPage() {
  const id = Number(useParams().id);
  const [search, setSearch] = useSearchParams();
  const tab = TABS.some((t) => t.id === search.get('tab')) ? search.get('tab')! : 'overview';
  const details = useAsync(() => call('experiments.get', { id }), [id]);
  const live = useExperiments((s) => s.byId[id]);
  const upsert = useExperiments((s) => s.upsert);
  const x = live ?? details.data;
  const status = x?.status;
  useTitle(`Experiment ${id}${status ? ` (${status})` : ''}`);
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

  const running = !!x && !DONE.has(x.status);
  const now = useNow(running ? 1000 : null);

  if (!Number.isInteger(id) || id <= 0) return <ErrorState error="This is not an experiment id." />;
  if (details.error && !x)
    return (
      <div className="page">
        <ErrorState error={details.error} onRetry={reload} hint={<Link to="/">Back to the projects</Link>} />
      </div>
    );
  if (!x || !details.data) return <Loading what={`experiment ${id}`} />;
  const d = details.data;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <nav aria-label="Breadcrumb" className="crumbs">
            <Link to="/">Projects</Link> /{' '}
            <Link to={`/projects/${encodeURIComponent(x.projectName)}`}>{x.projectName}</Link>
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
            {x.name ? <span className="muted"> · {x.name}</span> : null} <StatusBadge status={x.status} />
          </h1>
          <p className="status-line" aria-live="polite">
            {x.statusReason || x.statusMessage ? (
              <>
                <strong>{x.statusReason}</strong>
                {x.statusReason && x.statusMessage ? ': ' : ''}
                {x.statusMessage}
                {' · '}
              </>
            ) : null}
            {formatDuration(durationMs(x.startedAt, x.finishedAt, now))} on <strong>{x.backend}</strong>
            {x.originalId ? (
              <>
                {' '}
                · {x.cloningStrategy} of <Link to={`/experiments/${x.originalId}`}>#{x.originalId}</Link>
              </>
            ) : null}
          </p>
        </div>
        <ExperimentActions experiment={x} />
      </header>
      <Tabs
        tabs={TABS}
        current={tab}
        onChange={(t) => setSearch({ tab: t }, { replace: true })}
        label="Experiment views"
      >
        {tab === 'overview' && <ExperimentOverview experiment={x} details={d} />}
        {tab === 'logs' && <LogViewer experimentId={id} jobs={d.jobs} logPath={`${x.runDir}/logs`} />}
        {tab === 'metrics' && <MetricCharts experimentId={id} />}
        {tab === 'resources' && <ResourceChart experimentId={id} />}
        {tab === 'code' && <CodeVersion code={d.code} />}
      </Tabs>
    </div>
  );
}
