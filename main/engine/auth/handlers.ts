// The contract's account methods (shared/auth.ts): sign in and out, users, API tokens, organizations, quotas.
// Each gets the caller; permissions.ts has already let it through, and organization methods check the
// caller's role in the organization they name here.
import { ApiError } from '../../../shared/api-errors';
import type { ParsedInput } from '../../../shared/api';
import type { AuthMethodName, AuthResults, OrgInfo } from '../../../shared/auth';
import type { Caller } from './caller';
import type { Authorizer } from './authorize';
import { LoginLimiter } from './rate-limit';
import { LOCAL_USER_ID } from './store';
import { scryptQueue } from './secrets';

export type AuthHandlers = {
  [M in AuthMethodName]: (input: ParsedInput<M>, caller: Caller) => Promise<AuthResults[M]>;
};

export interface AuthOptions {
  /** How long a session from `auth.login` lasts; default 12 h. */
  sessionTtlMs?: number;
  /** Whether the engine asks for identities (`axon serve --auth`): said by `auth.whoami`. */
  enabled: () => boolean;
}

/** The user a caller acts as: the local owner is user 1. */
const userId = (c: Caller): number => (c.kind === 'user' ? c.user.id : LOCAL_USER_ID);
const isSuper = (c: Caller) => c.kind === 'local' || (c.kind === 'user' && c.user.superuser);

export function makeAuthHandlers(authz: Authorizer, opts: AuthOptions): AuthHandlers {
  const { auth } = authz;
  const limiter = new LoginLimiter();

  /** The organization, if the caller may see it (a member or a superuser), with `need` checked. */
  async function org(caller: Caller, name: string, need: 'read' | 'admin'): Promise<OrgInfo> {
    const hidden = new ApiError('not_found', `no organization named "${name}"`);
    const o = await auth.org(name).catch(() => {
      throw hidden;
    });
    if (isSuper(caller)) return o;
    const role = (await auth.roles(userId(caller))).get(o.id);
    if (!role) throw hidden;
    if (need === 'admin' && role !== 'admin')
      throw new ApiError('forbidden', `only an admin of ${name} manages its members (you are a ${role})`);
    return o;
  }

  return {
    'auth.login': async ({ username, password }, caller) => {
      const address = caller.kind === 'user' || caller.kind === 'anonymous' ? caller.address : null;
      const key = `${username}\n${address ?? ''}`;
      const wait = limiter.retryAfter(key);
      if (wait > 0)
        throw new ApiError(
          'rate_limited',
          `too many failed sign-ins for ${username}; try again in ${wait} s`,
          {
            retryAfterS: wait,
          },
        );
      if (scryptQueue() > 32)
        throw new ApiError('rate_limited', 'too many sign-ins at once; try again in a few seconds', {
          retryAfterS: 5,
        });
      const user = await auth.checkPassword(username, password);
      if (!user || user.id === LOCAL_USER_ID) {
        limiter.fail(key);
        throw new ApiError('unauthorized', 'wrong username or password');
      }
      limiter.succeed(key);
      const s = await auth.createSession(user.id, address, opts.sessionTtlMs ?? 12 * 3600_000);
      return { ...s, user };
    },
    'auth.logout': async (_input, caller) => {
      if (caller.kind === 'user') await auth.endSession(caller.token);
      return { loggedOut: true };
    },
    'auth.whoami': async (_input, caller) => {
      const user =
        caller.kind === 'user'
          ? caller.user
          : caller.kind === 'local'
            ? await auth.user(LOCAL_USER_ID)
            : null;
      const roles = user ? await auth.roles(user.id) : new Map();
      const names = new Map((await auth.listOrgs()).map((o) => [o.id, o.name]));
      return {
        kind: caller.kind === 'anonymous' ? 'user' : caller.kind,
        user,
        organizations: [...roles].map(([id, role]) => ({ name: names.get(id) ?? String(id), role })),
        auth: opts.enabled(),
      };
    },
    'users.create': (input) => auth.createUser(input),
    'users.list': () => auth.listUsers(),
    'users.delete': async ({ username }) => {
      await auth.deleteUser(username);
      return { deleted: true };
    },
    'tokens.create': ({ name, expiresInDays }, caller) => {
      // A token that could make tokens would outlive its own expiry and revocation through them.
      if (caller.kind === 'user' && caller.token.startsWith('axp_'))
        throw new ApiError(
          'forbidden',
          'an API token cannot create tokens: sign in (`axon login URL`, or the dashboard) to create one',
        );
      return auth.createToken(
        userId(caller),
        name,
        expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000).toISOString() : null,
      );
    },
    'tokens.list': (_input, caller) => auth.listTokens(userId(caller)),
    'tokens.revoke': async ({ id }, caller) => {
      await auth.revokeToken(userId(caller), id);
      return { revoked: true };
    },
    'orgs.create': ({ name }, caller) => auth.createOrg(name, userId(caller)),
    'orgs.list': async (_input, caller) => {
      const roles = await auth.roles(userId(caller));
      return (await auth.listOrgs())
        .filter((o) => isSuper(caller) || roles.has(o.id))
        .map((o) => ({ name: o.name, role: roles.get(o.id) ?? null }));
    },
    'orgs.get': ({ name }, caller) => org(caller, name, 'read'),
    'orgs.setMember': async ({ org: name, username, role }, caller) => {
      const o = await org(caller, name, 'admin');
      const u = await auth.userByName(username);
      if (u.id === LOCAL_USER_ID)
        throw new ApiError('invalid_input', 'the local owner is no member of anything');
      await auth.setMember(o.id, u.id, role);
      return auth.org(name);
    },
    'orgs.removeMember': async ({ org: name, username }, caller) => {
      const o = await org(caller, name, 'admin');
      const u = await auth.userByName(username);
      await auth.removeMember(o.id, u.id);
      return auth.org(name);
    },
    'orgs.setQuota': async ({ org: name, ...limits }, caller) => {
      const o = await org(caller, name, 'admin');
      const q = { ...o.quota };
      for (const k of ['experiments', 'gpus', 'cpu', 'memoryBytes'] as const)
        if (limits[k] !== undefined) q[k] = limits[k];
      await auth.setQuota(o.id, q);
      authz.quotaChanged();
      return auth.org(name);
    },
  };
}
