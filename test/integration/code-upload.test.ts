// Code uploads through the HTTP API of a shared engine (`serve --auth`): a user's run executes in the copy
// they sent, even once their own folder is gone; another user cannot run it by its id; runs.create wants one
// code source, and an anonymous caller cannot upload.
import { uploadOf } from '../../shared/uploads';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { serve, type RunningServer } from '../../main/server/http';
import { packCode } from '../../main/cli/code-upload';
import { packFolder } from '../../renderer/src/lib/codeArchive';
import { uploadsUsage } from '../../main/engine/code/uploads';
import { projectWith, tmpDir, waitFor } from '../helpers';

let engine: Engine;
let server: RunningServer;
let home: string;
const tokens: Record<string, string> = {};

before(async () => {
  home = tmpDir();
  engine = await Engine.start({ home });
  engine.authEnabled = true;
  engine.authz.localJobs = true; // `axon serve --auth --allow-local-jobs`: the uploads run as local jobs
  server = await serve(engine, { auth: true });
  engine.apiUrl = server.url;
  for (const name of ['ann', 'bob']) {
    const u = await engine.call('users.create', { username: name, password: 'a long enough password' });
    tokens[name] = (await engine.authz.auth.createToken(u.id, 'test', null)).token;
  }
});
after(async () => {
  await server?.close();
  await engine?.close();
});

