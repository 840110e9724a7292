// The CLI of a shared engine (issue #14), as a user runs it: `axon serve` refuses a non-loopback host without
// --auth; the first superuser is made on the machine against the home; `axon serve --auth` over HTTPS with a
// self-signed certificate; `axon login` keeps the session token in the CLI's config (0600) and commands then
// talk to that server; `axon token create` shows a token once; `axon logout` forgets it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, sleep, startServe, tmpDir, type CliResult, type Served } from '../helpers';
import { need, skipOrFail } from '../requirements';

/** `axon ARGS` with `input` on its stdin. */
function axon(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, AXON_QUIET: '1', AXON_NO_BACKGROUND: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`axon ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(input);
  });
}

let served: Served | null = null;
after(async () => served?.stop());

test('axon serve: a non-loopback host needs --auth; TLS files go together; the upload quota is MiB', async () => {
  const env = { AXON_HOME: tmpDir() };
  const open = await axon(['serve', '--host', '0.0.0.0'], env);
  assert.equal(open.code, 2);
  assert.match(
    open.stderr,
    /--host 0\.0\.0\.0 would let anyone who reaches it act as this home's owner; add --auth/,
  );
  const half = await axon(['serve', '--auth', '--tls-cert', 'cert.pem'], env);
  assert.equal(half.code, 2);
  assert.match(half.stderr, /--tls-cert and --tls-key go together/);
  const quota = await axon(['serve', '--upload-quota', '2GB'], env);
  assert.equal(quota.code, 2);
  assert.match(quota.stderr, /--upload-quota must be a whole number of MiB \(0: no limit\), got "2GB"/);
});

const noOpenssl = spawnSync('openssl', ['version']).error
  ? 'openssl (to make a test certificate) is not installed'
  : null;

test(
  'a shared engine over HTTPS: first superuser, login, whoami, org, token shown once, logout',
  { skip: skipOrFail(noOpenssl) },
  async (t) => {
    if (!need(t, 'openssl', noOpenssl)) return;
    const home = tmpDir();
    const config = tmpDir('axon-config-');
    const cert = path.join(home, 'cert.pem');
    const key = path.join(home, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const env = { AXON_HOME: home, AXON_CONFIG_DIR: config, NODE_EXTRA_CA_CERTS: cert };

    const made = await axon(
      ['user', 'create', 'root', '--superuser', '--password-stdin'],
      env,
      'root password 1\n',
    );
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.stdout, 'user root created (superuser)\n');

    // Its users run local jobs: the owner allows it (the refusal without it: test/integration/auth.test.ts).
    served = await startServe(home, {
      args: ['--auth', '--allow-local-jobs', '--tls-cert', cert, '--tls-key', key],
      env,
    });
    assert.match(served.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const url = served.url;
    // Elsewhere (another machine): no AXON_HOME of this server, only the config the login writes.
    const remote = { AXON_HOME: tmpDir(), AXON_CONFIG_DIR: config, NODE_EXTRA_CA_CERTS: cert };

    const bad = await axon(['login', url, '-u', 'root', '--password-stdin'], remote, 'wrong password\n');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'axon: wrong username or password\n');
    const ok = await axon(['login', url, '-u', 'root', '--password-stdin'], remote, 'root password 1\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^signed in to ${url} as root \\(the session ends `));
    const file = path.join(config, 'servers.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    const who = await axon(['whoami'], remote);
    assert.equal(who.stdout, 'root, superuser\n', who.stderr);
    const org = await axon(['org', 'create', 'lab'], remote);
    assert.equal(org.code, 0, org.stderr);
    const user = await axon(['user', 'create', 'ann', '--password-stdin'], remote, 'ann password 12\n');
    assert.equal(user.code, 0, user.stderr);
    const member = await axon(['org', 'member', 'add', 'lab', 'ann', '--role', 'viewer'], remote);
    assert.match(member.stdout, /ann\s+viewer/);
    const quota = await axon(['org', 'quota', 'set', 'lab', '--gpus', '2', '--memory', '64Gi'], remote);
    assert.match(quota.stdout, /GPUs 0 of 2, CPU 0 of no limit, memory 0\.0 GiB of 64\.0 GiB/);
    const badQuota = await axon(['org', 'quota', 'set', 'lab', '--gpus', 'lots'], remote);
    assert.equal(badQuota.code, 2);
    assert.match(badQuota.stderr, /--gpus takes a whole number, or none; got "lots"/);
    // Nothing is rounded: half a GPU is refused (not made 1, or 0), half a core is half a core.
    const halfGpu = await axon(['org', 'quota', 'set', 'lab', '--gpus', '0.5'], remote);
    assert.equal(halfGpu.code, 2);
    assert.match(halfGpu.stderr, /--gpus takes a whole number, or none; got "0\.5"/);
    const halfCpu = await axon(['org', 'quota', 'set', 'lab', '--cpu', '0.5', '--json'], remote);
    assert.equal(halfCpu.code, 0, halfCpu.stderr);
    assert.equal((JSON.parse(halfCpu.stdout) as { quota: { cpu: number } }).quota.cpu, 0.5);

    // An organization's project: its viewer ann sees it, and may not make one.
    const proj = await axon(
      ['project', 'create', '--name', 'shared', '--organization', 'lab', '--path', home],
      remote,
    );
    assert.equal(proj.code, 0, proj.stderr);
    const annEnv = { ...remote, AXON_CONFIG_DIR: tmpDir('axon-config-') };
    const annIn = await axon(['login', url, '-u', 'ann', '--password-stdin'], annEnv, 'ann password 12\n');
    assert.equal(annIn.code, 0, annIn.stderr);
    // Named in the organization's namespace; a bare "shared" is the one of that name ann can see.
    assert.match((await axon(['project', 'ls'], annEnv)).stdout, /^lab\/shared\t/m);
    assert.match((await axon(['project', 'get', 'shared'], annEnv)).stdout, /lab\/shared/);
    const annMakes = await axon(['project', 'create', '--name', 'x', '--organization', 'lab'], annEnv);
    assert.equal(annMakes.code, 1);
    assert.equal(annMakes.stderr, 'axon: a viewer of lab cannot create its projects\n');

    const token = await axon(['token', 'create', 'ci', '--json'], remote);
    const created = JSON.parse(token.stdout) as { token: string; id: number };
    assert.match(created.token, /^axp_/);
    const listed = await axon(['token', 'ls'], remote);
    assert.match(listed.stdout, /\bci\b/);
    assert(!listed.stdout.includes(created.token), 'a token is shown once, never listed');
    const users = await axon(['user', 'ls'], remote);
    assert.match(users.stdout, /^ann\b/m);

    // A run from "another machine" sends its code folder (the default when signed in to a server): the job
    // runs in the server's copy, which holds what the ignore rules let through.
    const laptop = tmpDir('axon-laptop-');
    const code = path.join(laptop, 'mnist');
    fs.mkdirSync(path.join(code, 'data'), { recursive: true });
    fs.writeFileSync(
      path.join(code, 'polyaxonfile.yml'),
      'version: 1\nkind: experiment\nrun:\n  cmd: cat msg.txt && pwd && ls\n',
    );
    fs.writeFileSync(path.join(code, 'msg.txt'), 'sent from the laptop\n');
    fs.writeFileSync(path.join(code, 'data', 'huge.bin'), 'not sent');
    fs.writeFileSync(path.join(code, '.axonignore'), 'data/\n');
    // A git repository on the laptop: its commit is the run's code version, though .git is not sent.
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        cwd: code,
        encoding: 'utf8',
      });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'first');
    const head = git('rev-parse', 'HEAD').trim();
    const sent = await axon(['run', '-f', path.join(code, 'polyaxonfile.yml')], remote);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /uploaded the code: 3 files, \d+ bytes \(\d+ bytes sent\)/);
    assert.match(sent.stderr, /created in project root\/mnist/);
    const lines = sent.stdout.split('\n');
    assert.equal(lines[0], 'sent from the laptop');
    assert.match(lines[1], new RegExp(`^${home}/uploads/\\d+/[0-9a-f]{64}$`));
    assert.deepEqual(lines.slice(2, 4), ['msg.txt', 'polyaxonfile.yml']);
    const version = await axon(['experiment', '-xp', '1', 'get'], remote);
    assert.match(version.stdout, new RegExp(`git commit\\s+${head}\\n`), version.stdout);
    assert.match(version.stdout, /git branch\s+main/);
    // A viewer's run is refused before its code is uploaded (it used to go up, then be refused).
    const annRun = await axon(['run', '-f', path.join(code, 'polyaxonfile.yml'), '-p', 'lab/shared'], annEnv);
    assert.equal(annRun.code, 1, annRun.stderr);
    assert.match(annRun.stderr, /you may only read this project; this needs write access to its project/);
    assert.doesNotMatch(annRun.stderr, /uploaded the code/);
    // A bare name is her own project (created), as runs.create takes it, not the home owner's of that name,
    // which she cannot see (runs.check, asked before the upload, read it as the owner's: "no project").
    // The home's owner (no sign-in: the engine's own token), not root.
    const owners = await axon(['project', 'create', '--name', 'ownersonly', '--path', home], {
      AXON_HOME: home,
      NODE_EXTRA_CA_CERTS: cert,
    });
    assert.equal(owners.code, 0, owners.stderr);
    const annOwn = await axon(
      ['run', '-f', path.join(code, 'polyaxonfile.yml'), '-p', 'ownersonly', '--detach'],
      annEnv,
    );
    assert.equal(annOwn.code, 0, annOwn.stderr);
    assert.match(annOwn.stderr, /created in project ann\/ownersonly/);

    const out = await axon(['logout'], remote);
    assert.equal(out.stdout, `signed out of ${url}\n`);
    assert(!fs.readFileSync(file, 'utf8').includes('axs_'), 'the session token is forgotten');
    const gone = await axon(['whoami'], { ...remote, AXON_SERVER: url });
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, new RegExp(`not signed in to ${url}: run \`axon login ${url}\``));
  },
);

