// The Clusters page's word on quotas under `axon serve --auth`: each organization the user belongs to, its
// limits (orgs.get), read on every visit and "Check again" (a membership given since the sign-in shows). Nothing
// in local mode, where there are no organizations.
import { Link } from 'react-router-dom';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { useSession } from '../stores/session';
import { ErrorState, Loading } from './States';
import { QuotaTable, USAGE_NOTE } from './QuotaTable';
import '../styles/account.css';

export function OrgQuotas({ refresh }: { refresh: number }) {
  const phase = useSession((s) => s.phase);
  const read = useAsync(
    async () => {
      if (useSession.getState().phase !== 'signed-in') return [];
      // A superuser's list holds every organization (role null): the ones they belong to are theirs.
      const mine = (await call('orgs.list', {})).filter((o) => o.role !== null);
      return Promise.all(mine.map((o) => call('orgs.get', { name: o.name })));
    },
    [phase, refresh],
    [phase],
  );
  if (phase !== 'signed-in') return null;

  return (
    <section className="card kube-wide org-quotas" aria-labelledby="quotas-title">
      <h2 id="quotas-title">Your organizations’ quotas</h2>
      {read.error ? (
        <ErrorState error={`Could not read the quotas: ${read.error}`} onRetry={read.reload} />
      ) : !read.data ? (
        <Loading what="quotas" />
      ) : !read.data.length ? (
        <p className="muted">
          You belong to no organization: your own projects have no quota.{' '}
          <Link to="/orgs">Organizations</Link>
        </p>
      ) : (
        <>
          <div className="quota-grid">
            {read.data.map((o) => (
              <div key={o.name}>
                <h3>
                  <Link to={`/orgs/${encodeURIComponent(o.name)}`}>{o.name}</Link>
                </h3>
                <QuotaTable org={o.name} quota={o.quota} inUse={o.inUse} />
              </div>
            ))}
          </div>
          <p className="muted small">{USAGE_NOTE}</p>
        </>
      )}
    </section>
  );
}
