// The Kubernetes part of the Clusters page: the contexts of the user's kubeconfig (kube's current-context and
// Axon's choice marked), and for the one shown, its cluster checked now (reachability, version, namespace,
// nodes with capacity) with a time limit, and this Axon's pods there with the capacity they use (AxonPods).
// "Use for Axon" keeps the choice in AXON_HOME/settings.json; the kubeconfig is never written.
import { useState } from 'react';
import type { KubeContextDetails, KubeContextList, KubeNode } from '../../../shared/clusters';
import { call, errorMessage } from '../api';
import { useAsync } from '../lib/useAsync';
import { formatBytes, formatDuration } from '../lib/format';
import { Empty, ErrorState, Loading, Notice } from '../components/States';
import { AxonPods } from './AxonPods';

const cpu = (n: number | null) => (n === null ? '—' : String(Number(n.toFixed(2))));

function FileNotices({ list }: { list: KubeContextList }) {
  const broken = list.files.filter((f) => f.status === 'broken');
  const skipped = list.files.flatMap((f) => f.skipped.map((s) => ({ ...s, file: f.path })));
  return (
    <>
      {broken.map((f) => (
        <Notice key={f.path} kind="warning">
          <p>
            Skipped <span className="mono">{f.path}</span>: {f.reason}
          </p>
        </Notice>
      ))}
      {skipped.length > 0 && (
        <details className="small">
          <summary>
            {skipped.length} kubeconfig {skipped.length === 1 ? 'entry' : 'entries'} left out
          </summary>
          <ul className="plain">
            {skipped.map((s, i) => (
              <li key={i}>
                <span className="mono">{s.file}</span>: {s.entry}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {list.settingsProblem && (
        <Notice kind="warning">
          <p>Axon’s settings: {list.settingsProblem}</p>
        </Notice>
      )}
    </>
  );
}

function NodesTable({ nodes }: { nodes: KubeNode[] }) {
  return (
    <div className="table-scroll">
      <table className="table compact" aria-label="Nodes">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Ready</th>
            <th scope="col">Roles</th>
            <th scope="col" className="num">
              CPU
            </th>
            <th scope="col" className="num">
              Memory
            </th>
            <th scope="col" className="num">
              GPUs
            </th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => (
            <tr key={n.name}>
              <th scope="row" className="mono">
                {n.name}
              </th>
              <td>
                {n.ready ? (
                  <span className="badge badge-success">Ready</span>
                ) : (
                  <>
                    <span className="badge badge-danger">Not ready</span>{' '}
                    <span className="small muted">{n.readyReason}</span>
                  </>
                )}
                {n.unschedulable && <span className="badge badge-warning">cordoned</span>}
              </td>
              <td>{n.roles.join(', ') || <span className="muted">worker</span>}</td>
              <td className="num" title={`capacity ${cpu(n.capacity.cpu)}`}>
                {cpu(n.allocatable.cpu)}
              </td>
              <td className="num" title={`capacity ${formatBytes(n.capacity.memoryBytes)}`}>
                {formatBytes(n.allocatable.memoryBytes)}
              </td>
              <td className="num">{n.allocatable.gpus}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Allocatable resources (what pods can ask for); hover for the node’s capacity.
      </p>
    </div>
  );
}

function Details({
  d,
  refresh,
  checking,
  onRetry,
  using,
  onUse,
  useError,
}: {
  d: KubeContextDetails;
  refresh: number;
  checking: boolean;
  onRetry: () => void;
  using: boolean;
  onUse: () => void;
  useError: string | null;
}) {
  const c = d.context;
  return (
    <div className="kube-details">
      <div className="section-head">
        <h3 id="kube-details-title">
          {c.name}
          {c.inUse && <span className="badge badge-info">used by Axon</span>}
        </h3>
        <div className="actions">
          <button type="button" onClick={onRetry} disabled={checking}>
            {checking ? 'Checking…' : 'Check again'}
          </button>
          <button
            type="button"
            className="primary"
            disabled={c.selected || using || !!c.problem}
            onClick={onUse}
            aria-describedby="kube-use-help"
          >
            {c.selected ? 'Used for Axon' : using ? 'Saving…' : 'Use for Axon'}
          </button>
        </div>
      </div>
      <p id="kube-use-help" className="muted small">
        Axon keeps its choice in its own settings; your kubeconfig (and kubectl’s current context) is not
        changed.
      </p>
      {useError && <p className="form-error">{useError}</p>}
      {!d.reachable ? (
        <ErrorState
          error={`Not reachable: ${d.reason}`}
          hint={
            <p>
              Checked {c.server ?? 'the cluster'} with a {formatDuration(d.timeoutMs)} limit. Is the cluster
              running (for kind: <code>docker ps</code>), and are the credentials in {c.file} current?
            </p>
          }
        />
      ) : (
        <>
          <dl className="props">
            <dt>Server</dt>
            <dd className="mono">{c.server}</dd>
            <dt>Version</dt>
            <dd>
              <span className="dot dot-ok" aria-hidden="true" /> reachable, Kubernetes {d.version?.gitVersion}
              {d.version?.platform ? ` (${d.version.platform})` : ''}{' '}
              <span className="muted small">in {formatDuration(d.elapsedMs)}</span>
            </dd>
            <dt>Namespace</dt>
            <dd>
              <span className="mono">{c.namespace}</span>
              {c.namespaceOverride
                ? ' (Axon’s setting)'
                : c.kubeNamespace
                  ? ' (from the context)'
                  : ' (the context sets none)'}
              {d.namespace.exists === false && <span className="badge badge-warning">does not exist</span>}
              {d.namespace.reason && <div className="small muted">{d.namespace.reason}</div>}
            </dd>
            <dt>Nodes</dt>
            <dd>
              {d.totals ? (
                <>
                  {d.totals.readyNodes} of {d.totals.nodes} ready · {cpu(d.totals.allocatable.cpu)} CPU ·{' '}
                  {formatBytes(d.totals.allocatable.memoryBytes)} · {d.totals.allocatable.gpus} GPU
                  {d.nodesTruncated && <span className="muted small"> (first 500 nodes)</span>}
                </>
              ) : (
                <span className="muted">cannot be listed: {d.nodesError}</span>
              )}
            </dd>
          </dl>
          {d.nodes && d.nodes.length > 0 && <NodesTable nodes={d.nodes} />}
          <AxonPods context={c.name} allocatable={d.totals?.allocatable ?? null} refresh={refresh} />
        </>
      )}
    </div>
  );
}

function ContextDetails({ name, refresh, onUsed }: { name: string; refresh: number; onUsed: () => void }) {
  const d = useAsync(() => call('clusters.kubeContext', { name }), [name, refresh], [name]);
  const [using, setUsing] = useState(false);
  const [useError, setUseError] = useState<string | null>(null);
  const use = async () => {
    setUsing(true);
    setUseError(null);
    try {
      await call('settings.update', { kubeContext: name });
      onUsed();
      d.reload();
    } catch (e) {
      setUseError(`Could not save: ${errorMessage(e)}`);
    } finally {
      setUsing(false);
    }
  };
  if (d.error)
    return <ErrorState error={`The engine could not check ${name}: ${d.error}`} onRetry={d.reload} />;
  if (!d.data || d.data.context.name !== name)
    return <Loading what={`${name} (asking its API server, up to 5 s)`} />;
  return (
    <Details
      d={d.data}
      refresh={refresh}
      checking={d.loading}
      onRetry={d.reload}
      using={using}
      onUse={use}
      useError={useError}
    />
  );
}

export function KubernetesCard({ refresh }: { refresh: number }) {
  const list = useAsync(() => call('clusters.kubeContexts', {}), [refresh], []);
  const [chosen, setChosen] = useState<string | null>(null);
  const data = list.data;
  const shown =
    (chosen && data?.contexts.some((c) => c.name === chosen) ? chosen : null) ??
    data?.contextInUse ??
    data?.contexts[0]?.name ??
    null;
  const where = data?.files.map((f) => f.path).join(', ') ?? '';

  return (
    <section className="card kube-card" aria-labelledby="k8s-title">
      <h2 id="k8s-title">Kubernetes</h2>
      {list.error ? (
        <ErrorState error={`The engine could not read the kubeconfig: ${list.error}`} onRetry={list.reload} />
      ) : !data ? (
        <Loading what="kube contexts" />
      ) : (
        <>
          <FileNotices list={data} />
          {!data.contexts.length ? (
            data.files.every((f) => f.status === 'missing') ? (
              <Empty title={`No kubeconfig found at ${where}`}>
                Create a cluster with <code>kind create cluster</code>, or set <code>KUBECONFIG</code> for the
                engine (for <code>axon serve</code>: in the shell that starts it), then choose “Check again”.
              </Empty>
            ) : (
              <Empty title={`No kube contexts in ${where}`}>
                Add one with <code>kind create cluster</code> or your cloud’s CLI (e.g.{' '}
                <code>gcloud container clusters get-credentials</code>), then choose “Check again”.
              </Empty>
            )
          ) : (
            <>
              {data.selectedMissing && (
                <Notice kind="warning">
                  <p>
                    Axon’s context “{data.selectedContext}” is in no kubeconfig file now; choose another
                    below.
                  </p>
                </Notice>
              )}
              <p className="muted small">
                From {data.source === 'KUBECONFIG' ? 'KUBECONFIG' : 'the default kubeconfig'}:{' '}
                <span className="mono">{where}</span>.{' '}
                {data.selectedContext
                  ? `Axon uses ${data.selectedContext} (its own choice).`
                  : data.contextInUse
                    ? `Axon uses kube’s current context, ${data.contextInUse}, until you choose one.`
                    : 'No current context: choose one for Axon.'}
              </p>
              <div className="table-scroll">
                <table className="table compact" aria-label="Kube contexts">
                  <thead>
                    <tr>
                      <th scope="col">Context</th>
                      <th scope="col">Cluster server</th>
                      <th scope="col">Namespace</th>
                      <th scope="col">User</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.contexts.map((c) => (
                      <tr key={c.name} className={c.name === shown ? 'kube-shown' : undefined}>
                        <th scope="row">
                          <button
                            type="button"
                            className="link"
                            aria-pressed={c.name === shown}
                            onClick={() => setChosen(c.name)}
                          >
                            {c.name}
                          </button>
                          {c.selected && <span className="badge badge-info">Axon</span>}
                          {c.current && <span className="badge badge-neutral">kube current</span>}
                          {c.problem && (
                            <div className="small form-error" role="note">
                              unusable: {c.problem}
                            </div>
                          )}
                        </th>
                        <td className="mono small">{c.server ?? '—'}</td>
                        <td className="mono small">{c.namespace}</td>
                        <td className="small">{c.user ?? <span className="muted">none</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {shown && <ContextDetails name={shown} refresh={refresh} onUsed={list.reload} />}
            </>
          )}
        </>
      )}
      <p className="muted small kube-backend-note">
        Runs with the Kubernetes backend go to the context and namespace chosen in New run: by default the
        context Axon uses (marked “Axon” above, else kube’s current one) and its namespace.
      </p>
    </section>
  );
}
