// One organization: its members and their roles (its admins add and remove members and change roles) and its
// quota (a superuser changes it; the engine applies it at once: shared/auth.ts orgs.setQuota).
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ORG_ROLES, type OrgInfo, type OrgRole } from '../../../shared/auth';
import { call, errorMessage } from '../api';
import { useAsync } from '../lib/useAsync';
import { useTitle } from '../lib/useTitle';
import { useSession } from '../stores/session';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorState, Loading } from '../components/States';
import { QuotaTable, USAGE_NOTE } from '../components/QuotaTable';
import { QuotaForm } from './QuotaForm';
import '../styles/account.css';

const ROLE_HELP: Record<OrgRole, string> = {
  viewer: 'reads its projects and runs',
  member: 'also starts and stops runs',
  admin: 'also deletes, and manages members',
};

function AddMember({ org, onDone }: { org: string; onDone(o: OrgInfo): void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<OrgRole>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await call('orgs.setMember', { org, username: username.trim(), role }));
      setUsername('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="fields" onSubmit={(e) => void add(e)} aria-label="Add a member">
      <label className="grow">
        Username
        <input value={username} onChange={(e) => setUsername(e.target.value)} aria-invalid={!!error} />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as OrgRole)}>
          {ORG_ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy || !username.trim()}>
        Add member
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function OrgPage() {
  const { name = '' } = useParams();
  useTitle(`Organization ${name}`);
  const who = useSession((s) => s.who);
  const refreshSession = useSession((s) => s.refresh);
  const read = useAsync(() => call('orgs.get', { name }), [name]);
  const [fresh, setFresh] = useState<OrgInfo | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const org = fresh?.name === name ? fresh : read.data;

  const me = who?.user?.username;
  const myRole = who?.organizations.find((o) => o.name === name)?.role ?? null;
  const superuser = !!who?.user?.superuser || who?.kind === 'local';
  const manages = superuser || myRole === 'admin';

  /** After a change: the new state, and the session's organizations when the change was the user's own. */
  function changed(o: OrgInfo, said: string, mine: boolean) {
    setFresh(o);
    setStatus(said);
    if (mine) void refreshSession();
  }

  async function setRole(username: string, role: OrgRole) {
    setError(null);
    setStatus(null);
    try {
      changed(
        await call('orgs.setMember', { org: name, username, role }),
        `${username} is now ${role}.`,
        username === me,
      );
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  async function remove() {
    if (!removing) return;
    setBusy(true);
    setError(null);
    try {
      const o = await call('orgs.removeMember', { org: name, username: removing });
      changed(o, `${removing} is no longer a member.`, removing === me);
      setRemoving(null);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  if (read.error)
    return (
      <div className="page">
        <ErrorState error={read.error} hint={<Link to="/orgs">Go to your organizations</Link>} />
      </div>
    );
  if (!org)
    return (
      <div className="page">
        <Loading what={`organization ${name}`} />
      </div>
    );

  return (
    <div className="page account-page">
      <header className="page-head">
        <div>
          <p className="crumbs">
            <Link to="/orgs">Organizations</Link> /
          </p>
          <h1>{org.name}</h1>
          <p className="muted small">
            {myRole
              ? `You are ${myRole === 'admin' ? 'an' : 'a'} ${myRole}.`
              : superuser
                ? 'You are a superuser.'
                : ''}
          </p>
        </div>
      </header>
      {status && (
        <p className="ok-text" role="status">
          {status}
        </p>
      )}
      {error && !removing && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <table className="table" aria-label={`Members of ${org.name}`}>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              {manages && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {org.members.map((m) => (
              <tr key={m.username}>
                <th scope="row">
                  {m.username}
                  {m.username === me && <span className="muted small"> (you)</span>}
                </th>
                <td>
                  {manages ? (
                    <select
                      value={m.role}
                      aria-label={`Role of ${m.username}`}
                      onChange={(e) => void setRole(m.username, e.target.value as OrgRole)}
                    >
                      {ORG_ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}{' '}
                  <span className="muted small">{ROLE_HELP[m.role]}</span>
                </td>
                {manages && (
                  <td>
                    <button
                      type="button"
                      className="danger-text small"
                      onClick={() => (setError(null), setRemoving(m.username))}
                    >
                      Remove<span className="sr-only"> {m.username}</span>
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {!org.members.length && <p className="muted">No members.</p>}
        {manages && <AddMember org={org.name} onDone={(o) => changed(o, 'Member added.', false)} />}
      </section>
      <section className="card" aria-labelledby="quota-title">
        <h2 id="quota-title">Quota</h2>
        <QuotaTable org={org.name} quota={org.quota} inUse={org.inUse} />
        <p className="muted small">{USAGE_NOTE}</p>
        {superuser ? (
          <QuotaForm org={org} onSaved={(o) => changed(o, 'Quota saved; it applies now.', false)} />
        ) : (
          <p className="muted small">
            Only a superuser changes a quota (an organization’s admins cannot raise their own limits).
          </p>
        )}
      </section>
      <ConfirmDialog
        open={!!removing}
        title={`Remove ${removing ?? ''} from ${org.name}?`}
        confirmLabel="Remove"
        danger
        busy={busy}
        error={error}
        onConfirm={() => void remove()}
        onCancel={() => setRemoving(null)}
      >
        <p>
          {removing === me
            ? 'You will no longer see this organization’s projects and runs.'
            : `${removing ?? ''} will no longer see this organization’s projects and runs.`}
        </p>
      </ConfirmDialog>
    </div>
  );
}
