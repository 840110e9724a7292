// Editing an organization's quota (a superuser: orgs.setQuota). Empty is no limit; memory in GiB.
import { useState, type FormEvent } from 'react';
import type { OrgInfo } from '../../../shared/auth';
import { call, errorMessage } from '../api';
import { QUOTA_FIELDS, limitText, parseQuota, type QuotaKey } from '../lib/quota';

export function QuotaForm({ org, onSaved }: { org: OrgInfo; onSaved(o: OrgInfo): void }) {
  const initial = () =>
    Object.fromEntries(QUOTA_FIELDS.map(({ key }) => [key, limitText(key, org.quota[key])])) as Record<
      QuotaKey,
      string
    >;
  const [text, setText] = useState(initial);
  const [bad, setBad] = useState<QuotaKey | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    const parsed = parseQuota(text);
    if ('error' in parsed) {
      setBad(parsed.field);
      setError(parsed.error);
      return;
    }
    setBad(null);
    setError(null);
    setBusy(true);
    try {
      onSaved(await call('orgs.setQuota', { org: org.name, ...parsed.quota }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="fields quota-form" onSubmit={(e) => void save(e)} aria-labelledby="quota-form-title">
      <h3 id="quota-form-title" className="fields-title">
        Change the quota
      </h3>
      {QUOTA_FIELDS.map(({ key, label, unit }) => (
        <label key={key}>
          {label}
          {unit ? ` (${unit})` : ''}
          <input
            inputMode="decimal"
            value={text[key]}
            placeholder="no limit"
            aria-invalid={bad === key}
            onChange={(e) => setText((t) => ({ ...t, [key]: e.target.value }))}
          />
        </label>
      ))}
      <button type="submit" className="primary" disabled={busy}>
        Save quota
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
