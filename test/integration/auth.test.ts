// A shared engine (issue #14): users see only their projects' runs (lists and WebSocket events alike), a job's
// token reaches its own run and nothing else, sign-in is rate-limited, sessions expire, revoked tokens stop
// working; without auth the API behaves as it always has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { Engine } from '../../main/engine/engine';
import { serve } from '../../main/server/http';
import { createHttpClient } from '../../shared/http-client';
import { projectWith, sleep, tmpDir, waitFor } from '../helpers';
import { need } from '../requirements';

const PASSWORD = 'a long enough password';

async function post(url: string, method: string, token: string | null, input: unknown) {
  const res = await fetch(`${url}/api/${method}`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: JSON.stringify(input),
  });
  // Several methods' answers are read here, each checked field by field by the tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Body = { ok: boolean; result?: any; error?: { code: string; message: string } };
  return { status: res.status, body: (await res.json()) as Body };
}

const files = (f: string) => [{ name: 'polyaxonfile.yml', text: fs.readFileSync(f, 'utf8') }];

async function sharedEngine(opts: { sessionTtlMs?: number } = {}) {
  const engine = await Engine.start({ home: tmpDir(), ...opts });
  engine.authEnabled = true;
  // These users run local jobs (`axon serve --auth --allow-local-jobs`); the refusal is its own test below.
  engine.authz.localJobs = true;
  const server = await serve(engine, { auth: true });
  engine.apiUrl = server.url;
  return { engine, server };
}

test('two users: each sees only their own runs, in lists, gets and WebSocket events', async () => {
  const { engine, server } = await sharedEngine();
  try {
    for (const username of ['ann', 'ben'])
      await engine.call('users.create', { username, password: PASSWORD });
    const login = async (username: string) =>
      (await post(server.url, 'auth.login', null, { username, password: PASSWORD })).body.result
        .token as string;
    const ann = createHttpClient(server.url, await login('ann'), WebSocket as never);
    const ben = createHttpClient(server.url, await login('ben'), WebSocket as never);
    const heard = { ann: new Set<number>(), ben: new Set<number>() };
    const logs = { ann: '', ben: '' };
    const runDirsHeard = new Set<string>();
    ann.on('experiments.changed', (e) => {
      heard.ann.add(e.experiment.id);
      runDirsHeard.add(e.experiment.runDir);
    });
    ben.on('experiments.changed', (e) => heard.ben.add(e.experiment.id));
    ann.on('logs.appended', (c) => (logs.ann += c.text));
    ben.on('logs.appended', (c) => (logs.ben += c.text));
    await Promise.all([ann.ready(), ben.ready()]);

    const a = projectWith('echo secret-of-ann; echo bytes-of-ann > "$AXON_OUTPUTS_PATH/out.txt"');
    const b = projectWith('echo secret-of-ben');
    const ra = await ann.call('runs.create', { project: 'ann-work', files: files(a.file), codePath: a.dir });
    const rb = await ben.call('runs.create', { project: 'ben-work', files: files(b.file), codePath: b.dir });
    assert(ra.kind === 'experiment' && rb.kind === 'experiment');
    const [xa, xb] = [ra.experiment.id, rb.experiment.id];
    await waitFor(async () => {
      const s = await Promise.all([xa, xb].map((id) => engine.call('experiments.get', { id })));
      return s.every((x) => x.status === 'succeeded');
    });
    await waitFor(async () => logs.ann.includes('secret-of-ann') && logs.ben.includes('secret-of-ben'));
    await sleep(300); // anything still in flight to the wrong socket would arrive now

    assert.deepEqual(
      (await ann.call('experiments.list', {})).map((x) => x.id),
      [xa],
    );
    assert.deepEqual(
      (await ben.call('projects.list', {})).map((p) => p.name),
      ['ben/ben-work'],
    );
    assert.equal((await ann.call('groups.list', {})).length, 0);
    await assert.rejects(ann.call('experiments.get', { id: xb }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'not_found');
      assert.equal(e.message, `no experiment with id ${xb} (see \`axon ps\`)`);
      return true;
    });
    await assert.rejects(ann.call('experiments.logs', { id: xb }), /no experiment with id/);
    // ben's project, bare or by its full name, answers as a project that does not exist does.
    await assert.rejects(ann.call('projects.get', { name: 'ben-work' }), /no project named "ann\/ben-work"/);
    for (const name of ['ben/ben-work', 'ben/nothing', 'nobody/nothing'])
      await assert.rejects(ann.call('projects.get', { name }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'not_found');
        assert.equal(e.message, `no project named "${name}" (see \`axon project ls\`)`);
        return true;
      });
    await assert.rejects(
      ann.call('experiments.list', { project: 'ben/ben-work' }),
      /no project named "ben\/ben-work"/,
    );
    // Downloads: a signed-in user gets a link to her own output (signed by the engine) and its bytes; not
    // another's run's.
    // Where the engine keeps things on the server is not told to a user; the machine's owner sees it.
    assert.equal((await ann.call('system.info', {})).home, '');
    assert.equal((await engine.call('system.info', {})).home, engine.home);
    const out = await ann.call('experiments.outputFile', { id: xa, path: 'out.txt' });
    assert.equal(out.absolutePath, 'out.txt');
    assert.equal((await ann.call('experiments.outputPath', { id: xa, path: 'out.txt' })).realPath, '');
    // Nor its run folders and log paths, in gets, lists and events alike.
    const mine = await ann.call('experiments.get', { id: xa });
    assert.equal(mine.runDir, '');
    assert.deepEqual(
      mine.jobs.map((j) => j.logPath),
      [''],
    );
    assert.deepEqual(
      (await ann.call('experiments.list', {})).map((x) => x.runDir),
      [''],
    );
    assert.deepEqual([...runDirsHeard], ['']);
    assert.ok(
      path.isAbsolute((await engine.call('experiments.get', { id: xa })).runDir),
      "the owner's is there",
    );
    assert(
      path.isAbsolute(
        (await engine.call('experiments.outputFile', { id: xa, path: 'out.txt' })).absolutePath,
      ),
    );
    const link = await ann.call('experiments.downloadLink', { id: xa, path: 'out.txt' });
    assert.equal(await (await fetch(server.url + link.href)).text(), 'bytes-of-ann\n');
    await assert.rejects(
      ben.call('experiments.downloadLink', { id: xa, path: 'out.txt' }),
      /no experiment with id/,
    );
    assert(heard.ann.has(xa) && !heard.ann.has(xb), `ann heard ${[...heard.ann]}`);
    assert(heard.ben.has(xb) && !heard.ben.has(xa), `ben heard ${[...heard.ben]}`);
    assert(!logs.ann.includes('secret-of-ben') && !logs.ben.includes('secret-of-ann'));
    ann.close();
    ben.close();
  } finally {
    await server.close();
    await engine.close();
  }
});

