// Numbered migrations; PRAGMA user_version holds how many have run. Append only: never edit a shipped one.
export const MIGRATIONS: string[] = [
  /* 1: the core entities */ `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  email TEXT,
  is_superuser INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE organizations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE memberships (
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('viewer','member','admin')),
  PRIMARY KEY (organization_id, user_id)
);
CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  organization_id INTEGER REFERENCES organizations(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  code_path TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE (owner_id, name)
);
CREATE TABLE experiment_groups (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT,
  status TEXT NOT NULL,
  status_message TEXT,
  algorithm TEXT NOT NULL,
  concurrency INTEGER NOT NULL,
  search_json TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  code_path TEXT NOT NULL,
  state_json TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  started_at TEXT,
  finished_at TEXT
);
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  group_id INTEGER REFERENCES experiment_groups(id) ON DELETE CASCADE,
  name TEXT,
  status TEXT NOT NULL,
  status_reason TEXT,
  status_message TEXT,
  backend TEXT NOT NULL,
  cmd TEXT,
  spec_json TEXT NOT NULL,
  code_path TEXT NOT NULL,
  run_dir TEXT NOT NULL DEFAULT '',
  outputs_dir TEXT,
  original_id INTEGER REFERENCES experiments(id) ON DELETE SET NULL,
  cloning_strategy TEXT,
  exit_code INTEGER,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX experiments_by_project ON experiments(project_id, id);
CREATE INDEX experiments_by_group ON experiments(group_id, id);
CREATE INDEX experiments_by_status ON experiments(status);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  role TEXT NOT NULL DEFAULT 'master',
  replica_index INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  status_reason TEXT,
  pid INTEGER,
  pid_start TEXT,
  exit_code INTEGER,
  log_path TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  started_at TEXT,
  finished_at TEXT,
  UNIQUE (experiment_id, role, replica_index)
);
CREATE TABLE status_history (
  id INTEGER PRIMARY KEY,
  entity TEXT NOT NULL CHECK (entity IN ('experiment','job','group')),
  entity_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  message TEXT,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX status_history_by_entity ON status_history(entity, entity_id, id);
CREATE TABLE params (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value_json TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'spec',
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
CREATE TABLE metrics (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  ts REAL NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (experiment_id, key, step)
) WITHOUT ROWID;
CREATE TABLE last_metrics (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
CREATE TABLE log_offsets (
  job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  consumed INTEGER NOT NULL DEFAULT 0,
  malformed INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE code_refs (
  experiment_id INTEGER PRIMARY KEY REFERENCES experiments(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('git','hash')),
  commit_sha TEXT,
  branch TEXT,
  remote TEXT,
  dirty INTEGER NOT NULL DEFAULT 0,
  diff TEXT,
  diff_truncated INTEGER NOT NULL DEFAULT 0,
  content_hash TEXT,
  file_count INTEGER
);
CREATE TABLE outputs (
  id INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  size INTEGER,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE (experiment_id, path)
);
CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (experiment_id, tag)
) WITHOUT ROWID;
INSERT INTO users (id, username, is_superuser) VALUES (1, 'local', 1);
`,
  /* 2: iterative sweeps: what each experiment is to its searcher (config, bracket, rung, resource) */ `
ALTER TABLE experiments ADD COLUMN sweep_json TEXT;
ALTER TABLE experiment_groups ADD COLUMN code_json TEXT;
`,
  /* 3: backends beyond local processes: what to build and run, and the container of a job */ `
ALTER TABLE experiments ADD COLUMN run_json TEXT;
ALTER TABLE jobs ADD COLUMN external_id TEXT;
ALTER TABLE experiment_groups ADD COLUMN backend TEXT NOT NULL DEFAULT 'local';
`,
  /* 4: resource samples of running jobs (CPU, memory, network, block I/O, GPUs) */ `
CREATE TABLE resources (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  ts REAL NOT NULL,
  cpu_percent REAL,
  memory_bytes INTEGER,
  memory_limit_bytes INTEGER,
  net_rx_bytes INTEGER,
  net_tx_bytes INTEGER,
  block_read_bytes INTEGER,
  block_write_bytes INTEGER,
  gpus_json TEXT,
  PRIMARY KEY (job_id, ts)
) WITHOUT ROWID;
CREATE INDEX resources_by_experiment ON resources(experiment_id, ts);
`,
  /* 5: the image a container backend ran the experiment in */ `
ALTER TABLE experiments ADD COLUMN image TEXT;
`,
  /* 6: each metric's smallest and largest value, for the experiments table (sort and filter by min / max) */ `
ALTER TABLE last_metrics ADD COLUMN min_value REAL;
ALTER TABLE last_metrics ADD COLUMN max_value REAL;
UPDATE last_metrics SET
  min_value = (SELECT MIN(m.value) FROM metrics m WHERE m.experiment_id = last_metrics.experiment_id AND m.key = last_metrics.key),
  max_value = (SELECT MAX(m.value) FROM metrics m WHERE m.experiment_id = last_metrics.experiment_id AND m.key = last_metrics.key);
`,
  /* 7: the kube context and namespace a group's experiments run on (Kubernetes), recorded at creation */ `
ALTER TABLE experiment_groups ADD COLUMN target_json TEXT;
`,
  /* 8: ids are never reused: the highest id deleted from each table, which new ids stay above (nextId) */ `
CREATE TABLE id_high_water (tbl TEXT PRIMARY KEY, last_id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER experiments_high_water AFTER DELETE ON experiments BEGIN
  INSERT INTO id_high_water (tbl, last_id) VALUES ('experiments', OLD.id)
    ON CONFLICT (tbl) DO UPDATE SET last_id = MAX(last_id, excluded.last_id);
END;
CREATE TRIGGER groups_high_water AFTER DELETE ON experiment_groups BEGIN
  INSERT INTO id_high_water (tbl, last_id) VALUES ('experiment_groups', OLD.id)
    ON CONFLICT (tbl) DO UPDATE SET last_id = MAX(last_id, excluded.last_id);
END;
CREATE TRIGGER jobs_high_water AFTER DELETE ON jobs BEGIN
  INSERT INTO id_high_water (tbl, last_id) VALUES ('jobs', OLD.id)
    ON CONFLICT (tbl) DO UPDATE SET last_id = MAX(last_id, excluded.last_id);
END;
`,
  /* 9: a shared engine (axon serve --auth): passwords, API tokens and sessions (sha256 at rest), quotas per
     organization. Users, organizations, memberships and project ownership are in 1; every existing project
     belongs to user 1, the implicit local owner. */ `
ALTER TABLE users ADD COLUMN password_hash TEXT;
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  expires_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  last_used_at TEXT
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  address TEXT,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  last_used_at TEXT
);
CREATE TABLE quotas (
  organization_id INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  max_experiments INTEGER,
  gpus INTEGER,
  cpu REAL,
  memory_bytes INTEGER
);
`,
  /* 10: each metric series summarised per 256 steps (bucket = step >> 8), kept at ingest, so that the chart of
     a million-point run reads thousands of rows, not a million (experiments.metricSeries). A bucket that a
     batch may have written a step of twice, or out of order, is `stale`: recomputed from its points when read. */ `
CREATE TABLE metric_rollups (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  n INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  min_step INTEGER NOT NULL,
  max_step INTEGER NOT NULL,
  max_ts REAL NOT NULL,
  stale INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (experiment_id, key, bucket)
) WITHOUT ROWID;
INSERT INTO metric_rollups (experiment_id, key, bucket, n, sum, min, max, min_step, max_step, max_ts)
  SELECT experiment_id, key, step >> 8, count(*), sum(value), min(value), max(value), min(step), max(step), max(ts)
  FROM metrics GROUP BY experiment_id, key, step >> 8;
`,
  /* 11: project names are unique within their owner's namespace (`owner/name`): a user's own projects among
     themselves, an organization's among its own. UNIQUE (owner_id, name) also kept a user from naming an
     organization's project like one of their own. SQLite cannot drop a constraint: the table is rebuilt, with
     foreign keys off (REBUILDS), as SQLite's ALTER TABLE documentation says. */ `
CREATE TABLE projects_new (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  organization_id INTEGER REFERENCES organizations(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  code_path TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
INSERT INTO projects_new (id, owner_id, organization_id, name, description, code_path, created_at)
  SELECT id, owner_id, organization_id, name, description, code_path, created_at FROM projects;
DROP TABLE projects;
ALTER TABLE projects_new RENAME TO projects;
CREATE UNIQUE INDEX projects_own_name ON projects(owner_id, name) WHERE organization_id IS NULL;
CREATE UNIQUE INDEX projects_org_name ON projects(organization_id, name) WHERE organization_id IS NOT NULL;
`,
  // The runs writing in one outputs folder (a run and its resumes): an ended run's outputs listing and a resume's
  // check ask on every call, which would otherwise read the whole table.
  `CREATE INDEX IF NOT EXISTS experiments_by_outputs_dir ON experiments(outputs_dir);`,
];

/** Migrations (numbered from 1) that rebuild a table others refer to: they run with foreign keys off (a DROP
 *  would otherwise delete the rows that refer to it), and must leave no dangling reference. */
export const REBUILDS = new Set([11]);

/** SQL for the next id of a table that never reuses one: above every id it holds and every id it ever lost.
 *  (Its INTEGER PRIMARY KEY alone would hand out max(id) + 1 again after the newest row is deleted.) */
export const nextId = (table: 'experiments' | 'experiment_groups' | 'jobs') =>
  `(SELECT MAX(COALESCE((SELECT MAX(id) FROM ${table}), 0), COALESCE((SELECT last_id FROM id_high_water WHERE tbl = '${table}'), 0)) + 1)`;