test('an attached follower whose access is taken away, or whose session ends, says so and exits (no reconnect storm)', async () => {
  const home = tmpDir();
  const made = await axon(
    ['user', 'create', 'root', '--superuser', '--password-stdin'],
    { AXON_HOME: home },
    'root password 1\n',
  );
  assert.equal(made.code, 0, made.stderr);
  const server = await startServe(home, { args: ['--auth', '--allow-local-jobs'] });
  try {
    const url = server.url;
    const as = (who: string) => ({ AXON_HOME: tmpDir(), AXON_CONFIG_DIR: tmpDir(`axon-config-${who}-`) });
    const root = as('root');
    assert.equal(
      (await axon(['login', url, '-u', 'root', '--password-stdin'], root, 'root password 1\n')).code,
      0,
    );
    await axon(['user', 'create', 'ann', '--password-stdin'], root, 'ann password 12\n');
    await axon(['org', 'create', 'lab'], root);
    await axon(['org', 'member', 'add', 'lab', 'ann', '--role', 'member'], root);
    const code = tmpDir('axon-code-');
    fs.writeFileSync(
      path.join(code, 'polyaxonfile.yml'),
      'version: 1\nkind: experiment\nrun:\n  cmd: echo started; sleep 30\n',
    );
    assert.equal(
      (await axon(['project', 'create', '--name', 'long', '--organization', 'lab', '--path', code], root))
        .code,
      0,
    );
    const ann = as('ann');
    assert.equal(
      (await axon(['login', url, '-u', 'ann', '--password-stdin'], ann, 'ann password 12\n')).code,
      0,
    );
    const start = async (project: string) => {
      const r = await axon(
        ['run', '--detach', '--json', '-p', project, '-f', path.join(code, 'polyaxonfile.yml')],
        ann,
      );
      assert.equal(r.code, 0, r.stderr);
      return String((JSON.parse(r.stdout) as { experiment: { id: number } }).experiment.id);
    };
    const follow = { ...ann, AXON_ATTACH_POLL_MS: '500' };

    // Removed from the organization while following one of its runs: the follower says so and exits.
    const shared = await start('lab/long');
    const lost = axon(['experiment', '-xp', shared, 'logs', '-f'], follow);
    await sleep(1500);
    await axon(['org', 'member', 'remove', 'lab', 'ann'], root);
    const t0 = Date.now();
    const gone = await lost;
    assert.equal(gone.code, 1, gone.stderr);
    assert.match(gone.stderr, new RegExp(`no experiment with id ${shared}`));
    assert.ok(Date.now() - t0 < 10_000, 'not left waiting for the run to end');

    // Her session ended elsewhere (a logout from another terminal with the same login): one notice, then the
    // reason and how to sign in again.
    const own = await start('mine');
    const follower = axon(['experiment', '-xp', own, 'logs', '-f'], follow);
    await sleep(1500);
    const elsewhere = { ...ann, AXON_CONFIG_DIR: tmpDir('axon-config-copy-') };
    fs.copyFileSync(
      path.join(ann.AXON_CONFIG_DIR, 'servers.json'),
      path.join(elsewhere.AXON_CONFIG_DIR, 'servers.json'),
    );
    assert.equal((await axon(['logout'], elsewhere)).code, 0);
    const ended = await follower;
    assert.equal(ended.code, 1, ended.stderr);
    assert.match(
      ended.stderr,
      new RegExp(`not valid \\(expired, revoked or unknown\\); sign in again: axon login ${url}`),
    );
    assert.ok((ended.stderr.match(/reconnecting/g) ?? []).length <= 1, ended.stderr);
    await axon(['experiment', '-xp', own, 'stop'], root);
    await axon(['experiment', '-xp', shared, 'stop'], root);
  } finally {
    await server.stop();
  }
});

