// Users, API tokens, sessions, organizations, memberships and quotas (migrations 1 and 9). User 1 is the
// implicit local owner: every project of a home used without --auth belongs to it.
import type { Db } from '../store/db';
import { ApiError } from '../../../shared/api-errors';
import type { AuthUser, OrgInfo, OrgRole, Quota, TokenInfo } from '../../../shared/auth';
import { hashPassword, newToken, tokenHash, verifyPassword } from './secrets';
import { orgUsage } from './quota';

export const LOCAL_USER_ID = 1;

interface UserRow {
  id: number;
  username: string;
  email: string | null;
  is_superuser: number;
  password_hash: string | null;
  created_at: string;
}

const toUser = (r: UserRow): AuthUser => ({
  id: r.id,
  username: r.username,
  email: r.email,
  superuser: !!r.is_superuser,
  createdAt: r.created_at,
});

const now = () => new Date().toISOString();

export class AuthStore {
  constructor(private db: Db) {}

  /** A user's or organization's name that differs from `name` only in case (`Alice` beside `alice`): both
   *  would show side by side, and `Vision/x` beside `vision/x` invites mistaking one for the other. */
  private async takenName(name: string): Promise<{ kind: 'user' | 'organization'; name: string } | null> {
    const u = await this.db.get<{ n: string }>(
      'SELECT username AS n FROM users WHERE lower(username) = lower(?)',
      [name],
    );
    if (u) return { kind: 'user', name: u.n };
    const o = await this.db.get<{ n: string }>(
      'SELECT name AS n FROM organizations WHERE lower(name) = lower(?)',
      [name],
    );
    return o ? { kind: 'organization', name: o.n } : null;
  }

  async createUser(u: { username: string; email?: string | null; password: string; superuser?: boolean }) {
    // Users and organizations share one namespace: `owner/project` names either.
    const taken = await this.takenName(u.username);
    if (taken?.kind === 'user' && taken.name === u.username)
      throw new ApiError('conflict', `user "${u.username}" already exists`);
    if (taken?.name === u.username)
      throw new ApiError('conflict', `"${u.username}" is an organization's name; choose another username`);
    if (taken)
      throw new ApiError(
        'conflict',
        `"${u.username}" is too close to the ${taken.kind} "${taken.name}" (names differ by more than case); choose another username`,
      );
    const hash = await hashPassword(u.password);
    const { lastID } = await this.db.transaction(() =>
      this.db.run('INSERT INTO users (username, email, is_superuser, password_hash) VALUES (?, ?, ?, ?)', [
        u.username,
        u.email ?? null,
        u.superuser ? 1 : 0,
        hash,
      ]),
    );
    return this.user(lastID);
  }

  async user(id: number): Promise<AuthUser> {
    const r = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    if (!r) throw new ApiError('not_found', `no user with id ${id}`);
    return toUser(r);
  }

  async userByName(username: string): Promise<AuthUser> {
    const r = await this.db.get<UserRow>('SELECT * FROM users WHERE username = ?', [username]);
    if (!r) throw new ApiError('not_found', `no user named "${username}"`);
    return toUser(r);
  }

  async listUsers(): Promise<AuthUser[]> {
    return (
      await this.db.all<UserRow>('SELECT * FROM users WHERE id <> ? ORDER BY username', [LOCAL_USER_ID])
    ).map(toUser);
  }

  async deleteUser(username: string): Promise<void> {
    const u = await this.userByName(username);
    if (u.id === LOCAL_USER_ID) throw new ApiError('invalid_input', 'the local owner cannot be deleted');
    const owns = await this.db.get<{ n: number }>('SELECT count(*) AS n FROM projects WHERE owner_id = ?', [
      u.id,
    ]);
    if (owns && owns.n > 0)
      throw new ApiError(
        'conflict',
        `user "${username}" owns ${owns.n} project(s); delete them or move them to an organization first`,
      );
    await this.db.transaction(() => this.db.run('DELETE FROM users WHERE id = ?', [u.id]));
  }

  /** The user whose password this is, or null (the same for an unknown user and a wrong password). */
  async checkPassword(username: string, password: string): Promise<AuthUser | null> {
    const r = await this.db.get<UserRow>('SELECT * FROM users WHERE username = ?', [username]);
    const ok = await verifyPassword(password, r?.password_hash ?? null);
    return ok && r ? toUser(r) : null;
  }

