// Projects live in their owner's namespace. A project of the local owner (user 1: every project of a home used
// without --auth) is named by its name alone, as it always was; a user's or an organization's by
// `owner/name` (as Polyaxon names them), which is also the name the API gives back.
import type { Db } from './db';
import type { Project } from '../../../shared/domain';
import { ApiError } from '../../../shared/api';

interface ProjectRow {
  id: number;
  name: string;
  full_name: string;
  description: string;
  code_path: string | null;
  created_at: string;
  experiment_count?: number;
  group_count?: number;
}

/** SQL for the name a project is known by (the alias of the projects table is `p`). */
export const PROJECT_FULL_NAME = `(CASE
  WHEN p.organization_id IS NOT NULL
    THEN (SELECT o.name FROM organizations o WHERE o.id = p.organization_id) || '/' || p.name
  WHEN p.owner_id = 1 THEN p.name
  ELSE (SELECT u.username FROM users u WHERE u.id = p.owner_id) || '/' || p.name END)`;

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.full_name,
  description: r.description,
  codePath: r.code_path,
  createdAt: r.created_at,
  experimentCount: r.experiment_count,
  groupCount: r.group_count,
});

const SELECT = `SELECT p.*, ${PROJECT_FULL_NAME} AS full_name,
  (SELECT count(*) FROM experiments e WHERE e.project_id = p.id) AS experiment_count,
  (SELECT count(*) FROM experiment_groups g WHERE g.project_id = p.id) AS group_count
  FROM projects p`;

/** Where a project name points: a namespace (an organization, or a user's own) and the name in it. */
export interface ProjectPlace {
  ownerId: number;
  orgId: number | null;
  name: string;
}

/** The namespace and name `ref` (`name` or `owner/name`) points to; null when no user or organization has that name. */
export async function placeOf(db: Db, ref: string): Promise<ProjectPlace | null> {
  const slash = ref.indexOf('/');
  if (slash < 0) return { ownerId: 1, orgId: null, name: ref };
  const [ns, name] = [ref.slice(0, slash), ref.slice(slash + 1)];
  const org = await db.get<{ id: number }>('SELECT id FROM organizations WHERE name = ?', [ns]);
  if (org) return { ownerId: 1, orgId: org.id, name };
  const user = await db.get<{ id: number }>('SELECT id FROM users WHERE username = ?', [ns]);
  return user ? { ownerId: user.id, orgId: null, name } : null;
}

const inPlace = (at: ProjectPlace) =>
  at.orgId === null
    ? { sql: 'p.owner_id = ? AND p.organization_id IS NULL AND p.name = ?', params: [at.ownerId, at.name] }
    : { sql: 'p.organization_id = ? AND p.name = ?', params: [at.orgId, at.name] };

/** The id of the project `ref` names, or null. */
export async function projectIdOf(db: Db, ref: string): Promise<number | null> {
  const at = await placeOf(db, ref);
  if (!at) return null;
  const w = inPlace(at);
  return (await db.get<{ id: number }>(`SELECT p.id FROM projects p WHERE ${w.sql}`, w.params))?.id ?? null;
}

export class Projects {
  constructor(private db: Db) {}

  /** A new project named `ref`; in an organization's namespace, `creatorId` is recorded as its owner. */
  async create(ref: string, description: string, codePath: string | null, creatorId = 1): Promise<Project> {
    const at = await this.place(ref);
    if (await this.find(ref)) throw new ApiError('conflict', `project "${ref}" already exists`);
    const { lastID } = await this.db.transaction(() =>
      this.db.run(
        'INSERT INTO projects (owner_id, organization_id, name, description, code_path) VALUES (?, ?, ?, ?, ?)',
        [at.orgId === null ? at.ownerId : creatorId, at.orgId, at.name, description, codePath],
      ),
    );
    return this.byId(lastID);
  }

  /** The project named `ref`, created if missing; two concurrent callers get the same one. */
  async ensure(ref: string, codePath: string, creatorId = 1): Promise<Project> {
    const at = await this.place(ref);
    const w = inPlace(at);
    await this.db.transaction(() =>
      this.db.run(
        `INSERT INTO projects (owner_id, organization_id, name, description, code_path)
         SELECT ?, ?, ?, '', ? WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE ${w.sql})`,
        [at.orgId === null ? at.ownerId : creatorId, at.orgId, at.name, codePath, ...w.params],
      ),
    );
    return this.get(ref);
  }

  async list(): Promise<Project[]> {
    return (await this.db.all<ProjectRow>(`${SELECT} ORDER BY full_name`)).map(toProject);
  }

  async find(ref: string): Promise<Project | undefined> {
    const at = await placeOf(this.db, ref);
    if (!at) return undefined;
    const w = inPlace(at);
    const r = await this.db.get<ProjectRow>(`${SELECT} WHERE ${w.sql}`, w.params);
    return r && toProject(r);
  }

  async get(ref: string): Promise<Project> {
    const p = await this.find(ref);
    if (!p) throw new ApiError('not_found', `no project named "${ref}" (see \`axon project ls\`)`);
    return p;
  }

  async byId(id: number): Promise<Project> {
    const r = await this.db.get<ProjectRow>(`${SELECT} WHERE p.id = ?`, [id]);
    if (!r) throw new ApiError('not_found', `no project with id ${id}`);
    return toProject(r);
  }

  async delete(id: number): Promise<void> {
    await this.db.transaction(() => this.db.run('DELETE FROM projects WHERE id = ?', [id]));
  }

  private async place(ref: string): Promise<ProjectPlace> {
    const at = await placeOf(this.db, ref);
    if (!at) throw new ApiError('not_found', `no project named "${ref}" (see \`axon project ls\`)`);
    return at;
  }
}