test("a job's token reads its own run and cannot touch another run", async () => {
  const { engine, server } = await sharedEngine();
  try {
    const other = projectWith('sleep 600');
    const ro = await engine.call('runs.create', {
      project: 'other',
      files: files(other.file),
      codePath: other.dir,
    });
    assert(ro.kind === 'experiment');
    const otherId = ro.experiment.id;
    await waitFor(async () => (await engine.call('experiments.get', { id: otherId })).status === 'running');

    // The job calls the API with the token it was given (AXON_TOKEN) and prints what each call answered.
    const job = projectWith(`${process.execPath} job.mjs`);
    fs.writeFileSync(
      path.join(job.dir, 'job.mjs'),
      `const own = Number(process.env.AXON_RUN_ID);
const call = async (method, input) => {
  const r = await fetch(process.env.AXON_API_URL + '/api/' + method, {
    method: 'POST',
    headers: { authorization: 'Bearer ' + process.env.AXON_TOKEN },
    body: JSON.stringify(input),
  });
  return r.status;
};
const out = {
  token: process.env.AXON_TOKEN.startsWith('axr_' + own + '_'),
  ownGet: await call('experiments.get', { id: own }),
  ownLogs: await call('experiments.logs', { id: own }),
  otherGet: await call('experiments.get', { id: ${otherId} }),
  otherLogs: await call('experiments.logs', { id: ${otherId} }),
  otherMetrics: await call('experiments.metrics', { id: ${otherId} }),
  otherStop: await call('experiments.stop', { id: ${otherId} }),
  otherDelete: await call('experiments.delete', { id: ${otherId} }),
  ownStop: await call('experiments.stop', { id: own }),
  ownTrack: await call('experiments.track', { id: own, metrics: { loss: 0.5 }, step: 3, params: { lr: 0.1 }, tags: ['via-api'] }),
  otherTrack: await call('experiments.track', { id: ${otherId}, metrics: { loss: 9 }, tags: ['planted'] }),
  list: await call('experiments.list', {}),
  projects: await call('projects.list', {}),
  run: await call('runs.create', { files: [], codePath: '.' }),
};
console.log('RESULT ' + JSON.stringify(out));
`,
    );
    const rj = await engine.call('runs.create', {
      project: 'job',
      files: files(job.file),
      codePath: job.dir,
    });
    assert(rj.kind === 'experiment');
    const x = await waitFor(async () => {
      const g = await engine.call('experiments.get', { id: rj.experiment.id });
      return g.status === 'succeeded' || g.status === 'failed' ? g : null;
    });
    const log = (await engine.call('experiments.logs', { id: x.id })).text;
    const line = /RESULT (.*)/.exec(log);
    assert(line, `the job printed no result: ${log}`);
    assert.deepEqual(JSON.parse(line[1]), {
      token: true,
      ownGet: 200,
      ownLogs: 200,
      otherGet: 404,
      otherLogs: 404,
      otherMetrics: 404,
      otherStop: 403,
      otherDelete: 403,
      ownStop: 403,
      ownTrack: 200,
      otherTrack: 404,
      list: 403,
      projects: 403,
      run: 403,
    });
    // What the job sent through the API is its run's, as its log's lines would be; the other run has nothing.
    assert.deepEqual(x.lastMetrics, { loss: 0.5 });
    assert.deepEqual(
      (await engine.call('experiments.metrics', { id: x.id })).map((p) => [p.key, p.step, p.value]),
      [['loss', 3, 0.5]],
    );
    assert.equal(x.params.lr, 0.1);
    assert(x.tags.includes('via-api'));
    const o = await engine.call('experiments.get', { id: otherId });
    assert.equal(o.status, 'running', 'the other run was not touched');
    assert.deepEqual(o.lastMetrics, {});
    assert(!o.tags.includes('planted'));
    await engine.call('experiments.stop', { id: otherId });
  } finally {
    await server.close();
    await engine.close();
  }
});

