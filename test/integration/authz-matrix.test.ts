// The authorization matrix (issue #14 §5): every API method of the contract × every role, over real HTTP against
// a real engine serving with auth. The expected answer of each cell is derived from the method's rule in
// main/engine/auth/permissions.ts, so a new method is covered as soon as it has a rule (and a method without
// one fails here first). An allowed call must answer exactly as the home's owner's call does; a call on a
// project the role cannot see must answer exactly as one on a project that does not exist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packCode } from '../../main/cli/code-upload';
import { Engine } from '../../main/engine/engine';
import { serve, type RunningServer } from '../../main/server/http';
import { methods, type MethodName } from '../../shared/api';
import { RULES } from '../../main/engine/auth/permissions';
import { runToken } from '../../main/engine/auth/run-token';
import { projectWith, tmpDir, waitFor } from '../helpers';
import { isDone, type ExperimentStatus } from '../../shared/statuses';

type Role = 'viewer' | 'member' | 'admin' | 'other' | 'anonymous' | 'run' | 'superuser';
const ROLES: Role[] = ['anonymous', 'run', 'other', 'viewer', 'member', 'admin', 'superuser'];
type Expect = 'allow' | 401 | 403 | 404;

interface Fixture {
  /** base64 of a .tar.gz of the fixture's code folder (code.upload's input). */
  archive: string;
  dir: string;
  file: string;
  xDone: number;
  xLive: number;
  gDone: number;
  gLive: number;
}

let engine: Engine;
let server: RunningServer;
let fx: Fixture;
const tokens = new Map<Role, string>();
let seq = 0;

const GHOST_ID = 987654;
// In lab's namespace, as p is: a missing project answers the same whoever asks.
const GHOST_NAME = 'lab/ghost-project';

/** The fields a method's rule reads its target from, and the other fields some methods need. */
function inputFor(method: MethodName, role: Role | 'owner' | 'ghost'): Record<string, unknown> {
  const rule = RULES[method];
  const ghost = role === 'ghost';
  const input: Record<string, unknown> = {};
  if (rule.who === 'project')
    for (const f of rule.fields)
      input[f] = ghost
        ? rule.by === 'project'
          ? GHOST_NAME
          : GHOST_ID
        : rule.by === 'project'
          ? 'lab/p'
          : rule.by === 'group'
            ? method === 'groups.delete'
              ? fx.gLive // refused as running (conflict) for those allowed: nothing is deleted
              : fx.gDone
            : method === 'experiments.delete'
              ? fx.xLive // refused as running (conflict) for those allowed: nothing is deleted
              : fx.xDone;
  const unique = `${String(role)}-${++seq}`;
  const extra: Partial<Record<string, Record<string, unknown>>> = {
    'system.folder': { path: fx.dir },
    'projects.create': { name: `made-${unique}`, codePath: fx.dir },
    // p has a running experiment: a delete that is allowed is refused as a conflict, so p stays.
    'runs.check': { files: [{ name: 'p.yml', text: fs.readFileSync(fx.file, 'utf8') }] },
    'runs.create': { files: [{ name: 'p.yml', text: fs.readFileSync(fx.file, 'utf8') }], codePath: fx.dir },
    // A tiny valid archive (one file), stored in the caller's own uploads folder.
    'code.upload': { archive: fx.archive },
    'experiments.outputFile': { path: 'none.txt' },
    'experiments.outputPath': { path: 'none.txt' },
    'experiments.downloadLink': { path: 'none.txt' },
    'groups.setConcurrency': { concurrency: 2 },
    // The fixture's run has ended: an allowed call is refused as a conflict, so nothing is written.
    'experiments.track': { tags: ['matrix'] },
    'experiments.update': { tags: ['matrix'] },
    'groups.metricCurves': { key: 'loss' },
    'auth.login': { username: `nobody-${unique}`, password: 'not the password' },
    'users.create': { username: `u-${unique}`, password: 'a long enough password' },
    'users.delete': { username: `nobody-${unique}` },
    'tokens.create': { name: 'matrix' },
    'tokens.revoke': { id: GHOST_ID },
    'orgs.create': { name: `org-${unique}` },
    'orgs.get': { name: ghost ? 'ghost-org' : 'lab' },
    'orgs.setMember': { org: ghost ? 'ghost-org' : 'lab', username: 'member', role: 'member' },
    'orgs.removeMember': { org: ghost ? 'ghost-org' : 'lab', username: 'superuser' },
    'orgs.setQuota': { org: 'lab', experiments: null },
  };
  return { ...input, ...extra[method] };
}

