// The login page of a shared engine (`axon serve --auth`): username and password for a session token. A
// failure says what to do without saying whether the username exists (lib/session.ts signInError).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { signInError } from '../lib/session';
import { useSession } from '../stores/session';
import { useSettings } from '../stores/settings';
import { useTitle } from '../lib/useTitle';
import '../styles/account.css';

export function LoginPage() {
  useTitle('Sign in');
  const ended = useSession((s) => s.ended);
  const signIn = useSession((s) => s.signIn);
  const theme = useSettings((s) => s.theme);
  const setTheme = useSettings((s) => s.setTheme);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const userRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  useEffect(() => userRef.current?.focus(), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!username || !password) {
      setError('Enter a username and a password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
      // signIn reloads the page; the form stays busy until it does.
    } catch (err) {
      setError(signInError(err as { code?: string; message?: string; details?: unknown }));
      setPassword('');
      setBusy(false);
      passwordRef.current?.focus();
    }
  }

  return (
    <main id="main" className="login-page" tabIndex={-1}>
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Axon
        </div>
        <h1 id="login-title">Sign in</h1>
        {ended === 'expired' && (
          <p className="notice notice-info" role="status">
            Your session has ended. Sign in again to go on where you were.
          </p>
        )}
        {ended === 'signed-out' && (
          <p className="notice notice-info" role="status">
            You are signed out.
          </p>
        )}
        <label>
          Username
          <input
            ref={userRef}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            aria-invalid={!!error}
            aria-describedby={error ? 'login-error' : undefined}
          />
        </label>
        <label>
          Password
          <input
            ref={passwordRef}
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={!!error}
            aria-describedby={error ? 'login-error' : undefined}
          />
        </label>
        {error && (
          <p id="login-error" className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          This engine is shared (<code>axon serve --auth</code>): an administrator creates your account with{' '}
          <code>axon user create</code>.
        </p>
        <button
          type="button"
          className="small login-theme"
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
      </form>
    </main>
  );
}
