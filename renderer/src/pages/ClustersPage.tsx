// Where runs can go: this machine (system.machine), Docker (reachable or why not), and the kube contexts of
// the user's kubeconfig with their clusters checked on demand and this Axon's pods there (KubernetesCard);
// under `axon serve --auth`, the quotas of the user's organizations (OrgQuotas).
import { useEffect, useState } from 'react';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { useSystem } from '../stores/system';
import { ErrorState, Loading } from '../components/States';
import { formatBytes } from '../lib/format';
import { KubernetesCard } from './KubernetesCard';
import { useTitle } from '../lib/useTitle';
import { OrgQuotas } from '../components/OrgQuotas';

export function ClustersPage() {
  useTitle('Clusters');
  const machine = useAsync(() => call('system.machine', {}), []);
  const { info, error, load } = useSystem();
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    void load();
  }, [load]);
  const backends = info?.backends ?? [];
  const docker = backends.find((b) => b.name === 'docker');
  const others = backends.filter((b) => b.name !== 'docker' && b.name !== 'kubernetes');

  return (
    <div className="page">
      <header className="page-head">
        <h1>Clusters</h1>
        <button type="button" onClick={() => (machine.reload(), load(), setRefresh((n) => n + 1))}>
          Check again
        </button>
      </header>
      <div className="summary-grid">
        <section className="card" aria-labelledby="machine-title">
          <h2 id="machine-title">This machine</h2>
          {machine.error ? (
            <ErrorState
              error={`The engine could not describe this machine: ${machine.error}`}
              onRetry={machine.reload}
            />
          ) : !machine.data ? (
            <Loading what="this machine" />
          ) : (
            <dl className="props">
              <dt>Platform</dt>
              <dd>{machine.data.platform}</dd>
              <dt>CPUs</dt>
              <dd>{machine.data.cpus}</dd>
              <dt>Memory</dt>
              <dd>
                {formatBytes(machine.data.memoryBytes)} ({formatBytes(machine.data.freeMemoryBytes)} free)
              </dd>
              <dt>GPUs</dt>
              <dd>
                {machine.data.gpus?.length ? (
                  <ul className="plain">
                    {machine.data.gpus.map((g) => (
                      <li key={g.index}>
                        #{g.index} {g.name}
                        {g.memoryTotalBytes != null &&
                          ` · ${formatBytes(g.memoryUsedBytes)} of ${formatBytes(g.memoryTotalBytes)}`}
                        {g.utilizationPercent != null && ` · ${g.utilizationPercent}% busy`}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="muted">none found (nvidia-smi not available)</span>
                )}
              </dd>
            </dl>
          )}
          {others.map((b) => (
            <p key={b.name} className="small">
              <span className={`dot ${b.available ? 'dot-ok' : 'dot-bad'}`} aria-hidden="true" /> {b.name}{' '}
              backend: {b.available ? 'ready' : 'not available'}
              {b.detail ? ` — ${b.detail}` : ''}
            </p>
          ))}
        </section>
        <section className="card" aria-labelledby="docker-title">
          <h2 id="docker-title">Docker</h2>
          {error ? (
            <ErrorState error={`The engine did not answer: ${error}`} onRetry={load} />
          ) : !info ? (
            <Loading what="Docker status" />
          ) : !docker ? (
            <p className="muted">This engine has no Docker backend.</p>
          ) : docker.available ? (
            <p>
              <span className="dot dot-ok" aria-hidden="true" /> {docker.detail || 'Reachable.'}
            </p>
          ) : (
            <div role="status">
              <p>
                <span className="dot dot-bad" aria-hidden="true" /> <strong>Docker is not reachable:</strong>{' '}
                {docker.detail}
              </p>
              <p className="muted">
                Start Docker (or set DOCKER_HOST), then choose “Check again”; or run with the local backend.
              </p>
            </div>
          )}
        </section>
        <KubernetesCard refresh={refresh} />
        <OrgQuotas refresh={refresh} />
      </div>
    </div>
  );
}
