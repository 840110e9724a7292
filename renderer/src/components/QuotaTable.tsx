// One organization's quota: each limit and, where the engine reports it, what is in use now. The engine has
// no usage method yet (shared/auth.ts: orgs.get gives the limits only), so the column says so rather than
// guessing from what this user can see.
import type { Quota } from '../../../shared/auth';
import { QUOTA_FIELDS, formatLimit } from '../lib/quota';

export function QuotaTable({ org, quota }: { org: string; quota: Quota }) {
  return (
    <table className="table compact quota-table" aria-label={`Quota of ${org}`}>
      <thead>
        <tr>
          <th scope="col">Resource</th>
          <th scope="col" className="num">
            Limit
          </th>
          <th scope="col" className="num">
            In use now
          </th>
        </tr>
      </thead>
      <tbody>
        {QUOTA_FIELDS.map(({ key, label }) => (
          <tr key={key}>
            <th scope="row">{label}</th>
            <td className="num">{formatLimit(key, quota[key])}</td>
            <td className="num muted">n/a</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const USAGE_NOTE = 'What is in use now is not reported by this engine yet (n/a).';
