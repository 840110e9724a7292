// "Run again with changes": a restart or resume with some params changed, as `axon experiment -xp ID restart -P
// name=value` does. A value is typed as on the command line (0.3 a number, [1, 2] a list); only the changed ones
// are sent, and the engine checks them against the run's polyaxonfile (a mistake creates nothing).
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { Experiment } from '../../../shared/domain';
import { call, errorMessage } from '../api';
import { useExperiments } from '../stores/experiments';
import { ConfirmDialog } from '../components/ConfirmDialog';

/** A param's value as one would type it after `-P name=`. */
export function paramText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function RerunDialog({
  experiment: x,
  open,
  onClose,
}: {
  experiment: Experiment;
  open: boolean;
  onClose(): void;
}) {
  const names = Object.keys(x.params).sort();
  const [how, setHow] = useState<'restart' | 'resume'>('restart');
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== paramText(x.params[k])));

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const r = await call(`experiments.${how}`, { id: x.id, params: changed });
      useExperiments.getState().upsert([r]);
      setValues({});
      onClose();
      navigate(`/experiments/${r.id}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const count = Object.keys(changed).length;
  return (
    <ConfirmDialog
      open={open}
      title={`Run experiment ${x.id} again`}
      confirmLabel={`${how === 'restart' ? 'Restart' : 'Resume'}${count ? ` with ${count} change${count > 1 ? 's' : ''}` : ''}`}
      busy={busy}
      error={error}
      onCancel={() => {
        setError(null);
        onClose();
      }}
      onConfirm={() => void submit()}
    >
      <fieldset className="rerun-how">
        <legend>How</legend>
        <label className="check">
          <input type="radio" name="how" checked={how === 'restart'} onChange={() => setHow('restart')} />
          Restart: fresh outputs
        </label>
        <label className="check">
          <input type="radio" name="how" checked={how === 'resume'} onChange={() => setHow('resume')} />
          Resume: continue in its outputs folder (its checkpoints)
        </label>
      </fieldset>
      {names.length ? (
        <table className="rerun-params">
          <caption>Params (typed as after -P name=; a sweep&apos;s changed run runs on its own)</caption>
          <thead>
            <tr>
              <th scope="col">param</th>
              <th scope="col">value</th>
            </tr>
          </thead>
          <tbody>
            {names.map((n) => (
              <tr key={n}>
                <th scope="row">
                  <label htmlFor={`rerun-${n}`}>{n}</label>
                </th>
                <td>
                  <input
                    id={`rerun-${n}`}
                    value={values[n] ?? paramText(x.params[n])}
                    onChange={(e) => {
                      setValues({ ...values, [n]: e.target.value });
                      setError(null);
                    }}
                    spellCheck={false}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>It has no params; it runs again as it was.</p>
      )}
    </ConfirmDialog>
  );
}