async function post(method: string, who: string | null, input: unknown) {
  const res = await fetch(`${server.url}/api/${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
    },
    body: JSON.stringify(input),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      result?: Record<string, unknown> & { experiment?: { id: number } };
      error?: { code: string; message: string };
    },
  };
}

test('a run executes in the code its user uploaded; nobody else can run that upload', async () => {
  const local = projectWith('cat notes.txt && pwd');
  fs.writeFileSync(path.join(local.dir, 'notes.txt'), 'only in the upload\n');
  const archive = (await packCode(local.dir)).archive.toString('base64');
  const files = [{ name: 'polyaxonfile.yml', text: fs.readFileSync(local.file, 'utf8') }];

  assert.equal((await post('code.upload', null, { archive })).status, 401);
  const up = await post('code.upload', 'ann', { archive });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  const { id, files: count } = up.body.result as { id: string; files: number };
  assert.equal(count, 2);
  // The laptop's folder is gone: the run needs only the upload.
  fs.rmSync(local.dir, { recursive: true, force: true });

  const run = await post('runs.create', 'ann', { files, upload: id, project: 'notes' });
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const xid = run.body.result!.experiment!.id;
  await waitFor(
    async () => (await engine.call('experiments.get', { id: xid })).status === 'succeeded',
    30_000,
    'the uploaded run succeeds',
  );
  const x = await engine.call('experiments.get', { id: xid });
  const uploaded = path.join(home, 'uploads', String((await engine.authz.auth.userByName('ann')).id), id);
  assert.equal(x.codePath, uploaded);
  // What the dashboard and `axon experiment get` show instead of the server's folder.
  assert.equal(uploadOf(x.codePath), id);
  assert.equal(uploadOf(path.join(home, 'projects', 'notes')), null);
  const log = await engine.call('experiments.logs', { id: xid });
  assert.equal(log.text, `only in the upload\n${uploaded}\n`);
  assert.equal(x.projectName, 'ann/notes');

  const stolen = await post('runs.create', 'bob', { files, upload: id, project: 'notes' });
  assert.equal(stolen.status, 404);
  assert.match(stolen.body.error!.message, /no uploaded code [0-9a-f]{64} of yours on this server/);
  const neither = await post('runs.create', 'ann', { files, project: 'notes' });
  assert.equal(neither.status, 400);
  assert.match(neither.body.error!.message, /give codePath .* or upload/);
  const both = await post('runs.create', 'ann', { files, project: 'notes', upload: id, codePath: home });
  assert.equal(both.status, 400);
  assert.match(both.body.error!.message, /either codePath or upload, not both/);
  const versionAlone = await post('runs.create', 'ann', {
    files,
    project: 'notes',
    codePath: home,
    code: {
      kind: 'hash',
      commit: null,
      branch: null,
      remote: null,
      dirty: false,
      diff: null,
      diffTruncated: false,
      contentHash: 'x',
      fileCount: 1,
    },
  });
  assert.equal(versionAlone.status, 400);
  assert.match(versionAlone.body.error!.message, /code \(a code version\) goes with upload only/);
  // Nothing was created by the refused calls.
  assert.equal((await engine.call('experiments.list', {})).length, 1);
});

test('at start the engine removes day-old uploads that no run uses, and keeps those that one does', async () => {
  const used = (await engine.call('experiments.list', {}))[0].codePath;
  assert.match(used, /uploads\/\d+\/[0-9a-f]{64}$/);
  const spare = projectWith('true');
  const other = await post('code.upload', 'bob', {
    archive: (await packCode(spare.dir)).archive.toString('base64'),
  });
  const unused = path.join(
    home,
    'uploads',
    String((await engine.authz.auth.userByName('bob')).id),
    other.body.result!.id as string,
  );
  assert.ok(fs.existsSync(unused));
  await server.close();
  await engine.close();
  const dayAgo = new Date(Date.now() - 25 * 3600_000);
  for (const p of [used, unused, `${unused}.json`]) fs.utimesSync(p, dayAgo, dayAgo);
  engine = await Engine.start({ home });
  engine.authz.localJobs = true;
  server = await serve(engine, { auth: true });
  assert.ok(fs.existsSync(used), 'the upload a run uses stays');
  assert.ok(!fs.existsSync(unused) && !fs.existsSync(`${unused}.json`), 'the unused one went');
});

test("a user's uploads are held to the quota; reaching it frees their unused uploads older than 10 minutes", async () => {
  const ann = String((await engine.authz.auth.userByName('ann')).id);
  const annDir = path.join(home, 'uploads', ann);
  const used = (await engine.call('experiments.list', {}))[0].codePath;
  const upload = async (who: string, text: string) => {
    const code = projectWith('true');
    fs.writeFileSync(path.join(code.dir, 'weights.txt'), text);
    return post('code.upload', who, { archive: (await packCode(code.dir)).archive.toString('base64') });
  };
  engine.uploadQuotaBytes = uploadsUsage(home, Number(ann)) + 3000;
  const first = await upload('ann', 'a'.repeat(2000));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const second = await upload('ann', 'b'.repeat(2000));
  assert.equal(second.status, 409, "the engine's limit, not a bad request");
  assert.match(
    second.body.error!.message,
    /would take more than the \d\.\d KiB each user may keep \(\d\.\d KiB now\)\. Delete runs whose code you no longer need .*axon serve --upload-quota/,
  );
  assert.ok(!second.body.error!.message.includes(home), 'no server path in the message');
  assert.deepEqual(
    fs.readdirSync(annDir).filter((n) => n.endsWith('.tmp')),
    [],
    'the refused upload left nothing',
  );
  // Another user's uploads count for them alone.
  assert.equal((await upload('bob', 'b'.repeat(2000))).status, 200);
  // Once the first upload is 10 minutes old and no run uses it, reaching the quota frees it.
  const firstDir = path.join(annDir, first.body.result!.id as string);
  const old = new Date(Date.now() - 11 * 60_000);
  for (const p of [firstDir, `${firstDir}.json`, used]) fs.utimesSync(p, old, old);
  const again = await upload('ann', 'b'.repeat(2000));
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.ok(!fs.existsSync(firstDir), 'the unused upload was freed');
  assert.ok(fs.existsSync(used), 'the upload a run uses stays');
});

test('two uploads by one user at the same moment cannot both pass the quota', async () => {
  const bob = Number((await engine.authz.auth.userByName('bob')).id);
  const archives = await Promise.all(
    ['c', 'd'].map(async (ch) => {
      const code = projectWith('true');
      fs.writeFileSync(path.join(code.dir, 'weights.txt'), ch.repeat(2000));
      return (await packCode(code.dir)).archive.toString('base64');
    }),
  );
  engine.uploadQuotaBytes = uploadsUsage(home, bob) + 3000;
  const answers = await Promise.all(archives.map((archive) => post('code.upload', 'bob', { archive })));
  assert.deepEqual(
    answers.map((a) => a.status).sort(),
    [200, 409],
    JSON.stringify(answers.map((a) => a.body)),
  );
  assert.ok(uploadsUsage(home, bob) <= engine.uploadQuotaBytes, 'the quota holds');
  // The same archive twice at once is one upload.
  engine.uploadQuotaBytes = 0;
  const same = await Promise.all([0, 1].map(() => post('code.upload', 'bob', { archive: archives[1] })));
  assert.deepEqual(
    same.map((a) => a.status),
    [200, 200],
  );
  assert.equal(same[0].body.result!.id, same[1].body.result!.id);
});

test("the dashboard's folder upload: packed in the page's way, the server takes it and the run reads it", async () => {
  // What `<input webkitdirectory>` gives a page: "folder/…" paths, files only.
  const picked = (files: Record<string, string | Uint8Array>) =>
    Object.entries(files).map(([rel, body]) => {
      const data = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      return {
        webkitRelativePath: `mnist/${rel}`,
        size: data.length,
        lastModified: Date.now(),
        arrayBuffer: async () => data.slice().buffer,
        text: async () => new TextDecoder().decode(data),
      };
    });
  const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/model.py`; // over 100 bytes: a ustar prefix
  const packed = await packFolder(
    picked({
      'train.py': 'print("train")\n',
      [deep]: 'deep\n',
      'data/big.bin': new Uint8Array(4096),
      '.axonignore': 'data/\n',
      '.gitignore': '*.ckpt\n',
      'model.ckpt': 'checkpoint',
      '.git/HEAD': 'ref: refs/heads/main\n',
    }),
  );
  assert.equal(packed.folder, 'mnist');
  assert.deepEqual([packed.files, packed.ignored], [4, 3]);
  const up = await post('code.upload', 'ann', { archive: packed.archive });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  const { id, files: count } = up.body.result as { id: string; files: number };
  assert.equal(count, 4);
  const text = ['version: 1', 'kind: experiment', `run:`, `  cmd: cat train.py ${deep}; ls`].join('\n');
  const run = await post('runs.create', 'ann', {
    files: [{ name: 'polyaxonfile.yml', text }],
    upload: id,
    project: packed.folder,
  });
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const xid = run.body.result!.experiment!.id;
  const x = await waitFor(
    async () => {
      const e = await engine.call('experiments.get', { id: xid });
      return ['succeeded', 'failed'].includes(e.status) ? e : null;
    },
    30_000,
    'the run to end',
  );
  const log = (await engine.call('experiments.logs', { id: xid })).text;
  assert.equal(x.status, 'succeeded', log);
  assert.equal(log.split('\n').slice(0, 2).join('\n'), 'print("train")\ndeep');
  // Ignored files and .git stayed home.
  assert.doesNotMatch(log, /model\.ckpt|^data$/m);
  assert.match(log, /^train\.py$/m);
});
