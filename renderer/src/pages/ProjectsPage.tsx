// Projects: the list (with each one's last activity, runs running now and best result, from
// projects.summaries, re-read at most once a second as experiments change), a form to create one (name + code
// folder, browsed and detected; behind "New project" once there are projects), delete with confirmation.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { Project } from '../../../shared/domain';
import { call, errorMessage } from '../api';
import { useProjects } from '../stores/projects';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Empty, ErrorState, Loading } from '../components/States';
import { formatTime } from '../lib/format';
import { FolderPicker } from '../components/FolderPicker';
import { useTitle } from '../lib/useTitle';
import { useAsync } from '../lib/useAsync';
import { useThrottledValue } from '../lib/useThrottled';
import { useExperiments } from '../stores/experiments';
import { ProjectActivity, ProjectBest } from './ProjectSummaryCells';
import { projectPath } from '../lib/routeParams';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export function ProjectsPage() {
  useTitle('Projects');
  const { list, state, load, remove } = useProjects();
  const [deleting, setDeleting] = useState<Project | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  // Engine events move the experiments store; the summaries follow, at most once a second.
  const changes = useThrottledValue(
    useExperiments((s) => s.byId),
    1000,
  );
  const summaries = useAsync(() => call('projects.summaries', {}), [changes, list], ['summaries']);
  const summaryOf = new Map((summaries.data ?? []).map((x) => [x.name, x]));

  useEffect(() => {
    void load();
  }, [load]);
  const noProjects = state?.status === 'ready' && !list.length;

  async function confirmDelete() {
    if (!deleting) return;
    setBusy(true);
    setDeleteError(null);
    try {
      await remove(deleting.name);
      setDeleting(null);
    } catch (e) {
      setDeleteError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page">
      <header className="page-head">
        <h1>Projects</h1>
        {!noProjects && (
          <div className="actions">
            <button
              type="button"
              className="primary"
              aria-expanded={creating}
              aria-controls="create-project"
              onClick={() => setCreating((v) => !v)}
            >
              {creating ? 'Close' : 'New project'}
            </button>
          </div>
        )}
      </header>
      {(creating || noProjects) && <CreateProject />}
      <section aria-labelledby="projects-title">
        <h2 id="projects-title" className="sr-only">
          All projects
        </h2>
        {state?.status === 'error' ? (
          <ErrorState
            error={`The projects could not be read: ${state.error}`}
            onRetry={load}
            hint={
              <p>Is the engine still running? Start it with `axon serve` and open the address it prints.</p>
            }
          />
        ) : !state || (state.status === 'loading' && !list.length) ? (
          <Loading what="projects" />
        ) : !list.length ? (
          <Empty title="No projects yet">
            Create one with the form above, with the folder of your code (for example the{' '}
            <code>examples/branin</code> folder of Axon), or run <code>axon init</code> in that folder.
          </Empty>
        ) : (
          <table className="table" aria-label="Projects">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Last activity</th>
                <th scope="col" className="num">
                  Running
                </th>
                <th scope="col">Best result</th>
                <th scope="col" className="num">
                  Experiments
                </th>
                <th scope="col" className="num">
                  Groups
                </th>
                <th scope="col">Code folder</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((p) => (
                <tr
                  key={p.id}
                  className="clickable"
                  onClick={(e) =>
                    !(e.target as HTMLElement).closest('a,button') && navigate(projectPath(p.name))
                  }
                >
                  <td>
                    <Link to={projectPath(p.name)}>{p.name}</Link>
                    {p.description && <div className="muted small">{p.description}</div>}
                  </td>
                  <ProjectActivity summary={summaryOf.get(p.name)} createdAt={p.createdAt} />
                  <ProjectBest summary={summaryOf.get(p.name)} />
                  <td className="num">{p.experimentCount ?? '—'}</td>
                  <td className="num">{p.groupCount ?? '—'}</td>
                  <td
                    className="mono small"
                    title={p.codePath ? `Created ${formatTime(p.createdAt)}` : undefined}
                  >
                    {p.codePath ?? <span className="muted">none</span>}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="danger-text"
                      onClick={() => setDeleting(p)}
                      aria-label={`Delete project ${p.name}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <ConfirmDialog
        open={!!deleting}
        title={`Delete project “${deleting?.name ?? ''}”?`}
        confirmLabel="Delete project"
        danger
        busy={busy}
        error={deleteError}
        onCancel={() => {
          setDeleting(null);
          setDeleteError(null);
        }}
        onConfirm={confirmDelete}
      >
        <p>
          This deletes its {plural(deleting?.experimentCount ?? 0, 'experiment')} and{' '}
          {plural(deleting?.groupCount ?? 0, 'group')} from Axon, with their logs and outputs. The code folder
          is not touched. Stop its running experiments first.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function CreateProject() {
  const create = useProjects((s) => s.create);
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [codePath, setCodePath] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const p = await create({ name: name.trim(), description, codePath: codePath.trim() || null });
      navigate(projectPath(p.name));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form-inline" id="create-project" onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">New project</h2>
      <div className="fields">
        <label>
          Name
          <input
            name="name"
            required
            value={name}
            onChange={(e) => (setName(e.target.value), setNameTouched(true))}
            pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*"
            title="Letters, digits, _ . - (starting with a letter or digit)"
            placeholder="branin"
          />
        </label>
        <div className="grow field">
          <span className="label-text">Code folder (absolute path)</span>
          <FolderPicker
            value={codePath}
            onChange={setCodePath}
            onDetected={(f) => {
              if (f?.suggestedName && !nameTouched) setName(f.suggestedName);
            }}
          />
        </div>
        <label className="grow">
          Description
          <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={busy || !name.trim()}>
          {busy ? 'Creating…' : 'Create project'}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