test('sign-in: 5 failures a minute per user and address, then 429; sessions expire; revoked tokens end', async () => {
  const { engine, server } = await sharedEngine({ sessionTtlMs: 1500 });
  try {
    await engine.call('users.create', { username: 'cy', password: PASSWORD });
    const wrong = { username: 'cy', password: 'not the password' };
    for (let i = 0; i < 5; i++) {
      const r = await post(server.url, 'auth.login', null, wrong);
      assert.equal(r.status, 401);
      assert.equal(r.body.error?.message, 'wrong username or password');
    }
    const limited = await post(server.url, 'auth.login', null, { username: 'cy', password: PASSWORD });
    assert.equal(limited.status, 429, 'even the right password waits out the limit');
    assert.match(limited.body.error?.message ?? '', /too many failed sign-ins for cy; try again in \d+ s/);
    // Another user from the same address is not held back by cy's failures.
    await engine.call('users.create', { username: 'dee', password: PASSWORD });
    const s = await post(server.url, 'auth.login', null, { username: 'dee', password: PASSWORD });
    assert.equal(s.status, 200);
    const session = s.body.result.token as string;
    assert.match(session, /^axs_/);
    assert.equal((await post(server.url, 'auth.whoami', session, {})).body.result.user.username, 'dee');
    assert.equal((await post(server.url, 'projects.list', null, {})).status, 401, 'anonymous');
    assert.equal((await post(server.url, 'projects.list', 'axp_made-up', {})).status, 401, 'unknown token');

    const t = (await post(server.url, 'tokens.create', session, { name: 'ci' })).body.result;
    assert.match(t.token, /^axp_/);
    const listed = (await post(server.url, 'tokens.list', session, {})).body.result;
    assert.equal(JSON.stringify(listed).includes(t.token), false, 'a token is shown once, never listed');
    assert.equal((await post(server.url, 'projects.list', t.token, {})).status, 200);
    // A token cannot make tokens: one that never expires would outlive its revocation.
    const child = await post(server.url, 'tokens.create', t.token, { name: 'forever', expiresInDays: 0 });
    assert.equal(child.status, 403);
    assert.match(child.body.error?.message ?? '', /an API token cannot create tokens: sign in/);
    const stored = await engine.store.db.all<{ token_hash: string }>('SELECT token_hash FROM api_tokens');
    assert.equal(JSON.stringify(stored).includes(t.token), false, 'only its hash is stored');
    assert.equal((await post(server.url, 'tokens.revoke', session, { id: t.id })).status, 200);
    assert.equal((await post(server.url, 'projects.list', t.token, {})).status, 401, 'revoked');

    await sleep(1600);
    const expired = await post(server.url, 'projects.list', session, {});
    assert.equal(expired.status, 401, 'the session expired');
    assert.match(expired.body.error?.message ?? '', /not valid \(expired, revoked or unknown\)/);
    const again = (await post(server.url, 'auth.login', null, { username: 'dee', password: PASSWORD })).body
      .result;
    assert.equal((await post(server.url, 'auth.logout', again.token, {})).status, 200);
    assert.equal((await post(server.url, 'projects.list', again.token, {})).status, 401, 'logged out');
  } finally {
    await server.close();
    await engine.close();
  }
});

