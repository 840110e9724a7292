// One organization's quota: each limit and what the organization's active experiments hold now (orgs.get's
// `inUse`, counted by the engine over all of them, not only what this user can see).
import type { Quota, QuotaUse } from '../../../shared/auth';
import { QUOTA_FIELDS, formatLimit } from '../lib/quota';

export function QuotaTable({ org, quota, inUse }: { org: string; quota: Quota; inUse: QuotaUse }) {
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
            <td className="num">{formatLimit(key, inUse[key])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const USAGE_NOTE =
  'In use now: what the organization’s active experiments declare (resources a run does not declare count 0).';
