// The engine-side settings on the Settings page (AXON_HOME/settings.json, through settings.update): the kube
// context Axon uses and its namespace, and per context where images go (kind load, or a registry URL).
// The user's kubeconfig is never written.
import { useState, type FormEvent } from 'react';
import {
  registryUrl,
  namespaceName,
  type KubeContextInfo,
  type KubeContextList,
} from '../../../shared/clusters';
import { call, errorMessage } from '../api';
import { useAsync } from '../lib/useAsync';
import { ErrorState, Loading, Notice } from '../components/States';

type Mode = 'kind-load' | 'registry' | 'none';
interface Row {
  mode: Mode;
  url: string;
}

function rowOf(c: KubeContextInfo): Row {
  if (c.registry?.kind === 'registry') return { mode: 'registry', url: c.registry.url };
  return { mode: c.isKind ? 'kind-load' : 'none', url: '' };
}

const firstIssue = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  r.success ? null : (r.error?.issues[0]?.message ?? 'invalid');

interface FormProps {
  list: KubeContextList;
  /** The last save of this form succeeded (kept by the parent: a save re-creates the form). */
  saved: boolean;
  onSaved: (saved: boolean) => void;
}

function ContextForm({ list, saved, onSaved }: FormProps) {
  const [context, setContext] = useState(list.selectedContext ?? '');
  const target = list.contexts.find((c) => c.name === (context || list.currentContext));
  const [namespace, setNamespace] = useState(target?.namespaceOverride ?? '');
  const [state, setState] = useState<{ saving?: boolean; error?: string }>({});
  const nsError = namespace ? firstIssue(namespaceName.safeParse(namespace)) : null;

  const pick = (name: string) => {
    setContext(name);
    const c = list.contexts.find((x) => x.name === (name || list.currentContext));
    setNamespace(c?.namespaceOverride ?? '');
    setState({});
    onSaved(false);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setState({ saving: true });
    try {
      await call('settings.update', {
        kubeContext: context || null,
        ...(target ? { contexts: { [target.name]: { namespace: namespace || null } } } : {}),
      });
      setState({});
      onSaved(true);
    } catch (err) {
      setState({ error: errorMessage(err) });
    }
  };

  return (
    <form className="card kube-settings" aria-labelledby="kube-settings-title" onSubmit={save}>
      <h2 id="kube-settings-title">Kubernetes context</h2>
      {!list.contexts.length ? (
        <p className="muted">
          No kube contexts found ({list.files.map((f) => `${f.path}: ${f.status}`).join('; ')}). Create a
          cluster with <code>kind create cluster</code>, or set KUBECONFIG for the engine.
        </p>
      ) : (
        <div className="fields">
          <label>
            Context Axon uses
            <select value={context} onChange={(e) => pick(e.target.value)}>
              <option value="">
                kube’s current context{list.currentContext ? ` (${list.currentContext})` : ' (none set)'}
              </option>
              {list.contexts.map((c) => (
                <option key={c.name} value={c.name} disabled={!!c.problem}>
                  {c.name}
                  {c.problem ? ' (unusable)' : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            Namespace{target ? ` in ${target.name}` : ''}
            <input
              value={namespace}
              onChange={(e) => (setNamespace(e.target.value.trim()), setState({}), onSaved(false))}
              placeholder={target?.kubeNamespace ?? 'default'}
              aria-invalid={!!nsError}
              aria-describedby="kube-ns-help"
              disabled={!target}
            />
          </label>
          <button type="submit" className="primary" disabled={state.saving || !!nsError}>
            {state.saving ? 'Saving…' : 'Save context'}
          </button>
        </div>
      )}
      <p id="kube-ns-help" className="muted small">
        {nsError
          ? `Namespace: ${nsError}.`
          : `Empty: the context’s own namespace (${target?.kubeNamespace ?? 'default'}). Kept in Axon’s settings; your kubeconfig and kubectl’s current context are not changed.`}
      </p>
      {saved && (
        <p className="ok-text" role="status">
          Saved.
        </p>
      )}
      {state.error && <p className="form-error">{state.error}</p>}
    </form>
  );
}

function RegistriesForm({ list, saved, onSaved }: FormProps) {
  const [rows, setRows] = useState<Record<string, Row>>(() =>
    Object.fromEntries(list.contexts.map((c) => [c.name, rowOf(c)])),
  );
  const [state, setState] = useState<{ saving?: boolean; error?: string }>({});
  const errors = Object.fromEntries(
    Object.entries(rows).map(([name, r]) => [
      name,
      r.mode === 'registry' ? firstIssue(registryUrl.safeParse(r.url)) : null,
    ]),
  );
  const invalid = Object.values(errors).some(Boolean);
  const set = (name: string, r: Partial<Row>) => {
    setRows((all) => ({ ...all, [name]: { ...all[name], ...r } }));
    setState({});
    onSaved(false);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setState({ saving: true });
    try {
      await call('settings.update', {
        contexts: Object.fromEntries(
          Object.entries(rows).map(([name, r]) => [
            name,
            {
              registry:
                r.mode === 'registry'
                  ? { kind: 'registry' as const, url: r.url.trim() }
                  : r.mode === 'kind-load'
                    ? { kind: 'kind-load' as const }
                    : null,
            },
          ]),
        ),
      });
      setState({});
      onSaved(true);
    } catch (err) {
      setState({ error: errorMessage(err) });
    }
  };

  return (
    <form className="card kube-settings kube-wide" aria-labelledby="registries-title" onSubmit={save}>
      <h2 id="registries-title">Registries</h2>
      <p className="muted small">
        Where images built for a context go. A kind cluster can load them straight into its nodes (
        <code>kind load</code>) or pull them from a local registry such as <code>localhost:5001</code>; other
        clusters pull from a registry they can reach.
      </p>
      {!list.contexts.length ? (
        <p className="muted">No kube contexts yet.</p>
      ) : (
        <>
          <table className="table compact" aria-label="Registry per context">
            <thead>
              <tr>
                <th scope="col">Context</th>
                <th scope="col">Images go</th>
                <th scope="col">Registry</th>
              </tr>
            </thead>
            <tbody>
              {list.contexts.map((c) => {
                const r = rows[c.name] ?? rowOf(c);
                const err = errors[c.name];
                return (
                  <tr key={c.name}>
                    <th scope="row" className="mono">
                      {c.name}
                    </th>
                    <td>
                      <select
                        aria-label={`How images reach ${c.name}`}
                        value={r.mode}
                        onChange={(e) => set(c.name, { mode: e.target.value as Mode })}
                      >
                        {c.isKind ? (
                          <option value="kind-load">kind load (into the nodes)</option>
                        ) : (
                          <option value="none">not set</option>
                        )}
                        <option value="registry">push to a registry</option>
                      </select>
                    </td>
                    <td>
                      {r.mode === 'registry' ? (
                        <>
                          <input
                            aria-label={`Registry for ${c.name}`}
                            value={r.url}
                            placeholder={c.isKind ? 'localhost:5001' : 'ghcr.io/me'}
                            onChange={(e) => set(c.name, { url: e.target.value })}
                            aria-invalid={!!err}
                            aria-describedby={err ? `registry-error-${c.name}` : undefined}
                          />
                          {err && (
                            <div id={`registry-error-${c.name}`} className="form-error small">
                              {err}
                            </div>
                          )}
                        </>
                      ) : (
                        <span className="muted small">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="actions">
            <button type="submit" className="primary" disabled={state.saving || invalid}>
              {state.saving ? 'Saving…' : 'Save registries'}
            </button>
            {saved && (
              <span className="ok-text" role="status">
                Saved.
              </span>
            )}
          </div>
          {state.error && <p className="form-error">{state.error}</p>}
        </>
      )}
    </form>
  );
}

/** The Kubernetes context and Registries cards. */
export function KubeSettings() {
  const list = useAsync(() => call('clusters.kubeContexts', {}), []);
  const settings = useAsync(() => call('settings.get', {}), []);
  const [saved, setSaved] = useState<'context' | 'registries' | null>(null);
  const onSaved = (form: 'context' | 'registries') => (ok: boolean) => {
    setSaved(ok ? form : null);
    if (ok) {
      list.reload();
      settings.reload();
    }
  };
  const err = list.error ?? settings.error;
  if (err)
    return (
      <section className="card" aria-label="Kubernetes settings">
        <ErrorState
          error={`The engine did not answer: ${err}`}
          onRetry={() => (list.reload(), settings.reload())}
        />
      </section>
    );
  if (!list.data || !settings.data)
    return (
      <section className="card" aria-label="Kubernetes settings">
        <Loading what="Kubernetes settings" />
      </section>
    );
  // Forms take their first values from the data, and start afresh when the saved values change.
  const cs = list.data.contexts;
  const contextKey = JSON.stringify([list.data.selectedContext, cs.map((c) => c.namespaceOverride)]);
  const registriesKey = JSON.stringify(cs.map((c) => [c.name, c.registry]));
  return (
    <>
      {settings.data.problem && (
        <div className="kube-wide">
          <Notice kind="error">
            <p>
              {settings.data.problem}. Axon shows its defaults and will not save over the file: fix it or
              remove it.
            </p>
          </Notice>
        </div>
      )}
      <ContextForm
        key={contextKey}
        list={list.data}
        saved={saved === 'context'}
        onSaved={onSaved('context')}
      />
      <RegistriesForm
        key={registriesKey}
        list={list.data}
        saved={saved === 'registries'}
        onSaved={onSaved('registries')}
      />
      <p className="muted small kube-wide">
        Saved by the engine in <span className="mono">{settings.data.file}</span>.
      </p>
    </>
  );
}
