// Who makes a call. The transport resolves it (HTTP: the bearer token or session; WebSocket: its token; a
// job: its run token); IPC, the CLI on the machine and in-process calls are the local owner.
import type { AuthUser } from '../../../shared/auth';

export type Caller =
  /** The home's owner: no --auth, the desktop app, the CLI on the machine (it can read the home anyway). */
  | { kind: 'local' }
  /** A signed-in user; `token` is what they presented (a session ends with it at logout). */
  | { kind: 'user'; user: AuthUser; token: string; address: string | null }
  /** A job's token: its own run only. */
  | { kind: 'run'; experimentId: number }
  /** No identity: only `auth.login`. */
  | { kind: 'anonymous'; address: string | null };

export const LOCAL: Caller = { kind: 'local' };

export const describeCaller = (c: Caller): string =>
  c.kind === 'user'
    ? `user ${c.user.username}`
    : c.kind === 'run'
      ? `the run token of experiment ${c.experimentId}`
      : c.kind;
