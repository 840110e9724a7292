// The Clusters page's word on quotas under `axon serve --auth`: each organization the user belongs to, its
// limits (orgs.get). Nothing in local mode, where there are no organizations.
import { Link } from 'react-router-dom';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { useSession } from '../stores/session';
import { ErrorState, Loading } from './States';
import { QuotaTable, USAGE_NOTE } from './QuotaTable';
import '../styles/account.css';

export function OrgQuotas({ refresh }: { refresh: number }) {
  const phase = useSession((s) => s.phase);
  const orgs = useSession((s) => s.who?.organizations ?? []);
  const names = orgs.map((o) => o.name);
  const read = useAsync(
    () => Promise.all(names.map((name) => call('orgs.get', { name }))),
    [names.join('\n'), refresh],
    [names.join('\n')],
  );
  if (phase !== 'signed-in') return null;

  return (
    <section className="card kube-wide org-quotas" aria-labelledby="quotas-title">
      <h2 id="quotas-title">Your organizations’ quotas</h2>
      {!names.length ? (
        <p className="muted">
          You belong to no organization: your own projects have no quota.{' '}
          <Link to="/orgs">Organizations</Link>
        </p>
      ) : read.error ? (
        <ErrorState error={`Could not read the quotas: ${read.error}`} onRetry={read.reload} />
      ) : !read.data ? (
        <Loading what="quotas" />
      ) : (
        <>
          <div className="quota-grid">
            {read.data.map((o) => (
              <div key={o.name}>
                <h3>
                  <Link to={`/orgs/${encodeURIComponent(o.name)}`}>{o.name}</Link>
                </h3>
                <QuotaTable org={o.name} quota={o.quota} />
              </div>
            ))}
          </div>
          <p className="muted small">{USAGE_NOTE}</p>
        </>
      )}
    </section>
  );
}
