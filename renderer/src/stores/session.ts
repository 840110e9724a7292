// Who the dashboard acts as. At start the page asks the engine (`auth.whoami`; with no credential,
// `/api/health`) and lib/session.ts decides: the desktop app and `axon serve` without --auth go on as before
// (`local`), `axon serve --auth` shows the login page until a sign-in (`sign-in`), then the user menu and the
// account pages (`signed-in`). Signing in or out reloads the page, so nothing one user's stores read is ever
// shown to the next; a session that ends while the page is open (a call answers 401) brings the login page
// back over the page, which the next sign-in reloads.
import { create } from 'zustand';
import type { WhoAmI } from '../../../shared/auth';
import {
  callWithoutToken,
  closeEvents,
  connection,
  engineAsksForSignIn,
  forgetToken,
  keepToken,
  onSessionEnded,
} from '../api';
import { bootPhase, needsHealth, type BootFacts, type Phase } from '../lib/session';
import { startEventSync } from '../events';
import { useConnection } from './connection';

/** Why the login page shows: a first visit, a session that expired, or the user's own sign-out. */
export type Ended = 'expired' | 'signed-out' | null;

interface SessionState {
  phase: Phase | 'checking';
  who: WhoAmI | null;
  ended: Ended;
  start(): Promise<void>;
  /** Throws the engine's ApiError (the login page words it: lib/session.ts signInError). */
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Reads `auth.whoami` again (organizations joined or left). */
  refresh(): Promise<void>;
}

const SIGNED_OUT = 'axon.signedOut';

async function whoami(): Promise<{ who?: WhoAmI; whoError?: string }> {
  if (connection.kind !== 'http') return {};
  try {
    // The transport itself, not api.call: a 401 here is a fact to decide with, not an ended session.
    return { who: await connection.api.call('auth.whoami', {}) };
  } catch (e) {
    return { whoError: (e as { code?: string }).code ?? 'unavailable' };
  }
}

async function facts(): Promise<BootFacts> {
  const f: BootFacts = { transport: connection.kind, ...(await whoami()) };
  if (needsHealth(f)) f.healthAuth = await engineAsksForSignIn();
  return f;
}

function reload(): void {
  window.location.reload();
}

export const useSession = create<SessionState>((set, get) => {
  const expire = () => {
    if (get().phase === 'sign-in') return;
    closeEvents();
    set({ phase: 'sign-in', ended: 'expired', who: null });
  };

  /** While the event stream is down under --auth, ask every 5 s whether the session still holds. */
  let probe: ReturnType<typeof setInterval> | null = null;
  const watchSession = () =>
    useConnection.subscribe((c) => {
      if (c.state === 'disconnected' && !probe && get().phase === 'signed-in')
        probe = setInterval(() => {
          void whoami().then((r) => r.whoError === 'unauthorized' && expire());
        }, 5000);
      if (c.state !== 'disconnected' && probe) {
        clearInterval(probe);
        probe = null;
      }
    });

  return {
    phase: connection.kind === 'ipc' ? 'local' : 'checking',
    who: null,
    ended: null,
    async start() {
      const f = await facts();
      const phase = bootPhase(f);
      let ended: Ended = null;
      try {
        if (sessionStorage.getItem(SIGNED_OUT)) ended = 'signed-out';
        sessionStorage.removeItem(SIGNED_OUT);
      } catch {
        /* storage disabled */
      }
      set({ phase, who: f.who ?? null, ended });
      // Without --auth a token the engine refuses is one of an earlier `axon serve`: forget it, as always.
      if (phase === 'no-token') forgetToken();
      if (phase === 'signed-in') {
        onSessionEnded(expire);
        watchSession();
      } else if (phase === 'local' && !f.who && connection.kind === 'http') {
        // The engine did not answer: decide again once it does (a 401 from a page, or the stream's return).
        onSessionEnded(() => void get().start());
        const off = useConnection.subscribe((c) => {
          if (c.state !== 'connected') return;
          off();
          void get().start();
        });
      }
      if (phase === 'local' || phase === 'signed-in') startEventSync();
    },
    async signIn(username, password) {
      const s = await callWithoutToken('auth.login', { username, password });
      keepToken(s.token);
      reload();
    },
    async signOut() {
      if (connection.kind !== 'none') await connection.api.call('auth.logout', {}).catch(() => undefined);
      forgetToken();
      closeEvents();
      try {
        sessionStorage.setItem(SIGNED_OUT, '1');
      } catch {
        /* storage disabled: the login page just does not say why */
      }
      reload();
    },
    async refresh() {
      const r = await whoami();
      if (r.who) set({ who: r.who });
      else if (r.whoError === 'unauthorized') expire();
    },
  };
});
