// The Clusters page, for the context shown: this Axon home's pods there (clusters.axonPods: experiment,
// replica, namespace, phase, node, requests) and what they request against what the nodes can give
// (allocatable, from clusters.kubeContext). Read again when a Kubernetes run of this Axon changes status
// (engine events through the store, throttled) and on demand; nothing polls.
import { Link } from 'react-router-dom';
import type { AxonPod, NodeResources } from '../../../shared/clusters';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { useThrottledValue } from '../lib/useThrottled';
import { formatBytes } from '../lib/format';
import { useExperiments } from '../stores/experiments';
import { Empty, ErrorState, Loading, Notice } from '../components/States';

const cores = (n: number | null) => (n === null ? '—' : String(Number(n.toFixed(3))));

const PHASE_TONE: Record<string, string> = {
  Pending: 'warning',
  Running: 'info',
  Succeeded: 'success',
  Failed: 'danger',
};

function share(used: number, total: number | null): string {
  if (!total) return '—';
  const pct = (100 * used) / total;
  return pct > 0 && pct < 1 ? '<1%' : `${Math.round(pct)}%`;
}

function Capacity({
  used,
  allocatable,
}: {
  used: { cpu: number; memoryBytes: number; gpus: number };
  allocatable: NodeResources | null;
}) {
  const rows: Array<[string, number, number | null, (n: number | null) => string]> = [
    ['CPU (cores)', used.cpu, allocatable?.cpu ?? null, cores],
    ['Memory', used.memoryBytes, allocatable?.memoryBytes ?? null, formatBytes],
    ['GPUs', used.gpus, allocatable?.gpus ?? null, (n) => (n === null ? '—' : String(n))],
  ];
  return (
    <table className="table compact capacity" aria-label="Capacity used by Axon’s pods">
      <thead>
        <tr>
          <th scope="col">Resource</th>
          <th scope="col" className="num">
            Requested by Axon’s pods
          </th>
          <th scope="col" className="num">
            Allocatable (all nodes)
          </th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, u, total, fmt]) => {
          const pct = total ? Math.min(100, (100 * u) / total) : 0;
          return (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className="num">{fmt(u)}</td>
              <td className="num">{fmt(total)}</td>
              <td>
                <span className="capacity-share">
                  <span className="progress-bar" aria-hidden="true">
                    <span className="seg seg-info" style={{ width: `${pct}%` }} />
                  </span>
                  <span className="small">{share(u, total)}</span>
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PodsTable({ pods }: { pods: AxonPod[] }) {
  return (
    <div className="table-scroll">
      <table className="table compact" aria-label="Axon’s pods">
        <thead>
          <tr>
            <th scope="col">Experiment</th>
            <th scope="col">Replica</th>
            <th scope="col">Namespace</th>
            <th scope="col">Phase</th>
            <th scope="col">Node</th>
            <th scope="col" className="num">
              CPU
            </th>
            <th scope="col" className="num">
              Memory
            </th>
            <th scope="col" className="num">
              GPUs
            </th>
            <th scope="col">Pod</th>
          </tr>
        </thead>
        <tbody>
          {pods.map((p) => (
            <tr key={`${p.namespace}/${p.name}`}>
              <th scope="row">
                {p.experimentId ? (
                  <Link to={`/experiments/${p.experimentId}`}>Experiment {p.experimentId}</Link>
                ) : (
                  <span className="muted">unknown</span>
                )}
              </th>
              <td className="mono small">{p.replica}</td>
              <td className="mono small">{p.namespace}</td>
              <td>
                <span className={`badge badge-${PHASE_TONE[p.phase] ?? 'neutral'}`}>{p.phase}</span>
              </td>
              <td className="mono small">{p.node ?? <span className="muted">not scheduled</span>}</td>
              <td className="num">{p.requests.cpu ? cores(p.requests.cpu) : '—'}</td>
              <td className="num">{p.requests.memoryBytes ? formatBytes(p.requests.memoryBytes) : '—'}</td>
              <td className="num">{p.requests.gpus || '—'}</td>
              <td className="mono small">{p.name}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AxonPods({
  context,
  allocatable,
  refresh,
}: {
  context: string;
  allocatable: NodeResources | null;
  refresh: number;
}) {
  // Kubernetes runs of this Axon changing status (started, scheduled, ended) change its pods.
  const runs = useExperiments((s) =>
    Object.values(s.byId)
      .filter((x) => x.backend === 'kubernetes')
      .map((x) => `${x.id}:${x.status}`)
      .join(','),
  );
  const settled = useThrottledValue(runs, 1000);
  const view = useAsync(
    () => call('clusters.axonPods', { name: context }),
    [context, refresh, settled],
    [context],
  );
  const v = view.data?.context === context ? view.data : undefined;

  return (
    <section className="axon-pods" aria-labelledby="axon-pods-title">
      <div className="section-head">
        <h3 id="axon-pods-title">Axon’s pods on {context}</h3>
        <button type="button" onClick={view.reload} disabled={view.loading}>
          {view.loading && v ? 'Reading…' : 'Refresh pods'}
        </button>
      </div>
      {view.error ? (
        <ErrorState
          error={`The engine could not list Axon’s pods on ${context}: ${view.error}`}
          onRetry={view.reload}
        />
      ) : !v ? (
        <Loading what={`Axon’s pods on ${context} (up to 5 s)`} />
      ) : (
        <>
          <p className="muted small">
            Pods of this Axon home in{' '}
            {v.namespaces.length
              ? v.namespaces.map((n, i) => (
                  <span key={n}>
                    {i ? ', ' : ''}
                    <span className="mono">{n}</span>
                  </span>
                ))
              : 'no namespace'}
            . Other users’ pods are not counted (that needs cluster-wide rights Axon does not ask for).
          </p>
          {v.problems.length > 0 && (
            <Notice kind="warning">
              <p>Some namespaces could not be read:</p>
              <ul className="plain">
                {v.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </Notice>
          )}
          <Capacity used={v.used} allocatable={allocatable} />
          {v.pods.length ? (
            <PodsTable pods={v.pods} />
          ) : (
            <Empty
              title={
                v.problems.length
                  ? 'No pods of this Axon in the namespaces that could be read'
                  : `No pods of this Axon on ${context}`
              }
            >
              A run with the Kubernetes backend shows its pods here while it runs; a finished pod is deleted
              once its log and outputs are home.
            </Empty>
          )}
        </>
      )}
    </section>
  );
}