  async createToken(
    userId: number,
    name: string,
    expiresAt: string | null,
  ): Promise<TokenInfo & { token: string }> {
    const token = newToken('axp');
    const { lastID } = await this.db.transaction(() =>
      this.db.run('INSERT INTO api_tokens (user_id, name, token_hash, expires_at) VALUES (?, ?, ?, ?)', [
        userId,
        name,
        tokenHash(token),
        expiresAt,
      ]),
    );
    const info = (await this.listTokens(userId)).find((t) => t.id === lastID)!;
    return { ...info, token };
  }

  async listTokens(userId: number): Promise<TokenInfo[]> {
    const rows = await this.db.all<{
      id: number;
      name: string;
      expires_at: string | null;
      created_at: string;
      last_used_at: string | null;
    }>(
      'SELECT id, name, expires_at, created_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY id',
      [userId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      expiresAt: r.expires_at,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  /** A user revokes their own tokens only: another's token answers as one that does not exist. */
  async revokeToken(userId: number, id: number): Promise<void> {
    const { changes } = await this.db.transaction(() =>
      this.db.run('DELETE FROM api_tokens WHERE id = ? AND user_id = ?', [id, userId]),
    );
    if (!changes) throw new ApiError('not_found', `you have no token with id ${id} (see \`axon token ls\`)`);
  }

  async createSession(userId: number, address: string | null, ttlMs: number) {
    const token = newToken('axs');
    const expiresAt = new Date(Date.now() + ttlMs).toISOString();
    await this.db.transaction(async () => {
      await this.db.run('DELETE FROM sessions WHERE expires_at < ?', [now()]);
      await this.db.run(
        'INSERT INTO sessions (user_id, token_hash, address, expires_at) VALUES (?, ?, ?, ?)',
        [userId, tokenHash(token), address, expiresAt],
      );
    });
    return { token, expiresAt };
  }

  async endSession(token: string): Promise<void> {
    await this.db.transaction(() =>
      this.db.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash(token)]),
    );
  }

  /** The user a bearer token (API token or session) stands for, if it is known and not expired. */
  async resolveToken(token: string): Promise<AuthUser | null> {
    const h = tokenHash(token);
    const table = token.startsWith('axs_') ? 'sessions' : token.startsWith('axp_') ? 'api_tokens' : null;
    if (!table) return null;
    const r = await this.db.get<
      UserRow & { tid: number; expires_at: string | null; last_used_at: string | null }
    >(
      `SELECT u.*, t.id AS tid, t.expires_at, t.last_used_at FROM ${table} t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = ?`,
      [h],
    );
    if (!r || (r.expires_at && r.expires_at <= now())) return null;
    // Written at most once a minute: every request would otherwise be a write.
    if (!r.last_used_at || Date.parse(r.last_used_at) < Date.now() - 60_000)
      await this.db.transaction(() =>
        this.db.run(`UPDATE ${table} SET last_used_at = ? WHERE id = ?`, [now(), r.tid]),
      );
    return toUser(r);
  }

  async createOrg(name: string, adminId: number): Promise<OrgInfo> {
    const taken = await this.takenName(name);
    if (taken?.kind === 'organization' && taken.name === name)
      throw new ApiError('conflict', `organization "${name}" already exists`);
    if (taken?.name === name)
      throw new ApiError('conflict', `"${name}" is a user's name; choose another organization name`);
    if (taken)
      throw new ApiError(
        'conflict',
        `"${name}" is too close to the ${taken.kind} "${taken.name}" (names differ by more than case); choose another organization name`,
      );
    await this.db.transaction(async () => {
      const { lastID } = await this.db.run('INSERT INTO organizations (name) VALUES (?)', [name]);
      // The creator administers it (the local owner, a superuser already, is no member).
      if (adminId !== LOCAL_USER_ID)
        await this.db.run("INSERT INTO memberships (organization_id, user_id, role) VALUES (?, ?, 'admin')", [
          lastID,
          adminId,
        ]);
    });
    return this.org(name);
  }

  async orgId(name: string): Promise<number> {
    const r = await this.db.get<{ id: number }>('SELECT id FROM organizations WHERE name = ?', [name]);
    if (!r) throw new ApiError('not_found', `no organization named "${name}"`);
    return r.id;
  }

  async org(name: string): Promise<OrgInfo> {
    const id = await this.orgId(name);
    const members = await this.db.all<{ username: string; role: OrgRole }>(
      `SELECT u.username, m.role FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.organization_id = ? ORDER BY u.username`,
      [id],
    );
    return { id, name, members, quota: await this.quota(id), inUse: await orgUsage(this.db, id) };
  }

  async listOrgs(): Promise<Array<{ id: number; name: string }>> {
    return this.db.all('SELECT id, name FROM organizations ORDER BY name');
  }

  /** Organization id → role, for one user. */
  async roles(userId: number): Promise<Map<number, OrgRole>> {
    const rows = await this.db.all<{ organization_id: number; role: OrgRole }>(
      'SELECT organization_id, role FROM memberships WHERE user_id = ?',
      [userId],
    );
    return new Map(rows.map((r) => [r.organization_id, r.role]));
  }

  /** Refuses a change that would leave an organization without an admin: only a superuser could manage it. */
  private async keepsAnAdmin(orgId: number, userId: number): Promise<void> {
    const admins = await this.db.all<{ user_id: number }>(
      "SELECT user_id FROM memberships WHERE organization_id = ? AND role = 'admin'",
      [orgId],
    );
    if (admins.length === 1 && admins[0].user_id === userId)
      throw new ApiError(
        'conflict',
        'that is the last admin of the organization: make another member admin first (axon org member add ORG USER --role admin)',
      );
  }

  async setMember(orgId: number, userId: number, role: OrgRole): Promise<void> {
    await this.db.transaction(async () => {
      if (role !== 'admin') await this.keepsAnAdmin(orgId, userId);
      await this.db.run(
        `INSERT INTO memberships (organization_id, user_id, role) VALUES (?, ?, ?)
         ON CONFLICT (organization_id, user_id) DO UPDATE SET role = excluded.role`,
        [orgId, userId, role],
      );
    });
  }

  async removeMember(orgId: number, userId: number): Promise<void> {
    const { changes } = await this.db.transaction(async () => {
      await this.keepsAnAdmin(orgId, userId);
      return this.db.run('DELETE FROM memberships WHERE organization_id = ? AND user_id = ?', [
        orgId,
        userId,
      ]);
    });
    if (!changes) throw new ApiError('not_found', 'that user is no member of the organization');
  }

  async quota(orgId: number): Promise<Quota> {
    const r = await this.db.get<{
      max_experiments: number | null;
      gpus: number | null;
      cpu: number | null;
      memory_bytes: number | null;
    }>('SELECT * FROM quotas WHERE organization_id = ?', [orgId]);
    return {
      experiments: r?.max_experiments ?? null,
      gpus: r?.gpus ?? null,
      cpu: r?.cpu ?? null,
      memoryBytes: r?.memory_bytes ?? null,
    };
  }

  async setQuota(orgId: number, q: Quota): Promise<void> {
    await this.db.transaction(() =>
      this.db.run(
        `INSERT INTO quotas (organization_id, max_experiments, gpus, cpu, memory_bytes) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (organization_id) DO UPDATE SET max_experiments = excluded.max_experiments,
           gpus = excluded.gpus, cpu = excluded.cpu, memory_bytes = excluded.memory_bytes`,
        [orgId, q.experiments, q.gpus, q.cpu, q.memoryBytes],
      ),
    );
  }

  /** Who owns a project: its user and its organization (null: a personal project). */
  async projectOwner(projectId: number): Promise<{ ownerId: number; orgId: number | null } | null> {
    const r = await this.db.get<{ owner_id: number; organization_id: number | null }>(
      'SELECT owner_id, organization_id FROM projects WHERE id = ?',
      [projectId],
    );
    return r ? { ownerId: r.owner_id, orgId: r.organization_id } : null;
  }

  async setProjectOwner(projectId: number, ownerId: number, orgId: number | null): Promise<void> {
    await this.db.transaction(() =>
      this.db.run('UPDATE projects SET owner_id = ?, organization_id = ? WHERE id = ?', [
        ownerId,
        orgId,
        projectId,
      ]),
    );
  }
}
