// The overview tab: what ran (command, backend, params, code), where (a Kubernetes run's context, namespace,
// pods and nodes), what came out (outputs), and the statuses. A failed run starts with the end of its log.
import type { Experiment, JobInfo } from '../../../shared/domain';
import type { Results } from '../../../shared/api';
import { StatusTimeline } from '../components/StatusTimeline';
import { StatusBadge } from '../components/StatusBadge';
import { OutputsBrowser } from '../components/OutputsBrowser';
import { FailureTail } from '../components/FailureTail';
import { formatBytes, formatNumber, formatTime } from '../lib/format';
import { uploadOf } from '../../../shared/uploads';

type Details = Results['experiments.get'];

export function ExperimentOverview({
  experiment: x,
  details: d,
}: {
  experiment: Experiment;
  details: Details;
}) {
  const params = Object.entries(x.params);
  const metrics = Object.entries(x.lastMetrics);
  const kube = x.backend === 'kubernetes';
  const where = d.jobs.find((j) => j.pod)?.pod ?? null;
  return (
    <div className="overview-grid">
      {x.status === 'failed' && <FailureTail experiment={x} />}
      <section className="card" aria-labelledby="run-title">
        <h2 id="run-title">Run</h2>
        <dl className="props">
          <dt>Command</dt>
          <dd>
            <code className="cmd">
              {/* Each word unbroken (`--batch` never splits at its hyphen); one longer than the line wraps
                  inside itself. */}
              {(x.cmd ?? '—').split(/(\s+)/).map((w, i) =>
                i % 2 ? (
                  w
                ) : w ? (
                  <span key={i} className="cmd-word">
                    {w}
                  </span>
                ) : null,
              )}
            </code>
          </dd>
          <dt>Backend</dt>
          <dd>{x.backend}</dd>
          {kube && (
            <>
              <dt>Cluster</dt>
              <dd>
                {where ? (
                  <>
                    context <span className="mono">{where.context}</span>, namespace{' '}
                    <span className="mono">{where.namespace}</span>
                  </>
                ) : (
                  <span className="muted">no pod created yet</span>
                )}
              </dd>
            </>
          )}
          {x.image && (
            <>
              <dt>Image</dt>
              <dd className="mono small">{x.image}</dd>
            </>
          )}
          <dt>Code folder</dt>
          {uploadOf(x.codePath) ? (
            <dd title={`kept by the engine in ${x.codePath}`}>
              uploaded with the run{' '}
              <span className="muted small mono">({uploadOf(x.codePath)!.slice(0, 12)})</span>
            </dd>
          ) : (
            <dd className="mono small">{x.codePath}</dd>
          )}
          <dt>Code version</dt>
          <dd>
            {d.code?.kind === 'git' ? (
              <>
                <span className="mono">{d.code.commit?.slice(0, 12) ?? 'no commit'}</span>
                {d.code.branch ? ` on ${d.code.branch}` : ''}
                {d.code.dirty ? <span className="badge badge-warning">uncommitted changes</span> : ' (clean)'}
              </>
            ) : d.code?.kind === 'hash' ? (
              <span className="mono">content {d.code.contentHash?.slice(0, 12)}</span>
            ) : (
              <span className="muted">not recorded</span>
            )}
          </dd>
          {/* A shared engine keeps its folders to itself (empty for all but its owner and superusers). */}
          {x.runDir && (
            <>
              <dt>Run folder</dt>
              <dd className="mono small">{x.runDir}</dd>
            </>
          )}
          <dt>Created</dt>
          <dd>{formatTime(x.createdAt)}</dd>
          <dt>Started</dt>
          <dd>{formatTime(x.startedAt)}</dd>
          <dt>Finished</dt>
          <dd>{formatTime(x.finishedAt)}</dd>
          {x.exitCode != null && (
            <>
              <dt>Exit code</dt>
              <dd>{x.exitCode}</dd>
            </>
          )}
          {x.tags.length > 0 && (
            <>
              <dt>Tags</dt>
              <dd>
                {x.tags.map((t) => (
                  <span key={t} className="tag">
                    {t}
                  </span>
                ))}
              </dd>
            </>
          )}
        </dl>
        {d.tracking.malformedLines > 0 && (
          <p className="muted small">
            {d.tracking.malformedLines} metric lines could not be read (they stay in the log).
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="params-title">
        <h2 id="params-title">Params</h2>
        {params.length ? <KeyValues entries={params} label="Params" /> : <p className="muted">No params.</p>}
        <h2 id="last-metrics-title">Last metrics</h2>
        {metrics.length ? (
          <KeyValues entries={metrics} label="Last metrics" />
        ) : (
          <p className="muted">No metrics yet.</p>
        )}
      </section>
      <section className="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Status timeline</h2>
        <StatusTimeline experimentId={x.id} status={x.status} />
      </section>
      {kube && <PodsTable jobs={d.jobs} />}
      {!kube && d.jobs.length > 1 && (
        <section className="card" aria-labelledby="jobs-title">
          <h2 id="jobs-title">Jobs ({d.jobs.length} replicas)</h2>
          <table className="table compact" aria-labelledby="jobs-title">
            <thead>
              <tr>
                <th scope="col">Replica</th>
                <th scope="col">Status</th>
                <th scope="col">{x.backend === 'local' ? 'Process' : 'Container'}</th>
                <th scope="col" className="num">
                  Exit code
                </th>
                <th scope="col" className="num">
                  Log
                </th>
              </tr>
            </thead>
            <tbody>
              {d.jobs.map((j) => (
                <tr key={j.id}>
                  <th scope="row" className="mono">
                    {j.role}-{j.index}
                  </th>
                  <td>
                    <StatusBadge status={j.status} />
                    {j.statusReason ? <span className="muted small"> {j.statusReason}</span> : null}
                  </td>
                  <td className="mono small">
                    {j.container?.slice(0, 12) ?? (j.pid ? `pid ${j.pid}` : '—')}
                  </td>
                  <td className="num">{j.exitCode ?? '—'}</td>
                  <td className="num">{formatBytes(j.logBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section className="card outputs-card" aria-labelledby="outputs-title">
        <h2 id="outputs-title">Outputs</h2>
        <OutputsBrowser
          experimentId={x.id}
          files={d.outputs}
          folder={x.runDir ? `${x.runDir}/outputs` : ''}
        />
      </section>
    </div>
  );
}

/** A Kubernetes run's replicas: where each pod is (context, namespace, name) and the node it runs on. */
function PodsTable({ jobs }: { jobs: JobInfo[] }) {
  return (
    <section className="card kube-wide" aria-labelledby="pods-title">
      <h2 id="pods-title">{jobs.length === 1 ? 'Pod' : `Pods (${jobs.length} replicas)`}</h2>
      <div className="table-scroll">
        <table className="table compact" aria-labelledby="pods-title">
          <thead>
            <tr>
              <th scope="col">Replica</th>
              <th scope="col">Status</th>
              <th scope="col">Context</th>
              <th scope="col">Namespace</th>
              <th scope="col">Pod</th>
              <th scope="col">Node</th>
              <th scope="col" className="num">
                Exit code
              </th>
              <th scope="col" className="num">
                Log
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <th scope="row" className="mono">
                  {j.role}-{j.index}
                </th>
                <td>
                  <StatusBadge status={j.status} />
                  {j.statusReason ? <span className="muted small"> {j.statusReason}</span> : null}
                </td>
                <td className="mono small">{j.pod?.context ?? '—'}</td>
                <td className="mono small">{j.pod?.namespace ?? '—'}</td>
                <td className="mono small">{j.pod?.name ?? <span className="muted">not created</span>}</td>
                <td className="mono small">
                  {j.pod?.node ?? <span className="muted">{j.pod ? 'not scheduled' : '—'}</span>}
                </td>
                <td className="num">{j.exitCode ?? '—'}</td>
                <td className="num">{formatBytes(j.logBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function KeyValues({ entries, label }: { entries: Array<[string, unknown]>; label: string }) {
  return (
    <table className="table compact" aria-label={label}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td className="num mono">{formatNumber(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