test('without auth nothing changes: the home token is the owner, any other token (a run token too) is refused', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  const server = await serve(engine);
  try {
    await engine.call('users.create', { username: 'eve', password: PASSWORD });
    const s = await engine.call('auth.login', { username: 'eve', password: PASSWORD });
    assert.equal((await post(server.url, 'projects.list', s.token, {})).status, 401);
    assert.equal((await post(server.url, 'projects.list', null, {})).status, 401);
    assert.equal((await post(server.url, 'projects.list', server.token, {})).status, 200);
    const who = (await post(server.url, 'auth.whoami', server.token, {})).body.result;
    assert.deepEqual([who.kind, who.auth], ['local', false]);
  } finally {
    await server.close();
    await engine.close();
  }
});

test('an open event socket closes once its session ends (logout), within seconds', async () => {
  const { engine, server } = await sharedEngine();
  try {
    await engine.call('users.create', { username: 'fay', password: PASSWORD });
    const s = (await post(server.url, 'auth.login', null, { username: 'fay', password: PASSWORD })).body
      .result;
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/events?token=${s.token}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await sleep(200);
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.equal((await post(server.url, 'auth.logout', s.token, {})).status, 200);
    const code = await Promise.race([closed, sleep(15_000).then(() => 'still open')]);
    assert.equal(code, 4401);
  } finally {
    await server.close();
    await engine.close();
  }
});

