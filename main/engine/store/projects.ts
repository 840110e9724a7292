import type { Db } from './db';
import type { Project } from '../../../shared/domain';
import { ApiError } from '../../../shared/api';

interface ProjectRow {
  id: number;
  name: string;
  description: string;
  code_path: string | null;
  created_at: string;
  experiment_count?: number;
  group_count?: number;
}

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  description: r.description,
  codePath: r.code_path,
  createdAt: r.created_at,
  experimentCount: r.experiment_count,
  groupCount: r.group_count,
});

const SELECT = `SELECT p.*,
  (SELECT count(*) FROM experiments e WHERE e.project_id = p.id) AS experiment_count,
  (SELECT count(*) FROM experiment_groups g WHERE g.project_id = p.id) AS group_count
  FROM projects p`;

export class Projects {
  constructor(private db: Db) {}

  async create(name: string, description: string, codePath: string | null): Promise<Project> {
    if (await this.find(name)) throw new ApiError('conflict', `project "${name}" already exists`);
    const { lastID } = await this.db.transaction(() =>
      this.db.run('INSERT INTO projects (owner_id, name, description, code_path) VALUES (1, ?, ?, ?)', [
        name,
        description,
        codePath,
      ]),
    );
    return this.byId(lastID);
  }

  /** The project of that name, created if missing; two concurrent callers get the same one. */
  async ensure(name: string, codePath: string): Promise<Project> {
    await this.db.transaction(() =>
      this.db.run(
        // Names are unique across owners (a shared engine's users each own projects): the one of any owner.
        `INSERT INTO projects (owner_id, name, description, code_path)
         SELECT 1, ?, '', ? WHERE NOT EXISTS (SELECT 1 FROM projects WHERE name = ?)`,
        [name, codePath, name],
      ),
    );
    return this.get(name);
  }

  async list(): Promise<Project[]> {
    return (await this.db.all<ProjectRow>(`${SELECT} ORDER BY p.name`)).map(toProject);
  }

  async find(name: string): Promise<Project | undefined> {
    const r = await this.db.get<ProjectRow>(`${SELECT} WHERE p.name = ?`, [name]);
    return r && toProject(r);
  }

  async get(name: string): Promise<Project> {
    const p = await this.find(name);
    if (!p) throw new ApiError('not_found', `no project named "${name}" (see \`axon project ls\`)`);
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
}
