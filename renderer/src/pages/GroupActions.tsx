// Stop a group while it runs (or only what has not started: its running experiments finish); delete it, with its
// experiments, once it has ended.
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { Group } from '../../../shared/domain';
import { call, errorMessage } from '../api';
import { useNotices } from '../stores/notices';
import { useGroups } from '../stores/groups';
import { useExperiments } from '../stores/experiments';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { projectPath } from '../lib/routeParams';

export function GroupActions({
  group,
  active,
  searching = false,
  onDeleted,
}: {
  group: Group;
  active: boolean;
  /** An iterative search that may still propose experiments. */
  searching?: boolean;
  /** Called once the engine has deleted it, before the stores forget it. */
  onDeleted(): void;
}) {
  const [stopError, setStopError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const navigate = useNavigate();

  async function stop(pending = false) {
    setStopError(null);
    try {
      useGroups.getState().upsert([await call('groups.stop', { id: group.id, pending })]);
    } catch (e) {
      setStopError(errorMessage(e));
    }
  }

  async function remove() {
    setDeleting(true);
    setDeleteError(null);
    try {
      useNotices.getState().warn((await call('groups.delete', { id: group.id })).warnings);
      onDeleted();
      navigate(projectPath(group.projectName));
      const experiments = useExperiments.getState();
      for (const x of Object.values(experiments.byId)) if (x.groupId === group.id) experiments.remove(x.id);
      useGroups.getState().remove(group.id);
      return;
    } catch (e) {
      setDeleteError(errorMessage(e));
      setDeleting(false);
    }
  }

  return (
    <>
      <div className="actions" role="group" aria-label="Group actions">
        {active ? (
          <>
            {(group.progress.pending > 0 || searching) && (
              <button
                type="button"
                onClick={() => void stop(true)}
                title="No new experiments: those not started are stopped, the running ones finish (Polyaxon's group stop --pending)"
              >
                Stop pending
              </button>
            )}
            <button type="button" className="danger" onClick={() => void stop()}>
              Stop group
            </button>
          </>
        ) : (
          <button type="button" className="danger-text" onClick={() => setConfirmDelete(true)}>
            Delete group
          </button>
        )}
        {stopError && (
          <p className="form-error" role="alert">
            The group was not stopped: {stopError}
          </p>
        )}
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete group ${group.id}?`}
        confirmLabel="Delete group"
        danger
        busy={deleting}
        error={deleteError}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={remove}
      >
        <p>
          Its {group.progress.total} experiments go with it: their records, metrics, logs and outputs. A run
          resumed from one of them outside the group keeps the outputs it uses. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
