// Who the dashboard is, decided once at start (stores/session.ts runs it). Pure, so the rules are unit-tested
// (test/unit/session.test.ts) without a browser.
//
// The credential a browser tab uses (the token `axon serve` put in the URL, an API token, or the session
// token of a sign-in) is kept in sessionStorage: it lasts as long as the tab, is never shared with other
// tabs or written to disk by the browser, and a shared lab machine forgets it when the browser closes. The
// session itself also expires on the engine (12 h by default); a new tab signs in again.
import type { WhoAmI } from '../../../shared/auth';

export type Phase =
  /** Desktop app, or `axon serve` without --auth (or the home's own token under --auth): as before. */
  | 'local'
  /** `axon serve --auth` and a valid session or API token: the user menu, account pages. */
  | 'signed-in'
  /** `axon serve --auth` and no valid credential: the login page. */
  | 'sign-in'
  /** `axon serve` without --auth and no (valid) token in the URL: say where the address with it is. */
  | 'no-token';

export interface BootFacts {
  transport: 'ipc' | 'http' | 'none';
  /** `auth.whoami`'s answer, when it was asked and answered. */
  who?: WhoAmI;
  /** The error code of `auth.whoami`, when it failed. */
  whoError?: string;
  /** `/api/health`'s `auth`: whether the engine asks for sign-in; null when it could not be read. */
  healthAuth?: boolean | null;
}

/** Whether `/api/health` must be read to decide: only when there is no identity and no other answer. */
export function needsHealth(f: BootFacts): boolean {
  return f.transport === 'none' || f.whoError === 'unauthorized';
}

export function bootPhase(f: BootFacts): Phase {
  if (f.transport === 'ipc') return 'local';
  if (f.who) return f.who.auth && f.who.kind === 'user' && f.who.user ? 'signed-in' : 'local';
  if (needsHealth(f)) return f.healthAuth ? 'sign-in' : 'no-token';
  // The engine did not answer (stopped, unreachable): the pages say so, as they always have; the session is
  // decided again when the event stream comes back.
  return 'local';
}

/** What the login page says about a failed sign-in; never whether the username exists. */
export function signInError(e: { code?: string; message?: string; details?: unknown }): string {
  if (e.code === 'unauthorized') return 'Wrong username or password.';
  if (e.code === 'rate_limited') {
    const s = (e.details as { retryAfterS?: unknown } | undefined)?.retryAfterS;
    return typeof s === 'number' && s > 0
      ? `Too many failed sign-ins. Try again in ${Math.ceil(s)} s.`
      : 'Too many failed sign-ins. Try again in a little while.';
  }
  if (e.code === 'invalid_input') return 'Enter a username and a password.';
  return `Could not sign in: ${e.message ?? 'the engine did not answer'}`;
}
