// The contract's part for a shared engine (`axon serve --auth`): users, sessions, API tokens, organizations
// and their quotas. Spread into `methods` and `Results` in api.ts, so every transport carries them.
import { z } from 'zod';

export type OrgRole = 'viewer' | 'member' | 'admin';
export const ORG_ROLES: readonly OrgRole[] = ['viewer', 'member', 'admin'];

export interface AuthUser {
  id: number;
  username: string;
  email: string | null;
  superuser: boolean;
  createdAt: string;
}

export interface TokenInfo {
  id: number;
  name: string;
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Limits on what an organization's experiments hold at once; null: no limit. */
export interface Quota {
  experiments: number | null;
  gpus: number | null;
  cpu: number | null;
  memoryBytes: number | null;
}

/** What an organization's active experiments hold now (the quota's dimensions). */
export interface QuotaUse {
  experiments: number;
  gpus: number;
  cpu: number;
  memoryBytes: number;
}

export interface OrgInfo {
  id: number;
  name: string;
  members: Array<{ username: string; role: OrgRole }>;
  quota: Quota;
  /** Held now by its active experiments (declared resources; an undeclared one counts 0). */
  inUse: QuotaUse;
}

export interface WhoAmI {
  /** `local`: the home's owner (no --auth, the desktop app, the CLI on the machine); `run`: a job's token. */
  kind: 'local' | 'user' | 'run';
  user: AuthUser | null;
  organizations: Array<{ name: string; role: OrgRole }>;
  /** Whether this engine asks for an identity (`axon serve --auth`). */
  auth: boolean;
}

/** Usernames and organization names: they appear in URLs and tables. */
export const ACCOUNT_NAME_RULE = '1 to 40 letters, digits, _ . - (starting with a letter or digit)';
export const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;
const accountName = z.string().regex(ACCOUNT_NAME, { message: `a name is ${ACCOUNT_NAME_RULE}` });
const limit = z.number().nonnegative().finite().nullable().optional();
/** Experiments and GPUs come whole. */
const wholeLimit = z.number().int().nonnegative().nullable().optional();

export const authMethods = {
  /** Username and password for a session token (expires; `axon login`). Rate-limited per user and address. */
  'auth.login': z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) }),
  /** Ends the session whose token made this call. */
  'auth.logout': z.object({}),
  'auth.whoami': z.object({}),
  'users.create': z.object({
    username: accountName,
    email: z.string().email().max(200).nullable().default(null),
    password: z.string().min(10, { message: 'a password has at least 10 characters' }).max(1024),
    superuser: z.boolean().default(false),
  }),
  'users.list': z.object({}),
  'users.delete': z.object({ username: accountName }),
  /** A new API token of the caller, shown once; `expiresInDays` 0: never expires. */
  'tokens.create': z.object({
    name: z.string().min(1).max(100),
    expiresInDays: z.number().int().min(0).max(3650).default(90),
  }),
  'tokens.list': z.object({}),
  'tokens.revoke': z.object({ id: z.number().int().positive() }),
  'orgs.create': z.object({ name: accountName }),
  'orgs.list': z.object({}),
  'orgs.get': z.object({ name: accountName }),
  'orgs.setMember': z.object({
    org: accountName,
    username: accountName,
    role: z.enum(['viewer', 'member', 'admin']),
  }),
  'orgs.removeMember': z.object({ org: accountName, username: accountName }),
  /** Left out: unchanged; null: no limit. `memoryBytes` in bytes, `cpu` in cores. */
  'orgs.setQuota': z.object({
    org: accountName,
    experiments: wholeLimit,
    gpus: wholeLimit,
    cpu: limit,
    memoryBytes: limit,
  }),
} as const;

export type AuthMethodName = keyof typeof authMethods;

export interface AuthResults {
  'auth.login': { token: string; expiresAt: string; user: AuthUser };
  'auth.logout': { loggedOut: true };
  'auth.whoami': WhoAmI;
  'users.create': AuthUser;
  'users.list': AuthUser[];
  'users.delete': { deleted: true };
  'tokens.create': TokenInfo & { token: string };
  'tokens.list': TokenInfo[];
  'tokens.revoke': { revoked: true };
  'orgs.create': OrgInfo;
  'orgs.list': Array<{ name: string; role: OrgRole | null }>;
  'orgs.get': OrgInfo;
  'orgs.setMember': OrgInfo;
  'orgs.removeMember': OrgInfo;
  'orgs.setQuota': OrgInfo;
}