test("project names are per owner: two users' same name, an organization's, and nothing told of others'", async () => {
  const { engine, server } = await sharedEngine();
  try {
    for (const username of ['ann', 'ben', 'cat'])
      await engine.call('users.create', { username, password: PASSWORD });
    const as = async (username: string) =>
      createHttpClient(
        server.url,
        (await post(server.url, 'auth.login', null, { username, password: PASSWORD })).body.result.token,
      );
    const [ann, ben, cat] = await Promise.all(['ann', 'ben', 'cat'].map(as));
    const codePath = tmpDir();
    // Both may call a project "mnist": ben learns nothing of ann's.
    assert.equal((await ann.call('projects.create', { name: 'mnist', codePath })).name, 'ann/mnist');
    assert.equal((await ben.call('projects.create', { name: 'mnist', codePath })).name, 'ben/mnist');
    await assert.rejects(
      ann.call('projects.create', { name: 'mnist', codePath }),
      /project "ann\/mnist" already exists/,
    );
    // An organization's project of the same name, beside ann's own; a bare name is still her own.
    await engine.call('orgs.create', { name: 'lab' });
    await engine.call('orgs.setMember', { org: 'lab', username: 'ann', role: 'member' });
    await engine.call('orgs.setMember', { org: 'lab', username: 'cat', role: 'viewer' });
    const labs = await ann.call('projects.create', { name: 'mnist', codePath, organization: 'lab' });
    assert.equal(labs.name, 'lab/mnist');
    assert.equal((await ann.call('projects.get', { name: 'mnist' })).name, 'ann/mnist');
    assert.deepEqual(
      (await ann.call('projects.list', {})).map((p) => p.name),
      ['ann/mnist', 'lab/mnist'],
    );
    // cat has no "mnist" of her own: the bare name is the one she can see, and runs go there as named.
    assert.equal((await cat.call('projects.get', { name: 'mnist' })).name, 'lab/mnist');
    const p = projectWith('echo "project=$AXON_PROJECT"');
    const r = await ann.call('runs.create', { project: 'lab/mnist', files: files(p.file), codePath: p.dir });
    assert(r.kind === 'experiment');
    assert.equal(r.experiment.projectName, 'lab/mnist');
    await waitFor(
      async () => (await engine.call('experiments.get', { id: r.experiment.id })).status === 'succeeded',
    );
    assert.match((await engine.call('experiments.logs', { id: r.experiment.id })).text, /project=lab\/mnist/);
    // Nobody creates a project in a namespace that is not theirs; a viewer is told she only reads it.
    await assert.rejects(
      ben.call('runs.create', { project: 'lab/new', files: files(p.file), codePath: p.dir }),
      (e: Error & { code?: string }) =>
        e.code === 'not_found' && e.message.startsWith('no project named "lab/new"'),
    );
    await assert.rejects(
      ben.call('runs.create', { project: 'ann/new', files: files(p.file), codePath: p.dir }),
      (e: Error & { code?: string }) => e.code === 'not_found',
    );
    await assert.rejects(
      cat.call('runs.create', { project: 'lab/new', files: files(p.file), codePath: p.dir }),
      (e: Error & { code?: string }) => e.code === 'forbidden',
    );
    assert.deepEqual(
      (await engine.call('projects.list', {})).map((x) => x.name),
      ['ann/mnist', 'ben/mnist', 'lab/mnist'],
      'nothing was created by the refused calls',
    );
    // The machine's owner sees them all: a bare name that three projects bear is refused, naming them.
    await assert.rejects(
      engine.call('projects.get', { name: 'mnist' }),
      /"mnist" is the name of 3 projects you can see \(ann\/mnist, ben\/mnist, lab\/mnist\): say which/,
    );
    // A run takes a bare name as one's own only: with none of hers but lab's in sight, cat is asked which she
    // means (no run lands in lab/mnist, no cat/mnist appears beside it); named, hers is made. The owner's
    // delete of "mnist" deletes nothing of the others'.
    await assert.rejects(
      cat.call('runs.create', { project: 'mnist', files: files(p.file), codePath: p.dir }),
      /you have no project "mnist"; lab\/mnist is one you can see: name it as OWNER\/NAME, or create yours first/,
    );
    const rc = await cat.call('runs.create', { project: 'cat/mnist', files: files(p.file), codePath: p.dir });
    assert(rc.kind === 'experiment');
    assert.equal(rc.experiment.projectName, 'cat/mnist');
    await assert.rejects(engine.call('projects.delete', { name: 'mnist' }), /no project named "mnist"/);
    assert.equal((await engine.call('projects.list', {})).length, 4);
    // Users and organizations share the namespace.
    await assert.rejects(engine.call('orgs.create', { name: 'ann' }), /"ann" is a user's name/);
    await assert.rejects(
      engine.call('users.create', { username: 'lab', password: PASSWORD }),
      /"lab" is an organization's name/,
    );
    // Nor may two names differ only in case: `Lab/mnist` beside `lab/mnist` would be mistaken for it.
    await assert.rejects(
      engine.call('users.create', { username: 'Ann', password: PASSWORD }),
      /"Ann" is too close to the user "ann"/,
    );
    await assert.rejects(
      engine.call('orgs.create', { name: 'LAB' }),
      /"LAB" is too close to the organization "lab"/,
    );
    await assert.rejects(engine.call('orgs.create', { name: 'Cat' }), /"Cat" is too close to the user "cat"/);
    for (const c of [ann, ben, cat]) c.close();
  } finally {
    await server.close();
    await engine.close();
  }
});

test("a shared engine runs its users' jobs on Docker or Kubernetes only, unless its owner allows local jobs", async () => {
  const { engine, server } = await sharedEngine();
  engine.authz.localJobs = false; // `axon serve --auth` as it starts by default
  try {
    await engine.call('users.create', { username: 'fay', password: PASSWORD });
    await engine.call('users.create', { username: 'root', password: PASSWORD, superuser: true });
    const login = async (username: string) =>
      (await post(server.url, 'auth.login', null, { username, password: PASSWORD })).body.result
        .token as string;
    const fay = createHttpClient(server.url, await login('fay'), WebSocket as never);
    const root = createHttpClient(server.url, await login('root'), WebSocket as never);
    const p = projectWith('echo ran');
    // A local job would run as the engine's account, able to read its keys (the home's token).
    await assert.rejects(
      fay.call('runs.create', { project: 'fay-work', files: files(p.file), codePath: p.dir }),
      (e: Error & { code?: string }) =>
        e.code === 'forbidden' && /does not run its users' jobs on the local backend/.test(e.message),
    );
    assert.equal((await engine.call('experiments.list', {})).length, 0, 'nothing created');
    // Another backend passes this check (the file is then refused for having no image: nothing runs here).
    await assert.rejects(
      fay.call('runs.create', {
        project: 'fay-work',
        files: files(p.file),
        codePath: p.dir,
        backend: 'docker',
      }),
      /build: expected a build section with an image/,
    );
    // A superuser may (they can reach the home anyway); a restart of that local run by fay may not.
    const mine = await root.call('runs.create', {
      project: 'fay/fay-work',
      files: files(p.file),
      codePath: p.dir,
    });
    assert(mine.kind === 'experiment');
    await waitFor(
      async () => (await engine.call('experiments.get', { id: mine.experiment.id })).status === 'succeeded',
    );
    await assert.rejects(fay.call('experiments.restart', { id: mine.experiment.id }), /local backend/);
    engine.authz.localJobs = true; // `--allow-local-jobs`
    const allowed = await fay.call('experiments.restart', { id: mine.experiment.id });
    assert.equal(allowed.backend, 'local');
    for (const c of [fay, root]) c.close();
  } finally {
    await server.close();
    await engine.close();
  }
});

test('an organization keeps an admin: its last one can be neither removed nor made a member or viewer', async () => {
  const { engine, server } = await sharedEngine();
  try {
    for (const username of ['gil', 'hal'])
      await engine.call('users.create', { username, password: PASSWORD });
    const login = async (username: string) =>
      (await post(server.url, 'auth.login', null, { username, password: PASSWORD })).body.result
        .token as string;
    const gil = createHttpClient(server.url, await login('gil'), WebSocket as never);
    await gil.call('orgs.create', { name: 'optics' }); // gil administers it
    await gil.call('orgs.setMember', { org: 'optics', username: 'hal', role: 'member' });
    for (const change of [
      () => gil.call('orgs.removeMember', { org: 'optics', username: 'gil' }),
      () => gil.call('orgs.setMember', { org: 'optics', username: 'gil', role: 'viewer' }),
    ])
      await assert.rejects(
        change(),
        /that is the last admin of the organization: make another member admin first/,
      );
    // With a second admin, the first may step down.
    await gil.call('orgs.setMember', { org: 'optics', username: 'hal', role: 'admin' });
    const after = await gil.call('orgs.removeMember', { org: 'optics', username: 'gil' });
    assert.deepEqual(
      after.members.map((m) => [m.username, m.role]),
      [['hal', 'admin']],
    );
    gil.close();
  } finally {
    await server.close();
    await engine.close();
  }
});

test("a user's delete that leaves a run folder behind says so without the server's paths", async (t) => {
  const { engine, server } = await sharedEngine();
  try {
    await engine.call('users.create', { username: 'ann', password: PASSWORD });
    const token = (await post(server.url, 'auth.login', null, { username: 'ann', password: PASSWORD })).body
      .result.token as string;
    const ann = createHttpClient(server.url, token, WebSocket as never);
    const a = projectWith('mkdir -p "$AXON_OUTPUTS_PATH/ckpt" && echo 1 > "$AXON_OUTPUTS_PATH/ckpt/m"');
    const r = await ann.call('runs.create', { project: 'ann-work', files: files(a.file), codePath: a.dir });
    assert(r.kind === 'experiment');
    const id = r.experiment.id;
    await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'succeeded');
    const runDir = (await engine.call('experiments.get', { id })).runDir!;
    const stuck = path.join(runDir, 'outputs', 'ckpt', 'm');
    const chattr = spawnSync('chattr', ['+i', stuck], { encoding: 'utf8' });
    if (chattr.status !== 0 && !need(t, 'chattr +i (root, ext4)', chattr.stderr || 'failed')) return;
    try {
      const d = await ann.call('experiments.delete', { id });
      assert.deepEqual(d.warnings, [
        '1 run folder(s) could not be removed from the server (files another user owns): its administrator can remove them',
      ]);
      assert.doesNotMatch(JSON.stringify(d), new RegExp(engine.home));
    } finally {
      spawnSync('chattr', ['-i', stuck]);
    }
  } finally {
    await server.close();
    await engine.close();
  }
});