test('an attached run that waits for its quota says why; one bigger than the whole quota says what would let it run', async () => {
  const home = tmpDir();
  await axon(
    ['user', 'create', 'root', '--superuser', '--password-stdin'],
    { AXON_HOME: home },
    'root password 1\n',
  );
  const server = await startServe(home, { args: ['--auth', '--allow-local-jobs'] });
  try {
    const root = { AXON_HOME: tmpDir(), AXON_CONFIG_DIR: tmpDir('axon-config-root-') };
    await axon(['login', server.url, '-u', 'root', '--password-stdin'], root, 'root password 1\n');
    await axon(['org', 'create', 'lab'], root);
    await axon(['org', 'quota', 'set', 'lab', '--cpu', '2'], root);
    const code = tmpDir('axon-code-');
    const file = path.join(code, 'polyaxonfile.yml');
    fs.writeFileSync(
      file,
      'version: 1\nkind: experiment\nenvironment:\n  resources:\n    cpu: {requests: 4, limits: 4}\nrun:\n  cmd: echo never\n',
    );
    await axon(['project', 'create', '--name', 'big', '--organization', 'lab', '--path', code], root);
    // Attached: the line comes while the run waits (the command is then interrupted, the run left waiting).
    const p = spawn(process.execPath, [BIN, 'run', '-p', 'lab/big', '-f', file], {
      env: { ...process.env, ...root, AXON_NO_BACKGROUND: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 30_000;
    while (!/quota:/.test(stderr) && Date.now() < deadline && p.exitCode === null) await sleep(100);
    p.kill('SIGKILL');
    assert.match(
      stderr,
      /experiment \d+: created \(quota: this experiment needs 4 CPU cores, more than organization lab's whole quota of 2; it runs only once an admin raises it/,
    );
  } finally {
    await server.stop();
  }
});
