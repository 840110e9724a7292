// Stop, restart, resume (also with changed params, RerunDialog), rename and tag, delete, and fetching outputs kept in
// a pod. Restart and resume create a new experiment (as in Polyaxon) and open it.
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { Experiment } from '../../../shared/domain';
import { DONE, OUTPUTS_KEPT } from '../../../shared/statuses';
import { call, errorMessage } from '../api';
import { useNotices } from '../stores/notices';
import { useExperiments } from '../stores/experiments';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { projectPath } from '../lib/routeParams';
import { RerunDialog } from './RerunDialog';

export function ExperimentActions({
  experiment: x,
  offline = false,
}: {
  experiment: Experiment;
  /** The engine cannot be heard: nothing can be asked of it, and the status shown may be out of date. */
  offline?: boolean;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [rerun, setRerun] = useState(false);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const navigate = useNavigate();
  const done = DONE.has(x.status);
  const kept = done && !!x.statusReason?.includes(OUTPUTS_KEPT);
  const off = offline ? 'The engine is not connected' : undefined;

  async function act(what: 'stop' | 'restart' | 'resume' | 'delete' | 'fetchOutputs') {
    setBusy(what);
    setError(null);
    try {
      if (what === 'delete') {
        useNotices.getState().warn((await call('experiments.delete', { id: x.id })).warnings);
        useExperiments.getState().remove(x.id);
        setConfirmDelete(false);
        navigate(projectPath(x.projectName));
        return;
      }
      const r = await call(`experiments.${what}`, { id: x.id });
      useExperiments.getState().upsert([r]);
      if (r.id !== x.id) navigate(`/experiments/${r.id}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  function startEditing() {
    setName(x.name ?? '');
    setTags(x.tags.join(', '));
    setError(null);
    setEditing(true);
  }

  async function saveEdit() {
    setBusy('edit');
    setError(null);
    try {
      const r = await call('experiments.update', {
        id: x.id,
        name: name.trim(),
        tags: tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      });
      useExperiments.getState().upsert([r]);
      setEditing(false);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="actions" role="group" aria-label="Experiment actions">
      {!done && (
        <button
          type="button"
          className="danger"
          onClick={() => act('stop')}
          disabled={!!busy || offline}
          title={off}
        >
          {busy === 'stop' ? 'Stopping…' : 'Stop'}
        </button>
      )}
      {kept && (
        <button
          type="button"
          onClick={() => act('fetchOutputs')}
          disabled={!!busy || offline}
          title={off ?? 'Copy the outputs kept in its pod home now (Axon also tries again by itself)'}
        >
          {busy === 'fetchOutputs' ? 'Fetching outputs…' : 'Fetch outputs'}
        </button>
      )}
      <button
        type="button"
        onClick={() => act('restart')}
        disabled={!!busy || !done || offline}
        title={off ?? 'Run it again as a new experiment'}
      >
        Restart
      </button>
      <button
        type="button"
        onClick={() => act('resume')}
        disabled={!!busy || !done || offline}
        title={off ?? "A new experiment that continues in this one's outputs folder"}
      >
        Resume
      </button>
      <button
        type="button"
        onClick={() => setRerun(true)}
        disabled={!!busy || !done || offline}
        title={off ?? 'Restart or resume it with some params changed'}
      >
        Run again with changes…
      </button>
      <button
        type="button"
        onClick={startEditing}
        disabled={!!busy || offline}
        title={off ?? 'Give it a name or tags (axon experiment update)'}
      >
        Rename or tag…
      </button>
      <button
        type="button"
        className="danger-text"
        onClick={() => setConfirmDelete(true)}
        disabled={!!busy || !done || offline}
        title={off ?? (done ? 'Delete' : 'Stop it first')}
      >
        Delete
      </button>
      {error && !editing && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <ConfirmDialog
        open={editing}
        title={`Name and tags of experiment ${x.id}`}
        confirmLabel="Save"
        busy={busy === 'edit'}
        error={error}
        onCancel={() => setEditing(false)}
        onConfirm={() => void saveEdit()}
      >
        <label className="field">
          Name
          <input
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
            placeholder="(none)"
          />
        </label>
        <label className="field">
          Tags, separated by commas
          <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="baseline, lr-sweep" />
        </label>
      </ConfirmDialog>
      {rerun && <RerunDialog experiment={x} open={rerun} onClose={() => setRerun(false)} />}
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete experiment ${x.id}?`}
        confirmLabel="Delete experiment"
        danger
        busy={busy === 'delete'}
        error={error}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => act('delete')}
      >
        <p>
          Its record, statuses and metrics go, with its logs and outputs{x.runDir ? ` under ${x.runDir}` : ''}{' '}
          (outputs that a resume of it still writes into stay until that resume is deleted). This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}
