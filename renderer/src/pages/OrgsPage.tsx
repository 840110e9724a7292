// The organizations the user belongs to (a superuser sees all of them), and a form for a new one (its
// creator becomes its admin).
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ACCOUNT_NAME_RULE } from '../../../shared/auth';
import { call, errorMessage } from '../api';
import { useAsync } from '../lib/useAsync';
import { useTitle } from '../lib/useTitle';
import { useSession } from '../stores/session';
import { Empty, ErrorState, Loading } from '../components/States';
import '../styles/account.css';

export function OrgsPage() {
  useTitle('Organizations');
  const orgs = useAsync(() => call('orgs.list', {}), []);
  const refreshSession = useSession((s) => s.refresh);
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const o = await call('orgs.create', { name: name.trim() });
      await refreshSession();
      navigate(`/orgs/${encodeURIComponent(o.name)}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <div className="page account-page">
      <header className="page-head">
        <h1>Organizations</h1>
      </header>
      <section className="card" aria-labelledby="orgs-title">
        <h2 id="orgs-title" className="sr-only">
          Your organizations
        </h2>
        {orgs.error ? (
          <ErrorState error={`Could not list organizations: ${orgs.error}`} onRetry={orgs.reload} />
        ) : !orgs.data ? (
          <Loading what="organizations" />
        ) : !orgs.data.length ? (
          <Empty title="You belong to no organization">
            An organization’s admin adds you to it, or create one below.
          </Empty>
        ) : (
          <table className="table" aria-label="Organizations">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Your role</th>
              </tr>
            </thead>
            <tbody>
              {orgs.data.map((o) => (
                <tr key={o.name}>
                  <th scope="row">
                    <Link to={`/orgs/${encodeURIComponent(o.name)}`}>{o.name}</Link>
                  </th>
                  <td>{o.role ?? <span className="muted">not a member (you are a superuser)</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <form className="card fields" onSubmit={(e) => void create(e)} aria-labelledby="new-org-title">
        <h2 id="new-org-title" className="fields-title">
          New organization
        </h2>
        <label className="grow">
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={!!error}
            aria-describedby="new-org-rule"
            maxLength={40}
          />
        </label>
        <button type="submit" className="primary" disabled={busy || !name.trim()}>
          Create organization
        </button>
        <p id="new-org-rule" className="muted small fields-note">
          A name is {ACCOUNT_NAME_RULE}. You become its admin.
        </p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </div>
  );
}
