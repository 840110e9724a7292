// Settings: the engine's home and version, the default backend and the theme (both kept in localStorage), and
// the engine-side settings (AXON_HOME/settings.json): the kube context Axon uses, its namespace, registries.
import { useEffect } from 'react';
import { BACKENDS, useSettings, type Theme } from '../stores/settings';
import { backendStatus, useSystem } from '../stores/system';
import { connection } from '../api';
import { ErrorState, Loading } from '../components/States';
import { KubeSettings } from './KubeSettings';
import { useTitle } from '../lib/useTitle';

const LABELS = { local: 'Local processes', docker: 'Docker', kubernetes: 'Kubernetes' } as const;

export function SettingsPage() {
  useTitle('Settings');
  const { theme, setTheme, defaultBackend, setDefaultBackend } = useSettings();
  const { info, error, load } = useSystem();
  useEffect(() => {
    void load();
  }, [load]);
  const docker = backendStatus(info, 'docker');
  const kubernetes = backendStatus(info, 'kubernetes');

  return (
    <div className="page">
      <header className="page-head">
        <h1>Settings</h1>
      </header>
      <div className="summary-grid">
        <section className="card" aria-labelledby="engine-title">
          <h2 id="engine-title">Engine</h2>
          {error ? (
            <ErrorState error={`The engine did not answer: ${error}`} onRetry={load} />
          ) : !info ? (
            <Loading what="engine information" />
          ) : (
            <dl className="props">
              <dt>AXON_HOME</dt>
              <dd className="mono">{info.home}</dd>
              <dt>Version</dt>
              <dd>{info.version}</dd>
              <dt>Process</dt>
              <dd>
                pid {info.pid}, started {new Date(info.startedAt).toLocaleString()}
              </dd>
              <dt>Connection</dt>
              <dd>
                {connection.kind === 'ipc' ? 'desktop app (IPC)' : 'browser (HTTP + WebSocket, this origin)'}
              </dd>
            </dl>
          )}
        </section>
        <fieldset className="card radio-group">
          <legend>Default backend for new runs</legend>
          {BACKENDS.map((b) => (
            <label key={b} className="check">
              <input
                type="radio"
                name="default-backend"
                checked={defaultBackend === b}
                onChange={() => setDefaultBackend(b)}
              />{' '}
              {LABELS[b]}
              {(b === 'docker' ? docker : b === 'kubernetes' ? kubernetes : null)?.available === false && (
                <span className="muted small"> (not available now)</span>
              )}
            </label>
          ))}
        </fieldset>
        <fieldset className="card radio-group">
          <legend>Theme</legend>
          {(['light', 'dark'] as Theme[]).map((t) => (
            <label key={t} className="check">
              <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => setTheme(t)} />{' '}
              {t === 'light' ? 'Light' : 'Dark'}
            </label>
          ))}
          <p className="muted small">Also in the sidebar. Kept in this browser (localStorage).</p>
        </fieldset>
        <KubeSettings />
      </div>
    </div>
  );
}
