// Shared test helpers: temporary AXON_HOMEs, the real CLI as a child process, a serving engine, store rows.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createHttpClient, type HttpClient } from '../shared/http-client';
import type { AxonApi, Results } from '../shared/api';
import { isDone, isGroupDone } from '../shared/statuses';
import type { Store } from '../main/engine/store';
import type { NewExperiment } from '../main/engine/store/experiments';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'axon.mjs');

export function tmpDir(prefix = 'axon-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A project folder with a polyaxonfile running `cmd`. */
export function projectWith(cmd: string, extra = ''): { dir: string; file: string } {
  const dir = tmpDir('axon-proj-');
  const file = path.join(dir, 'polyaxonfile.yml');
  fs.writeFileSync(file, `version: 1\nkind: experiment\n${extra}run:\n  cmd: ${JSON.stringify(cmd)}\n`);
  return { dir, file };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(
  args: string[],
  opts: { home: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      // A background engine the command starts (work without a serving engine) exits soon after the test.
      env: { ...process.env, AXON_HOME: opts.home, AXON_QUIET: '1', AXON_IDLE_EXIT_S: '2', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`axon ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Served {
  proc: ChildProcess;
  client: HttpClient;
  url: string;
  /** The home's token (what `?token=` in a dashboard address carries). */
  token: string;
  stop(): Promise<void>;
}

/** `axon serve` as a real child process; resolves once its address file is written. `opts.env` adds to (or
 *  overrides) the environment it inherits, e.g. KUBECONFIG; `opts.args` are more options (`--auth`). */
export async function startServe(
  home: string,
  opts: { env?: Record<string, string>; args?: string[] } = {},
): Promise<Served> {
  const proc = spawn(process.execPath, [BIN, 'serve', ...(opts.args ?? [])], {
    env: { ...process.env, AXON_HOME: home, AXON_QUIET: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const addrFile = path.join(home, 'engine.json');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`axon serve exited ${proc.exitCode}: ${err}`);
    try {
      const a = JSON.parse(fs.readFileSync(addrFile, 'utf8')) as { pid: number; url: string; token: string };
      if (a.pid === proc.pid) {
        const client = createHttpClient(a.url, a.token, WebSocket as never);
        return {
          proc,
          client,
          url: a.url,
          token: a.token,
          stop: async () => {
            client.close();
            if (proc.exitCode === null) {
              proc.kill('SIGTERM');
              await new Promise((r) => proc.once('exit', r));
            }
          },
        };
      }
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`axon serve did not start: ${err}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The most experiments of a group that were active at the same moment, read from the status history. */
export async function maxActive(
  engine: { store: { db: { all<T>(sql: string, params?: unknown[]): Promise<T[]> } } },
  groupId: number,
): Promise<number> {
  const { ACTIVE } = await import('../shared/statuses');
  const rows = await engine.store.db.all<{ entity_id: number; status: string }>(
    `SELECT h.entity_id, h.status FROM status_history h JOIN experiments e ON e.id = h.entity_id
     WHERE h.entity = 'experiment' AND e.group_id = ? ORDER BY h.id`,
    [groupId],
  );
  const active = new Set<number>();
  let max = 0;
  for (const r of rows) {
    if (ACTIVE.has(r.status as never)) active.add(r.entity_id);
    else active.delete(r.entity_id);
    max = Math.max(max, active.size);
  }
  return max;
}

/** Creates a group from one polyaxonfile text through the API and returns its id. */
export async function startGroup(
  api: AxonApi,
  text: string,
  codePath: string,
  opts: { backend?: 'local' | 'docker'; name?: string } = {},
): Promise<number> {
  const c = await api.call('runs.create', {
    files: [{ name: opts.name ?? 'sweep.yml', text }],
    params: {},
    codePath,
    ...(opts.backend ? { backend: opts.backend } : {}),
  });
  if (c.kind !== 'group') throw new Error(`expected a group, got ${c.kind}`);
  return c.group.id;
}

/** Waits for an experiment to reach a final status and returns it (as experiments.get gives it). */
export function experimentEnd(
  api: Pick<AxonApi, 'call'>,
  id: number,
  ms = 60_000,
): Promise<Results['experiments.get']> {
  return waitFor(
    async () => {
      const x = await api.call('experiments.get', { id });
      return isDone(x.status) ? x : null;
    },
    ms,
    `experiment ${id} to end`,
  );
}

/** Waits for a group to reach a final status and returns it. */
export function groupEnd(api: AxonApi, id: number, ms = 90_000): Promise<Results['groups.get']> {
  return waitFor(
    async () => {
      const g = await api.call('groups.get', { id });
      return isGroupDone(g.status) ? g : null;
    },
    ms,
    `group ${id} to end`,
  );
}

/** A project "p" and one local experiment in it, as a store test starts from; returns the experiment's id. */
export async function insertExperiment(store: Store, x: Partial<NewExperiment> = {}): Promise<number> {
  const codePath = x.codePath ?? '/tmp';
  const p = await store.projects.create('p', '', codePath);
  return store.db.transaction(() =>
    store.experiments.insert({
      projectId: p.id,
      groupId: null,
      name: null,
      backend: 'local',
      cmd: 'true',
      spec: {},
      params: {},
      tags: [],
      codePath,
      ...x,
    }),
  );
}

/**
 * A Kubernetes run recorded in `home`'s store (before any engine opens it) as ended `failed` with its outputs
 * kept in its pod (`reason`), on kube context `context` (one not in the kubeconfig: what a user who removed a
 * context sees). Returns the experiment's id.
 */
export async function seedKeptRun(home: string, context: string, reason: string): Promise<number> {
  const { Store } = await import('../main/engine/store');
  const { paths } = await import('../main/engine/home');
  const code = tmpDir('axon-kept-code-');
  fs.mkdirSync(paths(home).runs, { recursive: true });
  const store = await Store.open(paths(home).db);
  const p = await store.projects.create('kept', '', code);
  const id = await store.db.transaction(() =>
    store.experiments.insert({
      projectId: p.id,
      groupId: null,
      name: 'trainer',
      backend: 'kubernetes',
      cmd: 'python train.py',
      spec: {},
      params: {},
      tags: [],
      codePath: code,
      run: { target: { context, namespace: 'ml' } },
    }),
  );
  const runDir = path.join(paths(home).runs, String(id));
  fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  await store.experiments.update(id, { run_dir: runDir, outputs_dir: path.join(runDir, 'outputs') });
  const job = await store.jobs.insert(id, 'master', 0, path.join(runDir, 'logs', 'master-0.log'));
  await store.db.transaction(() =>
    store.jobs.setHandle(job, { pod: 'axon-h-1-master-0', namespace: 'ml', context }),
  );
  for (const s of ['running', 'failed'] as const) {
    await store.statuses.job(job, s, s === 'failed' ? reason : null);
    await store.statuses.experiment(id, s, s === 'failed' ? reason : null);
  }
  await store.close();
  return id;
}