/** What the rule says a role gets. The run token belongs to fx.xDone, the experiment every call targets. */
function expected(method: MethodName, role: Role): Expect {
  const rule = RULES[method];
  // Every role here calls with an API token, and a token cannot make tokens (a session can: auth.test.ts).
  if (method === 'tokens.create') return role === 'anonymous' ? 401 : 403;
  if (rule.who === 'anyone' || role === 'superuser') return 'allow';
  if (role === 'anonymous') return 401;
  if (role === 'run')
    return rule.who === 'project' && rule.run && method !== 'experiments.delete' ? 'allow' : 403;
  if (rule.who === 'superuser') return 403;
  if (rule.who === 'user') {
    // Organization methods name 'lab': its members see it, an admin manages it, another organization's user
    // finds no such organization.
    if (method === 'orgs.get') return role === 'other' ? 404 : 'allow';
    if (method === 'orgs.setMember' || method === 'orgs.removeMember')
      return role === 'other' ? 404 : role === 'admin' ? 'allow' : 403;
    return 'allow';
  }
  if (role === 'other') return 404;
  if (rule.need === 'read') return 'allow';
  if (rule.need === 'write') return role === 'viewer' ? 403 : 'allow';
  return role === 'admin' ? 'allow' : 403;
}

async function post(method: string, token: string | null, input: unknown) {
  const res = await fetch(`${server.url}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as {
    ok: boolean;
    result?: unknown;
    error?: { code: string; message: string };
  };
  return { status: res.status, body };
}

before(async () => {
  const home = tmpDir();
  process.env.KUBECONFIG = path.join(home, 'no-kubeconfig');
  engine = await Engine.start({ home });
  engine.authEnabled = true;
  engine.authz.localJobs = true; // the matrix's runs are local jobs (`--allow-local-jobs`)
  server = await serve(engine, { auth: true });
  engine.apiUrl = server.url;
  const { auth } = engine.authz;
  const users: Record<string, number> = {};
  for (const name of ['viewer', 'member', 'admin', 'other', 'superuser'])
    users[name] = (
      await engine.call('users.create', {
        username: name,
        password: 'a long enough password',
        superuser: name === 'superuser',
      })
    ).id;
  await engine.call('orgs.create', { name: 'lab' });
  await engine.call('orgs.create', { name: 'rival' });
  for (const role of ['viewer', 'member', 'admin'] as const)
    await engine.call('orgs.setMember', { org: 'lab', username: role, role });
  await engine.call('orgs.setMember', { org: 'rival', username: 'other', role: 'admin' });
  for (const name of Object.keys(users))
    tokens.set(name as Role, (await auth.createToken(users[name], 'matrix', null)).token);

  const done = projectWith('echo done');
  await engine.call('projects.create', { name: 'p', codePath: done.dir, organization: 'lab' });
  const text = (f: string) => [{ name: 'p.yml', text: fs.readFileSync(f, 'utf8') }];
  const x1 = await engine.call('runs.create', {
    project: 'lab/p',
    files: text(done.file),
    codePath: done.dir,
  });
  const live = projectWith('sleep 600');
  const x2 = await engine.call('runs.create', {
    project: 'lab/p',
    files: text(live.file),
    codePath: live.dir,
  });
  const grid = projectWith('echo {{ a }}', 'hptuning:\n  matrix:\n    a: {values: [1]}\n').file;
  fs.writeFileSync(grid, fs.readFileSync(grid, 'utf8').replace('kind: experiment', 'kind: group'));
  const g = await engine.call('runs.create', { project: 'lab/p', files: text(grid), codePath: done.dir });
  const sweeping = projectWith('sleep 600 # {{ a }}', 'hptuning:\n  matrix:\n    a: {values: [1]}\n').file;
  fs.writeFileSync(sweeping, fs.readFileSync(sweeping, 'utf8').replace('kind: experiment', 'kind: group'));
  const gl = await engine.call('runs.create', {
    project: 'lab/p',
    files: text(sweeping),
    codePath: done.dir,
  });
  assert(x1.kind === 'experiment' && x2.kind === 'experiment' && g.kind === 'group' && gl.kind === 'group');
  fx = {
    archive: (await packCode(done.dir)).archive.toString('base64'),
    dir: done.dir,
    file: done.file,
    xDone: x1.experiment.id,
    xLive: x2.experiment.id,
    gDone: g.group.id,
    gLive: gl.group.id,
  };
  await waitFor(
    async () =>
      (await engine.call('experiments.get', { id: fx.xDone })).status === 'succeeded' &&
      (await engine.call('groups.get', { id: fx.gDone })).status === 'done' &&
      (await engine.call('experiments.get', { id: fx.xLive })).status === 'running' &&
      (await engine.call('groups.get', { id: fx.gLive })).status === 'running',
    30_000,
    'the fixture runs',
  );
  const key = fs.readFileSync(path.join(home, 'run-token.key'), 'utf8').trim();
  tokens.set('run', runToken(key, fx.xDone));
});

after(async () => {
  await engine?.call('experiments.stop', { id: fx.xLive }).catch(() => undefined);
  await engine?.call('groups.stop', { id: fx.gLive }).catch(() => undefined);
  await server?.close();
  await engine?.close();
});

test('every method of the contract has a permission rule, and no rule names a method that does not exist', () => {
  assert.deepEqual(Object.keys(RULES).sort(), Object.keys(methods).sort());
});

/** Waits for a resume the matrix made (if it made one) to end. */
async function resumeEnded(result: unknown): Promise<void> {
  const id = (result as { id?: number } | undefined)?.id;
  if (!id) return;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const x = await post('experiments.get', server.token, { id });
    if (isDone((x.body.result as { status: ExperimentStatus }).status)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('authorization matrix: every method × viewer, member, admin, other organization, anonymous, run token', async (t) => {
  const failures: string[] = [];
  let cells = 0;
  const tally = new Map<string, number>();
  for (const method of Object.keys(methods) as MethodName[]) {
    for (const role of ROLES) {
      const want = expected(method, role);
      const input = inputFor(method, role);
      const got = await post(method, role === 'anonymous' ? null : tokens.get(role)!, input);
      cells++;
      tally.set(`${role} ${want}`, (tally.get(`${role} ${want}`) ?? 0) + 1);
      const where = `${method} as ${role}: expected ${want}, got ${got.status} ${JSON.stringify(got.body.error ?? 'ok')}`;
      if (want === 'allow') {
        // A resume is refused while another still runs in the same outputs folder: each ends before the next.
        if (method === 'experiments.resume') await resumeEnded(got.body.result);
        // The home's owner makes the same call: an allowed role must get the same answer.
        const owner = await post(method, server.token, inputFor(method, 'owner'));
        if (method === 'experiments.resume') await resumeEnded(owner.body.result);
        if (got.status !== owner.status || got.body.error?.code !== owner.body.error?.code)
          failures.push(`${where} (the owner got ${owner.status} ${owner.body.error?.code ?? 'ok'})`);
        continue;
      }
      if (got.status !== want) {
        failures.push(where);
        continue;
      }
      // A run into a project one cannot see cannot answer as into a missing one: the superuser asking for
      // the missing one would create it (and runs.check, asked first, passes it).
      if (want === 404 && method !== 'runs.create' && method !== 'runs.check') {
        // Exactly what a project, experiment, group or organization that does not exist answers.
        const ghost = await post(method, tokens.get('superuser')!, inputFor(method, 'ghost'));
        const same = (ghost.body.error?.message ?? '')
          .replaceAll(String(GHOST_ID), '#')
          .replaceAll(GHOST_NAME, '#')
          .replaceAll('ghost-org', '#');
        const mine = (got.body.error?.message ?? '')
          .replaceAll(String(fx.xDone), '#')
          .replaceAll(String(fx.xLive), '#')
          .replaceAll(String(fx.gDone), '#')
          .replaceAll(String(fx.gLive), '#')
          .replaceAll('"lab/p"', '"#"')
          .replaceAll('"lab"', '"#"');
        if (ghost.status !== 404 || same !== mine)
          failures.push(
            `${where}: a missing one answers ${ghost.status} ${JSON.stringify(ghost.body.error)}`,
          );
      }
    }
  }
  t.diagnostic(`${cells} cells: ${[...tally].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  assert.equal(cells, Object.keys(methods).length * ROLES.length);
  assert.deepEqual(failures, []);
});
