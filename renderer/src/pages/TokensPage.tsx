// The signed-in user's API tokens (for scripts and `axon` on other machines): create one (its secret shown
// once, with a copy button: the engine keeps only its hash), list them, revoke one.
import { useState, type FormEvent } from 'react';
import type { TokenInfo } from '../../../shared/auth';
import { call, errorMessage } from '../api';
import { useAsync } from '../lib/useAsync';
import { useTitle } from '../lib/useTitle';
import { formatShortTime } from '../lib/format';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Empty, ErrorState, Loading } from '../components/States';
import '../styles/account.css';

const EXPIRIES: Array<[number, string]> = [
  [7, '7 days'],
  [30, '30 days'],
  [90, '90 days'],
  [365, '1 year'],
  [0, 'never'],
];

/** A new token's secret, shown until the page is left or dismissed. */
function NewToken({ name, token, onDone }: { name: string; token: string; onDone(): void }) {
  const [copied, setCopied] = useState<string | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(token);
      setCopied('Copied.');
    } catch {
      // No clipboard permission (an insecure origin): the field is selected for Ctrl+C.
      (document.getElementById('new-token-value') as HTMLInputElement | null)?.select();
      setCopied('Selected: press Ctrl+C (⌘C) to copy.');
    }
  }
  return (
    <section className="notice notice-info new-token" aria-labelledby="new-token-title">
      <h2 id="new-token-title">Token “{name}” created</h2>
      <p>
        Copy it now: it is shown only this once (Axon keeps only its hash). A script sends it as{' '}
        <code>Authorization: Bearer …</code>; it acts as you until it expires or you revoke it.
      </p>
      <div className="actions">
        <input
          id="new-token-value"
          className="token-value"
          readOnly
          value={token}
          aria-label="The new token"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      {copied && (
        <p className="ok-text" role="status">
          {copied}
        </p>
      )}
    </section>
  );
}

export function TokensPage() {
  useTitle('API tokens');
  const tokens = useAsync(() => call('tokens.list', {}), []);
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<TokenInfo | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setFormError('Give the token a name (what it is for).');
    setBusy(true);
    setFormError(null);
    try {
      const t = await call('tokens.create', { name: name.trim(), expiresInDays: days });
      setCreated({ name: t.name, token: t.token });
      setName('');
      tokens.reload();
    } catch (err) {
      setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke() {
    if (!revoking) return;
    setBusy(true);
    setRevokeError(null);
    try {
      await call('tokens.revoke', { id: revoking.id });
      setRevoking(null);
      tokens.reload();
    } catch (err) {
      setRevokeError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page account-page">
      <header className="page-head">
        <h1>API tokens</h1>
      </header>
      {created && <NewToken {...created} onDone={() => setCreated(null)} />}
      <form className="card fields" onSubmit={(e) => void create(e)} aria-labelledby="new-token-form">
        <h2 id="new-token-form" className="fields-title">
          New token
        </h2>
        <label className="grow">
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. laptop CLI"
            maxLength={100}
            aria-invalid={!!formError}
          />
        </label>
        <label>
          Expires after
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {EXPIRIES.map(([d, label]) => (
              <option key={d} value={d}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={busy}>
          Create token
        </button>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
      </form>
      <section className="card" aria-labelledby="tokens-title">
        <h2 id="tokens-title">Your tokens</h2>
        {tokens.error ? (
          <ErrorState error={`Could not list your tokens: ${tokens.error}`} onRetry={tokens.reload} />
        ) : !tokens.data ? (
          <Loading what="your tokens" />
        ) : !tokens.data.length ? (
          <Empty title="No API tokens yet">Create one above for a script or another machine.</Empty>
        ) : (
          <div className="table-scroll">
            <table className="table" aria-label="API tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.map((t) => (
                  <tr key={t.id}>
                    <th scope="row">{t.name}</th>
                    <td>{formatShortTime(t.createdAt)}</td>
                    <td>{t.expiresAt ? formatShortTime(t.expiresAt) : 'never'}</td>
                    <td>{t.lastUsedAt ? formatShortTime(t.lastUsedAt) : 'never'}</td>
                    <td>
                      <button
                        type="button"
                        className="danger-text small"
                        onClick={() => (setRevokeError(null), setRevoking(t))}
                      >
                        Revoke<span className="sr-only"> {t.name}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ConfirmDialog
        open={!!revoking}
        title={`Revoke the token “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke"
        danger
        busy={busy}
        error={revokeError}
        onConfirm={() => void revoke()}
        onCancel={() => setRevoking(null)}
      >
        <p>Whatever uses it (a script, another machine’s CLI) is refused from now on.</p>
      </ConfirmDialog>
    </div>
  );
}
