// New run → Kubernetes: which kube context and namespace the run goes to (runs.create `context`, `namespace`).
// Both default to what Axon uses (clusters.kubeContexts: its selected context, else kube's current one, and
// that context's namespace); the choice is recorded with the run, so changing Axon's context later never moves
// it. The namespace is checked here as the engine checks it (an RFC 1123 label).
import { useEffect, useId, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { namespaceName, type KubeContextInfo } from '../../../shared/clusters';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { Notice } from '../components/States';

export interface KubeTarget {
  context: string;
  namespace: string;
}

/** How images built for this context reach its nodes (Settings → registries). */
function imagePath(c: KubeContextInfo): { text: string; warn: boolean } {
  const r = c.registry;
  if (r?.kind === 'registry') return { text: `pushed to ${r.url}`, warn: false };
  if (r?.kind === 'containerd')
    return { text: `imported into the node’s containerd at ${r.socket}`, warn: false };
  if (r?.kind === 'kind-load' || c.isKind) return { text: 'loaded into the kind nodes', warn: false };
  return {
    text: 'no registry is set: unless its nodes are kind nodes, the image built here cannot reach them',
    warn: true,
  };
}

export function KubeRunTarget({ onChange }: { onChange(target: KubeTarget | null): void }) {
  const list = useAsync(() => call('clusters.kubeContexts', {}), []);
  const [picked, setPicked] = useState<string | null>(null);
  // null: the chosen context's own namespace (what Axon uses there).
  const [typed, setTyped] = useState<string | null>(null);
  const ids = useId();
  const data = list.data;
  const usable = useMemo(() => data?.contexts.filter((c) => !c.problem) ?? [], [data]);
  const chosen =
    usable.find((c) => c.name === picked) ??
    usable.find((c) => c.name === data?.contextInUse) ??
    usable[0] ??
    null;
  const namespace = typed ?? chosen?.namespace ?? '';
  const check = namespaceName.safeParse(namespace);
  const nsError = check.success ? null : check.error.issues[0]?.message;
  const target = chosen && !nsError ? chosen.name : null;

  useEffect(() => {
    onChange(target ? { context: target, namespace } : null);
  }, [target, namespace, onChange]);

  if (list.error)
    return (
      <Notice kind="error">
        <p>The engine could not read the kubeconfig: {list.error}</p>
        <button type="button" onClick={list.reload}>
          Try again
        </button>
      </Notice>
    );
  if (!data)
    return (
      <p className="muted small" role="status">
        Loading kube contexts…
      </p>
    );
  if (!usable.length)
    return (
      <Notice kind="warning">
        <p>
          {data.contexts.length
            ? 'None of the kube contexts can be used'
            : `No kube contexts in ${data.files.map((f) => f.path).join(', ')}`}
          : see <Link to="/clusters">Clusters</Link>. Create a cluster with <code>kind create cluster</code>,
          or set <code>KUBECONFIG</code> where the engine starts.
        </p>
      </Notice>
    );

  const images = chosen ? imagePath(chosen) : null;
  return (
    <fieldset className="kube-target" aria-describedby={`${ids}-where`}>
      <legend>Kubernetes</legend>
      <div className="fields">
        <label>
          Kube context
          <select
            value={chosen?.name ?? ''}
            onChange={(e) => {
              setPicked(e.target.value);
              setTyped(null);
            }}
          >
            {data.contexts.map((c) => (
              <option key={c.name} value={c.name} disabled={!!c.problem}>
                {c.name}
                {c.inUse ? ' (Axon’s context)' : ''}
                {c.problem ? ` — unusable: ${c.problem}` : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Namespace
          <input
            className="mono"
            value={namespace}
            onChange={(e) => setTyped(e.target.value)}
            spellCheck={false}
            autoCapitalize="off"
            aria-invalid={!!nsError}
            aria-describedby={`${ids}-ns`}
          />
        </label>
      </div>
      {nsError ? (
        <span id={`${ids}-ns`} className="form-error">
          Namespace: {nsError}
        </span>
      ) : (
        <span id={`${ids}-ns`} className="muted small">
          {chosen && namespace === chosen.namespace
            ? `The namespace Axon uses on ${chosen.name}.`
            : `Axon uses ${chosen?.namespace} on ${chosen?.name}; this run goes to ${namespace}.`}
        </span>
      )}
      <p id={`${ids}-where`} className="muted small">
        {chosen?.server && (
          <>
            Server <span className="mono">{chosen.server}</span>.{' '}
          </>
        )}
        The image is built here with Docker{images?.warn ? '' : `, then ${images?.text}`}. The context and
        namespace are recorded with the run.
      </p>
      {images?.warn && (
        <Notice kind="warning">
          <p>
            {chosen?.name}: {images.text}. Set a registry in <Link to="/settings">Settings</Link>.
          </p>
        </Notice>
      )}
    </fieldset>
  );
}
