// "New run": a polyaxonfile editor validated as you type, a backend choice (local, Docker, Kubernetes with
// its context and namespace), -P overrides, and Run (runs.create in the project's code folder, or, in a browser,
// in a folder of this computer uploaded with the run: CodeSource).
import { useCallback, useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import type { Project } from '../../../shared/domain';
import { ApiError } from '../../../shared/api';
import type { SpecError } from '../../../shared/polyaxonfile';
import { call, chooseFolderNatively, errorMessage } from '../api';
import { packFolder } from '../lib/codeArchive';
import { CodeSource, type CodeChoice } from './CodeSource';
import { PolyaxonEditor, type Validation } from '../components/PolyaxonEditor';
import { Notice } from '../components/States';
import { BACKENDS, useSettings, type BackendName } from '../stores/settings';
import { backendStatus, useSystem } from '../stores/system';
import { useExperiments } from '../stores/experiments';
import { useGroups } from '../stores/groups';
import { formatBytes, formatNumber } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { KubeRunTarget, type KubeTarget } from './KubeRunTarget';

const FILE_NAME = 'polyaxonfile.yml';
const DRAFT_KEY = (project: string) => `axon.draft.${project}`;

/** `name=value` lines → overrides; lines that are not are reported. */
function parseOverrides(text: string): { params: Record<string, string>; bad: string[] } {
  const params: Record<string, string> = {};
  const bad: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const i = line.indexOf('=');
    if (i <= 0) bad.push(line);
    else params[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return { params, bad };
}

export function NewRunPanel({ project, onStarted }: { project: Project; onStarted(): void }) {
  const defaultBackend = useSettings((s) => s.defaultBackend);
  const info = useSystem((s) => s.info);
  const [text, setText] = useState(() => sessionStorage.getItem(DRAFT_KEY(project.name)) ?? '');
  const [fileName, setFileName] = useState(FILE_NAME);
  // The polyaxonfiles in the project's folder, offered for loading into the editor.
  const found = useAsync(() => call('projects.files', { name: project.name }), [project.name]);
  const [overridesText, setOverridesText] = useState('');
  const [backend, setBackend] = useState<BackendName>(defaultBackend);
  // Kubernetes: the context and namespace chosen (null while they load or when they cannot be used).
  const [kube, setKube] = useState<KubeTarget | null>(null);
  const onKube = useCallback((t: KubeTarget | null) => setKube(t), []);
  const [name, setName] = useState('');
  const [validation, setValidation] = useState<Validation>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // A browser may send a folder of its own computer; the desktop app's engine reads the project's folder.
  const canUpload = !chooseFolderNatively;
  const [code, setCode] = useState<CodeChoice>(
    project.codePath || !canUpload ? { kind: 'folder' } : { kind: 'upload', files: null },
  );
  const [error, setError] = useState<{ message: string; specErrors?: SpecError[] } | null>(null);
  const navigate = useNavigate();

  const { params: overrides, bad } = useMemo(() => parseOverrides(overridesText), [overridesText]);
  const docker = backendStatus(info, 'docker');
  const kubernetes = backendStatus(info, 'kubernetes');
  const hasCode = code.kind === 'upload' ? !!code.files?.length : !!project.codePath;
  const canRun = !!validation?.ok && !bad.length && hasCode && !busy && (backend !== 'kubernetes' || !!kube);

  async function run(e: FormEvent) {
    e.preventDefault();
    if (!canRun) return;
    setBusy('Starting…');
    setError(null);
    try {
      let source: { codePath: string } | { upload: string };
      if (code.kind === 'upload') {
        setBusy('Packing the folder…');
        const packed = await packFolder(code.files ?? []);
        setBusy(`Uploading ${formatBytes(packed.sent)}…`);
        source = { upload: (await call('code.upload', { archive: packed.archive })).id };
        setBusy('Starting…');
      } else source = { codePath: project.codePath! };
      const r = await call('runs.create', {
        files: [{ name: fileName, text }],
        params: overrides,
        project: project.name,
        ...source,
        backend,
        ...(backend === 'kubernetes' && kube ? kube : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      sessionStorage.removeItem(DRAFT_KEY(project.name));
      onStarted();
      if (r.kind === 'group') {
        useGroups.getState().upsert([r.group]);
        useExperiments.getState().upsert(r.experiments);
        navigate(`/groups/${r.group.id}`);
      } else {
        useExperiments.getState().upsert([r.experiment]);
        navigate(`/experiments/${r.experiment.id}`);
      }
    } catch (err) {
      const specErrors =
        err instanceof ApiError && err.code === 'invalid_spec' ? (err.details as SpecError[]) : undefined;
      setError({ message: errorMessage(err), specErrors });
    } finally {
      setBusy(null);
    }
  }

  const declared = validation?.ok ? Object.entries(validation.summary.params ?? {}) : [];

  return (
    <form id="new-run" className="card new-run" onSubmit={run} aria-labelledby="new-run-title">
      <h2 id="new-run-title">New run</h2>
      {!project.codePath && !canUpload && (
        <Notice kind="warning">
          This project has no code folder, so Axon does not know where to run the command. Create a project
          with a code folder, or use <code>axon run</code> in the folder.
        </Notice>
      )}
      <label htmlFor="polyaxonfile-editor" className="label">
        Polyaxonfile{' '}
        <span className="muted small">
          (runs in {code.kind === 'upload' ? 'the uploaded folder' : (project.codePath ?? '—')})
        </span>
      </label>
      {!!found.data?.length && (
        <div className="toolbar" role="group" aria-label="Polyaxonfiles in the project's folder">
          <span className="muted small">In the folder:</span>
          {found.data.map((f) => (
            <button
              key={f.name}
              type="button"
              aria-pressed={fileName === f.name && text === f.text}
              onClick={() => {
                if (
                  text.trim() &&
                  text !== f.text &&
                  !window.confirm(`Replace the editor's text with ${f.name}?`)
                )
                  return;
                setText(f.text);
                setFileName(f.name);
                sessionStorage.setItem(DRAFT_KEY(project.name), f.text);
              }}
            >
              Load {f.name}
            </button>
          ))}
        </div>
      )}
      <PolyaxonEditor
        id="polyaxonfile-editor"
        fileName={fileName}
        text={text}
        params={overrides}
        onChange={(t) => {
          setText(t);
          sessionStorage.setItem(DRAFT_KEY(project.name), t);
        }}
        onValidated={setValidation}
      />
      <div className="fields">
        {canUpload && <CodeSource codePath={project.codePath} value={code} onChange={setCode} />}
        <fieldset className="radio-group">
          <legend>Backend</legend>
          {BACKENDS.map((b) => (
            <label key={b} className="check">
              <input
                type="radio"
                name="backend"
                value={b}
                checked={backend === b}
                onChange={() => setBackend(b)}
              />{' '}
              {b}
              {(b === 'docker' ? docker : b === 'kubernetes' ? kubernetes : null)?.available === false ? (
                <span className="muted small"> (not available)</span>
              ) : null}
            </label>
          ))}
        </fieldset>
        <label className="grow">
          <span>
            Param overrides (-P), one <code>name=value</code> per line
          </span>
          <textarea
            className="mono"
            rows={3}
            value={overridesText}
            onChange={(e) => setOverridesText(e.target.value)}
            placeholder="steps=2"
            spellCheck={false}
            aria-invalid={bad.length > 0}
          />
          {bad.length > 0 && <span className="form-error">Not name=value: {bad.join(', ')}</span>}
          {declared.length > 0 && (
            <span className="muted small">
              Declared: {declared.map(([k, v]) => `${k}=${formatNumber(v)}`).join(', ')}
            </span>
          )}
        </label>
        <label>
          Name (optional)
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
      </div>
      {backend === 'kubernetes' && <KubeRunTarget onChange={onKube} />}
      {backend === 'docker' && docker && !docker.available && (
        <Notice kind="warning">
          Docker is not reachable: {docker.detail}. Start it, or choose the local backend.
        </Notice>
      )}
      {backend === 'kubernetes' && kubernetes && !kubernetes.available && (
        <Notice kind="warning">
          The Kubernetes backend is not available: {kubernetes.detail}. Start Docker, or choose the local
          backend.
        </Notice>
      )}
      {error && (
        <Notice kind="error">
          <p>The run was not started: {error.message}</p>
          {error.specErrors?.length ? (
            <ul>
              {error.specErrors.map((s, i) => (
                <li key={i}>{s.message}</li>
              ))}
            </ul>
          ) : null}
        </Notice>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={!canRun}>
          {busy ?? 'Run'}
        </button>
        {!validation?.ok && text.trim() && <span className="muted small">Fix the errors above to run.</span>}
      </div>
    </form>
  );
}
