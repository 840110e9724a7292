// The store: one SQLite file under AXON_HOME, one module per entity.
import { Db } from './db';
import { Projects } from './projects';
import { Experiments } from './experiments';
import { Groups } from './groups';
import { Jobs } from './jobs';
import { Metrics } from './metrics';
import { Statuses } from './statuses';
import { CodeRefs } from './code-refs';
import { Outputs } from './outputs';
import { Resources } from './resources';

export class Store {
  readonly projects: Projects;
  readonly experiments: Experiments;
  readonly groups: Groups;
  readonly jobs: Jobs;
  readonly metrics: Metrics;
  readonly statuses: Statuses;
  readonly codeRefs: CodeRefs;
  readonly outputs: Outputs;
  readonly resources: Resources;

  private constructor(readonly db: Db) {
    this.projects = new Projects(db);
    this.experiments = new Experiments(db);
    this.groups = new Groups(db);
    this.jobs = new Jobs(db);
    this.metrics = new Metrics(db);
    this.statuses = new Statuses(db);
    this.codeRefs = new CodeRefs(db);
    this.outputs = new Outputs(db);
    this.resources = new Resources(db);
  }

  static async open(file: string): Promise<Store> {
    return new Store(await Db.open(file));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export { StoreError } from './db';
