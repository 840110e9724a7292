// The `axon` command as a user runs it: a real child process, its output and its exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { BIN, cli, projectWith, ROOT, seedKeptRun, startServe, tmpDir, waitFor } from '../helpers';
import { OUTPUTS_KEPT } from '../../shared/statuses';

const BRANIN = path.join(ROOT, 'examples', 'branin');

test('--help lists the commands and documents the exit codes', async () => {
  const r = await cli(['--help'], { home: tmpDir() });
  assert.equal(r.code, 0);
  for (const c of ['check', 'run', 'ps', 'project', 'experiment', 'group', 'serve', 'init'])
    assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  assert.match(r.stdout, /Exit codes:/);
  assert.match(r.stdout, /2\s+usage error or an invalid polyaxonfile/);
});

test('axon check: exit 0 and a summary for a valid file, exit 2 and file:line:col errors for an invalid one', async () => {
  const home = tmpDir();
  const ok = await cli(['check', '-f', path.join(BRANIN, 'polyaxonfile.yml'), '--json'], { home });
  assert.equal(ok.code, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout);
  assert.equal(summary.ok, true);
  assert.equal(summary.kind, 'group');
  assert.equal(summary.summary.algorithm, 'grid');
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'bad.yml'),
    'version: 1\nkind: group\nhptuning:\n  matrix:\n    lr:\n      logspace: [0.1, 0.01, 5]\nrun:\n  cmd: echo\n',
  );
  const bad = await cli(['check', '-f', 'bad.yml'], { home, cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^bad\.yml:6:\d+ hptuning\.matrix\.lr\.logspace: expected .*found/m);
  const missing = await cli(['check', '-f', 'nope.yml'], { home, cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read nope\.yml: no such file/);
});

test('axon run (attached) streams the log, exits 0 on success, and the run is listed by ps and get', async () => {
  const home = tmpDir();
  const r = await cli(['run', '-f', path.join(BRANIN, 'experiment.yml'), '-P', 'steps=3'], { home });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /@@axon/, 'protocol lines are hidden from the tail');
  assert.match(r.stderr, /experiment 1 succeeded/);
  assert.match(r.stderr, /branin=0\.397887/);
  const ps = await cli(['ps', '--json'], { home });
  const list = JSON.parse(ps.stdout);
  assert.equal(list.length, 1);
  assert.equal(list[0].status, 'succeeded');
  assert.equal(list[0].params.steps, 3);
  const get = await cli(['experiment', '-xp', '1', 'get'], { home });
  assert.equal(get.code, 0);
  assert.match(get.stdout, /git commit|code hash/);
  assert.match(get.stdout, /metric\s+branin\s+0\.397887/);
  const statuses = await cli(['experiment', '-xp', '1', 'statuses', '--json'], { home });
  assert.deepEqual(
    JSON.parse(statuses.stdout).map((s: { status: string }) => s.status),
    ['created', 'scheduled', 'starting', 'running', 'succeeded'],
  );
  const metrics = await cli(['experiment', '-xp', '1', 'metrics', '--json', '-k', 'branin'], { home });
  assert.equal(JSON.parse(metrics.stdout).length, 3);
  const logs = await cli(['experiment', '-xp', '1', 'logs'], { home });
  assert.equal(logs.code, 0);
  assert.ok(logs.stdout.length > 0, 'logs.stdout.length > 0');
  assert.doesNotMatch(logs.stdout, /@@axon/);
  const raw = await cli(['experiment', '-xp', '1', 'logs', '--raw'], { home });
  assert.equal(raw.stdout.match(/^@@axon \{"metrics"/gm)?.length, 3);
  const follow = await cli(['experiment', '-xp', '1', 'logs', '-f'], { home });
  assert.equal(follow.code, 0, 'logs -f of a finished run returns at once with its outcome');
  assert.equal(follow.stdout, logs.stdout);
  // Its outputs came home as it ended: nothing is kept anywhere to fetch.
  const fetch = await cli(['experiment', '-xp', '1', 'fetch-outputs'], { home });
  assert.equal(fetch.code, 1);
  assert.match(fetch.stderr, /experiment 1 has no outputs kept anywhere/);
});

test("a distributed run attached: the master's log is printed, each replica's is one --replica away", async () => {
  const home = tmpDir();
  const { dir, file } = projectWith(
    'for i in 1 2 3; do echo "line $i of $AXON_REPLICA_ROLE-$AXON_REPLICA_INDEX"; done',
    'framework: pytorch\nenvironment:\n  replicas:\n    n_workers: 2\n',
  );
  const r = await cli(['run', '-f', file], { home, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    'line 1 of master-0\nline 2 of master-0\nline 3 of master-0\n',
    "only the master's lines, whole and in order",
  );
  assert.match(
    r.stderr,
    /axon experiment -xp 1 logs --replica worker-0, axon experiment -xp 1 logs --replica worker-1/,
  );
  const worker = await cli(['experiment', '-xp', '1', 'logs', '--replica', 'worker-1'], { home });
  assert.equal(worker.stdout, 'line 1 of worker-1\nline 2 of worker-1\nline 3 of worker-1\n');
  const followed = await cli(['experiment', '-xp', '1', 'logs', '-f', '--replica', 'worker-1'], { home });
  assert.equal(followed.stdout, worker.stdout, 'following a replica prints its log, not the master-0 one');
  assert.match(
    followed.stderr,
    /the log above is worker-1's; the other replicas' logs: .*--replica master-0/,
  );
  const get = await cli(['experiment', '-xp', '1', 'get'], { home });
  assert.match(get.stdout, /job worker-1\s+succeeded, exit 0/);
  const none = await cli(['experiment', '-xp', '1', 'logs', '--replica', 'worker-7'], { home });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /has no replica worker-7; its replicas: master-0, worker-0, worker-1/);
});

test('axon run of a failing command exits 1 and says why, once', async () => {
  // It runs long enough for its end to come as a live event, not only from the final read.
  const { dir, file } = projectWith('sleep 1; echo oops >&2; exit 7');
  const r = await cli(['run', '-f', file], { home: tmpDir(), cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /oops/);
  assert.deepEqual(
    r.stderr.split('\n').filter((l) => /failed/.test(l)),
    ['[axon] experiment 1 failed (exit code 7)'],
  );
});

test("an attached group of fast trials prints every experiment's end once, without a trailing space", async () => {
  const dir = tmpDir('axon-proj-');
  const file = path.join(dir, 'polyaxonfile.yml');
  fs.writeFileSync(
    file,
    'version: 1\nkind: group\nhptuning:\n  concurrency: 1\n  matrix:\n    a: {values: [1, 2, 3, 4, 5, 6]}\nrun:\n  cmd: echo {{ a }}\n',
  );
  const r = await cli(['run', '-f', file], { home: tmpDir(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stderr.split('\n').filter((l) => /^\[axon\] experiment \d/.test(l)),
    [1, 2, 3, 4, 5, 6].map((n) => `[axon] experiment ${n} succeeded`),
  );
});

test("a sweep's metric that no trial reports is said at its end, with the names they did report", async () => {
  const dir = tmpDir('axon-proj-');
  const file = path.join(dir, 'polyaxonfile.yml');
  fs.writeFileSync(path.join(dir, 'report.sh'), `echo '@@axon {"metrics": {"val/loss": '$1', "acc": 1}}'\n`);
  fs.writeFileSync(
    file,
    'version: 1\nkind: group\nhptuning:\n  metric: {name: val_loss, optimization: minimize}\n' +
      '  matrix:\n    a: {values: [1, 2]}\nrun:\n  cmd: bash report.sh {{ a }}\n',
  );
  const r = await cli(['run', '-f', file], { home: tmpDir(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^axon: warning: no experiment of group 1 reported val_loss, the metric its search ranks by; they reported acc, val\/loss$/m,
  );
});

test('axon run of the branin grid group prints the ranked results table', async () => {
  const home = tmpDir();
  const r = await cli(['run', '-f', path.join(BRANIN, 'polyaxonfile.yml'), '-P', 'steps=2'], {
    home,
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^Group 1 \(grid, 9 experiments\) done/);
  const header = lines[1].split('\t');
  assert.deepEqual(header.slice(0, 2), ['id', 'status']);
  for (const h of ['x1', 'x2', 'steps', 'branin']) assert.ok(header.includes(h), `column ${h}`);
  const rows = lines.slice(2, 11).map((l) => l.split('\t'));
  assert.equal(rows.length, 9);
  assert.ok(
    rows.every((row) => row[1] === 'succeeded'),
    "rows.every((row) => row[1] === 'succeeded')",
  );
  assert.match(lines.at(-1)!, /^Best: experiment \d+, branin=0\.39/);
});

test('the CLI uses a serving engine when there is one, and the engine writes its address only for the user', async () => {
  const home = tmpDir();
  const served = await startServe(home);
  try {
    const st = fs.statSync(path.join(home, 'engine.json'));
    assert.equal(st.mode & 0o077, 0, 'engine.json is readable by the user only');
    const info = await cli(['info', '--json'], { home });
    assert.equal(info.code, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).pid, served.proc.pid);
    const { dir, file } = projectWith('echo served');
    const r = await cli(['run', '-f', file], { home, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /served/);
  } finally {
    await served.stop();
  }
});

test('an attached run starts a background engine; another terminal goes through it; it exits once idle', async () => {
  const home = tmpDir();
  // The job runs until the test lets it end, however slowly the other terminal's commands start.
  const { dir, file } = projectWith('echo started; while [ ! -e release ]; do sleep 0.1; done');
  const first = cli(['run', '-f', file], { home, cwd: dir });
  const deadline = Date.now() + 20_000;
  let list: Array<{ status: string }> = [];
  while (Date.now() < deadline) {
    const ps = await cli(['ps', '--json'], { home });
    assert.equal(ps.code, 0, ps.stderr);
    list = JSON.parse(ps.stdout);
    if (list[0]?.status === 'running') break;
  }
  assert.equal(list[0]?.status, 'running');
  fs.writeFileSync(path.join(dir, 'release'), '');
  const r = await first;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /started a background engine \(pid \d+\)/);
  // Idle (no run, no client) for AXON_IDLE_EXIT_S (2 s in the tests), the engine exits and its address goes.
  await waitFor(
    async () => !fs.existsSync(path.join(home, 'engine.json')),
    30_000,
    'the idle engine to exit',
  );
  assert.match(
    fs.readFileSync(path.join(home, 'engine.log'), 'utf8'),
    /background engine \d+ exits \(idle\)/,
  );
});

test('project create, ls, get and delete', async () => {
  const home = tmpDir();
  assert.equal(
    (await cli(['project', 'create', '--name', 'mnist', '--description', 'digits'], { home })).code,
    0,
  );
  const dup = await cli(['project', 'create', '--name', 'mnist'], { home });
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
  const ls = JSON.parse((await cli(['project', 'ls', '--json'], { home })).stdout);
  assert.deepEqual(
    ls.map((p: { name: string }) => p.name),
    ['mnist'],
  );
  const missing = await cli(['project', 'get', 'nope'], { home });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no project named "nope"/);
  assert.equal((await cli(['project', 'delete', 'mnist'], { home })).code, 0);
  assert.deepEqual(JSON.parse((await cli(['project', 'ls', '--json'], { home })).stdout), []);
});

test('axon init links a folder to a project (created once), and runs from it go there', async () => {
  const home = tmpDir();
  const { dir, file } = projectWith('echo linked');
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'pretrained.ckpt'), 'w');
  const first = await cli(['init', 'digits'], { home, cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /is linked to project digits \(created\)/);
  // What the written .axonignore leaves out of images, that this folder has, is named.
  assert.match(
    first.stdout,
    /wrote \.axonignore: .*; here that is data\/, pretrained\.ckpt: a run in an image will not have them/,
  );
  const again = await cli(['init', 'digits'], { home, cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /is linked to project digits\n/);
  assert.doesNotMatch(again.stdout, /wrote \.axonignore/, 'an .axonignore there is kept, and not spoken of');
  assert.doesNotMatch(again.stdout, /commit \.axonproject/, 'not a git repository: nothing to commit');
  const repo = projectWith('echo linked');
  execFileSync('git', ['init', '-q'], { cwd: repo.dir });
  const inRepo = await cli(['init', 'vision'], { home, cwd: repo.dir });
  assert.match(inRepo.stdout, /commit \.axonproject and \.axonignore .*or runs record the folder as dirty/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, '.axonproject'), 'utf8')), { name: 'digits' });
  assert(fs.existsSync(path.join(dir, '.axonignore')));
  const r = await cli(['run', '-f', file], { home, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const [x] = JSON.parse((await cli(['ps', '--json'], { home })).stdout);
  assert.equal(x.projectName, 'digits');
  // OWNER/NAME of no user or organization: an error, and nothing is written.
  const other = projectWith('echo other');
  const bad = await cli(['init', 'nobody/x'], { home, cwd: other.dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no organization named "nobody"/);
  assert(!fs.existsSync(path.join(other.dir, '.axonproject')));
});

test('a corrupt database makes the CLI exit 3 with a clear message and leaves the file alone', async () => {
  const home = tmpDir();
  fs.writeFileSync(path.join(home, 'axon.db'), 'garbage'.repeat(10));
  const r = await cli(['ps'], { home });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /not an SQLite database/);
  assert.equal(fs.readFileSync(path.join(home, 'axon.db'), 'utf8'), 'garbage'.repeat(10));
});

test('options are validated with usage errors (2), missing groups and projects are errors (1), not empty tables', async () => {
  const home = tmpDir();
  const cases: Array<[string[], number, RegExp]> = [
    [['ps', '-s', 'bogus'], 2, /-s\/--status: no status "bogus"; one of created,/],
    [['ps', '-n', 'abc'], 2, /-n\/--limit takes a whole number ≥ 1, got "abc"/],
    [['ps', '-g', '9999'], 1, /no experiment group with id 9999/],
    [['ps', '-p', 'nope'], 1, /no project named "nope"/],
    [['serve', '--port', '99999'], 2, /--port must be a whole number from 0 to 65535/],
    // No subcommand: the help, on stderr, for a usage error (`-g stop` takes "stop" for the id).
    [['group', '-g', '3'], 2, /^Usage: axon group /],
    [['group', '-g', 'stop'], 2, /^Usage: axon group /],
    [['experiment', '-xp', '3'], 2, /^Usage: axon experiment /],
    [
      ['project', 'create', '--name', 'a'.repeat(5000)],
      2,
      /a project name is 1 to 64 ASCII letters.*\(5000 characters\)/,
    ],
  ];
  for (const [args, code, said] of cases) {
    const r = await cli(args, { home });
    assert.equal(r.code, code, `${args.join(' ').slice(0, 60)}: ${r.stderr}`);
    assert.match(r.stderr, said);
  }
  const { dir, file } = projectWith('echo hi');
  for (const [name, said] of [
    ['', /a project name is 1 to 64 ASCII letters/],
    ['x'.repeat(3000), /a project name is 1 to 64 ASCII letters/],
    ['../x', /a project is NAME or OWNER\/NAME \(OWNER .*\); found "\.\.\/x"/],
  ] as const) {
    const r = await cli(['run', '-f', file, '-p', name, '--detach'], { home, cwd: dir });
    assert.equal(r.code, 2, `-p ${JSON.stringify(name.slice(0, 20))}: ${r.stderr}`);
    assert.match(r.stderr, said);
  }
  // OWNER/NAME is a project in another's namespace: here no user or organization is called "a".
  const other = await cli(['run', '-f', file, '-p', 'a/b', '--detach'], { home, cwd: dir });
  assert.equal(other.code, 1, other.stderr);
  assert.match(other.stderr, /no project named "a\/b"/);
  assert.equal(JSON.parse((await cli(['ps', '--json'], { home })).stdout).length, 0, 'nothing was created');
});

test('a port in use: serve exits 3 and says so', async () => {
  const home = tmpDir();
  const served = await startServe(tmpDir());
  try {
    const port = new URL(served.url).port;
    const r = await cli(['serve', '--port', port], { home });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
  } finally {
    await served.stop();
  }
});

test('logs --json (whole, and -f as JSON lines); a reader that closes the pipe early ends the command quietly', async () => {
  const home = tmpDir();
  const { dir, file } = projectWith('for i in $(seq 1 20000); do echo "line $i"; done');
  assert.equal((await cli(['run', '-f', file], { home, cwd: dir })).code, 0);
  const whole = JSON.parse((await cli(['experiment', '-xp', '1', 'logs', '--json'], { home })).stdout);
  assert.equal(whole.replica, 'master-0');
  assert.equal(whole.lines.length, 20000);
  assert.equal(whole.lines[19999], 'line 20000');
  const follow = (await cli(['experiment', '-xp', '1', 'logs', '-f', '--json'], { home })).stdout;
  const objects = follow
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{"'))
    .map((l) => JSON.parse(l));
  assert.equal(objects.filter((x) => 'line' in x).length, 20000);
  assert.match(follow, /"status": "succeeded"/);
  // `axon experiment logs | head -1`: the reader leaves after one line.
  const p = spawn(process.execPath, [BIN, 'experiment', '-xp', '1', 'logs'], {
    env: { ...process.env, AXON_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  await new Promise((r) => p.stdout.once('data', r));
  p.stdout.destroy();
  const code = await new Promise((r) => p.once('close', r));
  assert.doesNotMatch(err, /EPIPE|at .*\.js:\d+/, 'no stack trace');
  assert.equal(code, 0);
});

test('axon check warns when a loss-like metric is maximized (the default direction), and still exits 0', async () => {
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'bo.yml'),
    'version: 1\nkind: group\nhptuning:\n  bo:\n    n_initial_trials: 2\n    n_iterations: 2\n    metric: {name: val_loss}\n  matrix:\n    lr:\n      uniform: [0, 1]\nrun:\n  cmd: echo\n',
  );
  const r = await cli(['check', '-f', 'bo.yml'], { home: tmpDir(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^axon: warning: the metric `val_loss` is maximized/m);
});

test('a multi-line run.cmd: check and run warn that its lines are joined into one, with where it was written', async () => {
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'p.yml'),
    'version: 1\nkind: experiment\nrun:\n  cmd: |\n    n=1\n    if [ "$n" = 1 ]; then\n      echo one\n    fi\n',
  );
  const home = tmpDir();
  const warning =
    /^axon: warning: p\.yml:4 run\.cmd has 4 lines: as in Polyaxon, they are joined with spaces/m;
  const check = await cli(['check', '-f', 'p.yml'], { home, cwd: dir });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, warning);
  const run = await cli(['run', '-f', 'p.yml'], { home, cwd: dir });
  assert.match(run.stderr, warning);
  // Lines continued with a backslash, or a folded block, are one command as written: no warning.
  fs.writeFileSync(
    path.join(dir, 'q.yml'),
    'version: 1\nkind: experiment\nrun:\n  cmd: |\n    echo a \\\n      b\n',
  );
  const fine = await cli(['check', '-f', 'q.yml'], { home, cwd: dir });
  assert.doesNotMatch(fine.stderr, /warning/);
});

test('axon check reports every problem at once, undefined template names and unknown -P names, and shows what would run', async () => {
  const dir = tmpDir();
  const home = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'bad.yml'),
    'version: 1\nkind: group\nhptuning:\n  concurrency: 0\n  matrix:\n    lr:\n      logspace: [0.1, 0.01, 5]\nrun:\n  cmd: train\n',
  );
  const bad = await cli(['check', '-f', 'bad.yml'], { home, cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.yml:4:\d+ hptuning\.concurrency/);
  assert.match(bad.stderr, /bad\.yml:7:\d+ hptuning\.matrix\.lr\.logspace/, 'the matrix error is not hidden');
  fs.writeFileSync(
    path.join(dir, 'sweep.yml'),
    [
      'version: 1',
      'kind: group',
      'declarations: {batch: 32}',
      'hptuning:',
      '  hyperband:',
      '    max_iter: 9',
      '    eta: 3',
      '    resource: {name: epochs, type: int}',
      '    metric: {name: loss, optimization: minimize}',
      '  matrix:',
      '    lr: {values: [0.1, 0.01]}',
      'run:',
      '  cmd: train --lr={{ lr }} --batch={{ batch }} --epochs={{ epochs }} --dropout={{ dropuot }}',
    ].join('\n') + '\n',
  );
  const undef = await cli(['check', '-f', 'sweep.yml'], { home, cwd: dir });
  assert.equal(undef.code, 2, undef.stderr);
  assert.match(
    undef.stderr,
    /sweep\.yml:13:\d+ run\.cmd: expected a defined name in \{\{ dropuot \}\}.*found "dropuot"/,
  );
  assert.doesNotMatch(undef.stderr, /"(lr|batch|epochs)"/, 'params, matrix and the resource are defined');
  fs.writeFileSync(
    path.join(dir, 'sweep.yml'),
    fs.readFileSync(path.join(dir, 'sweep.yml'), 'utf8').replace(' --dropout={{ dropuot }}', ''),
  );
  const typo = await cli(['check', '-f', 'sweep.yml', '-P', 'bacth=64'], { home, cwd: dir });
  assert.equal(typo.code, 2);
  assert.match(
    typo.stderr,
    /\(command line\) -P bacth: expected a param the file declares or uses \(batch, epochs, lr\)/,
  );
  const ok = await cli(['check', '-f', 'sweep.yml', '-P', 'lr=0.5', '--json'], { home, cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
  const s = JSON.parse(ok.stdout).summary;
  assert.equal(s.experiments, 22, 'hyperband(9, 3): brackets of 9+3+1, 5+1 and 3 experiments');
  assert.equal(s.command, 'train --lr=0.5 --batch=32 --epochs=1');
  assert.match(s.warnings.join('\n'), /-P lr=0\.5 fixes the matrix param lr/);
});

test('experiment stop: a running run is sent SIGTERM and waited for; one still waiting for its turn is stopped at once', async () => {
  const home = tmpDir();
  const served = await startServe(home);
  try {
    const dir = tmpDir('axon-proj-');
    fs.writeFileSync(
      path.join(dir, 'group.yml'),
      'version: 1\nkind: group\nhptuning:\n  concurrency: 1\n  matrix:\n    x: {values: [1, 2]}\n' +
        'run:\n  cmd: echo started; sleep 60\n',
    );
    const r = await cli(['run', '-f', 'group.yml', '--detach'], { home, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const status = async (id: number) =>
      JSON.parse((await cli(['experiment', '-xp', String(id), 'get', '--json'], { home })).stdout).status;
    await waitFor(async () => (await status(1)) === 'running', 20_000, 'the first trial to run');
    assert.equal(await status(2), 'created');
    // Under the table: why trial 2 waits (it has no reason of its own).
    const ps = await cli(['ps'], { home });
    assert.match(ps.stdout, /^experiment 2 created: waiting for a slot: its group's concurrency is in use$/m);

    const waiting = await cli(['experiment', '-xp', '2', 'stop'], { home });
    assert.equal(waiting.code, 0, waiting.stderr);
    assert.doesNotMatch(
      waiting.stderr,
      /SIGTERM|waiting/,
      'nothing was running: nothing to signal or wait for',
    );
    assert.match(waiting.stdout, /^experiment 2: stopped/);
    const running = await cli(['experiment', '-xp', '1', 'stop'], { home });
    assert.equal(running.code, 0, running.stderr);
    assert.match(running.stderr, /stopping experiment 1: SIGTERM sent, SIGKILL after the grace period/);
    assert.match(running.stdout, /^experiment 1: stopped/);
  } finally {
    await served.stop();
  }
});

test('a run whose outputs were kept in its pod: get says how to fetch them; fetch-outputs says why it cannot, exit 1', async () => {
  const home = tmpDir();
  const reason = `${OUTPUTS_KEPT} axon-h-1-master-0: copying the outputs failed: connect ECONNREFUSED`;
  const id = await seedKeptRun(home, 'axon-cli-removed-context', reason);
  const get = await cli(['experiment', '-xp', String(id), 'get'], { home });
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /kept outputs\s+still in the run's pod; .*axon experiment -xp 1 fetch-outputs/);
  const fetch = await cli(['experiment', '-xp', String(id), 'fetch-outputs'], { home });
  assert.equal(fetch.code, 1, 'a refusal, not an engine that cannot be reached (3)');
  assert.match(
    fetch.stderr,
    /the outputs of experiment 1 are still not copied: master-0: no kube context "axon-cli-removed-context"/,
  );
});

test('group get of a running BO sweep counts toward its planned total, not the experiments created so far', async () => {
  const home = tmpDir();
  const served = await startServe(home);
  try {
    const dir = tmpDir('axon-proj-');
    fs.writeFileSync(
      path.join(dir, 'bo.yml'),
      [
        'version: 1',
        'kind: group',
        'hptuning:',
        '  concurrency: 1',
        '  bo: {n_initial_trials: 2, n_iterations: 2, metric: {name: loss, optimization: minimize}}',
        '  matrix:',
        '    x: {uniform: 0:1}',
        'run:',
        `  cmd: 'echo "@@axon {\\"metrics\\":{\\"loss\\":{{ x }}}}"; sleep 30'`,
      ].join('\n'),
    );
    const r = await cli(['run', '-f', 'bo.yml', '--detach'], { home, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /bo search, 4 experiments planned/);
    await waitFor(
      async () => /1 running/.test((await cli(['group', '-g', '1', 'get'], { home })).stdout),
      20_000,
      'the first trial to run',
    );
    const get = await cli(['group', '-g', '1', 'get'], { home });
    assert.match(get.stdout, /^progress: 0\/4 done/m);
    assert.match(get.stdout, /Group 1 \(bo, 1 of 4 experiments so far\) running/);
    await cli(['group', '-g', '1', 'stop'], { home });
  } finally {
    await served.stop();
  }
});

test('axon check warns, with the line, about what `axon run --backend kubernetes` refuses (requests above limits)', async () => {
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'q.yml'),
    'version: 1\nkind: experiment\nenvironment:\n  resources:\n    cpu: {requests: 2, limits: 1}\nrun:\n  cmd: echo\n',
  );
  const home = tmpDir();
  const r = await cli(['check', '-f', 'q.yml'], { home, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^axon: warning: q\.yml:5:\d+ environment\.resources\.cpu: expected requests ≤ limits, found requests 2 above limits 1 \(`axon run --backend kubernetes` refuses this\)/m,
  );
  // And run refuses it with the same words, before it reaches any cluster (this one answers nothing).
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\n' +
      'users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n' +
      'current-context: c\n',
  );
  const run = await cli(['run', '-f', 'q.yml', '--backend', 'kubernetes'], {
    home,
    cwd: dir,
    env: { KUBECONFIG: kubeconfig },
  });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /q\.yml:5:\d+ environment\.resources\.cpu: expected requests ≤ limits/);
});

test('experiment resources names each row by its replica, as logs --replica does', async () => {
  const home = tmpDir();
  // Sampled every 10 s while nobody watches: a 12 s run has at least one sample.
  const { dir, file } = projectWith('sleep 12');
  const r = await cli(['run', '-f', file], { home, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const res = await cli(['experiment', '-xp', '1', 'resources'], { home });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^time\treplica\tcpu %\tmemory\tmemory limit\t/);
  assert.match(res.stdout, /\tmaster-0\t/);
});

test('axon run warns at the end when @@axon lines were not valid records (a NaN metric), and says where they are', async () => {
  const home = tmpDir();
  const { dir, file } = projectWith(
    'echo "@@axon {\\"metrics\\":{\\"loss\\":NaN}}"; echo "@@axon {\\"metrics\\":{\\"loss\\":0.5}}"',
  );
  const r = await cli(['run', '-f', file], { home, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /\[axon\] warning: 1 @@axon line was not a valid record and was ignored \(kept in the log: axon experiment -xp 1 logs --raw/,
  );
  assert.match(r.stderr, /experiment 1 succeeded; loss=0\.5/);
});

test('serve while an engine serves the home already: exits 3 and gives that engine’s dashboard address', async () => {
  const home = tmpDir();
  const served = await startServe(home);
  try {
    const again = await cli(['serve'], { home });
    assert.equal(again.code, 3);
    assert.match(
      again.stderr,
      new RegExp(
        `serves this home already; open the dashboard: ${served.url.replace(/[.]/g, '\\.')}/\\?token=${served.token}`,
      ),
    );
    assert.doesNotMatch(again.stderr, /background engine/, 'a foreground axon serve stays up');
  } finally {
    await served.stop();
  }
  // A background engine's dashboard goes when it exits on idle: said, with how to keep one up.
  const bg = await startServe(home, { args: ['--background'] });
  try {
    const third = await cli(['serve'], { home });
    assert.equal(third.code, 3);
    assert.match(third.stderr, /it is a background engine, which exits once nothing runs and nobody watches/);
  } finally {
    await bg.stop();
  }
});

test('a run given --name shows it in ps and experiment get', async () => {
  const home = tmpDir();
  const { dir, file } = projectWith('echo hi');
  const r = await cli(['run', '-f', file, '--name', 'baseline-lr3'], { home, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match((await cli(['ps'], { home })).stdout, /^1\tbaseline-lr3\t/m);
  assert.match((await cli(['experiment', '-xp', '1', 'get'], { home })).stdout, /^name\tbaseline-lr3$/m);
});

test('Ctrl-C on an attached run exits 130, says the run goes on and how to stop it; the run is still running', async () => {
  const home = tmpDir();
  const served = await startServe(home);
  try {
    const { dir, file } = projectWith('echo started; sleep 30');
    const p = spawn(process.execPath, [BIN, 'run', '-f', file], {
      cwd: dir,
      env: { ...process.env, AXON_HOME: home, AXON_QUIET: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (err += d));
    await waitFor(async () => out.includes('started'), 20_000, 'the run to start');
    p.kill('SIGINT');
    const code = await new Promise((r) => p.once('close', r));
    assert.equal(code, 130);
    assert.match(err, /interrupted; the runs go on, a sweep included .*axon experiment -xp ID stop/);
    const x = JSON.parse((await cli(['experiment', '-xp', '1', 'get', '--json'], { home })).stdout);
    assert.equal(x.status, 'running');
    await cli(['experiment', '-xp', '1', 'stop'], { home });
  } finally {
    await served.stop();
  }
});

test("Polyaxon's muscle memory: experiment jobs, stop -y, logs --past, update --name --tags", async () => {
  const home = tmpDir();
  const { dir, file } = projectWith('echo trained');
  assert.equal((await cli(['run', '-f', file], { home, cwd: dir })).code, 0);
  const jobs = await cli(['experiment', '-xp', '1', 'jobs'], { home });
  assert.equal(jobs.code, 0, jobs.stderr);
  assert.match(
    jobs.stdout,
    /^job\treplica\tstatus\twhere\texit code\tstarted\tfinished\n\d+\tmaster-0\tsucceeded\tpid \d+\t0\t/,
  );
  const stop = await cli(['experiment', '-xp', '1', 'stop', '-y'], { home });
  assert.equal(stop.code, 0, stop.stderr);
  const past = await cli(['experiment', '-xp', '1', 'logs', '--past'], { home });
  assert.equal(past.stdout, 'trained\n');
  const update = await cli(['experiment', '-xp', '1', 'update', '--name', 'baseline', '--tags', 'a, b,a'], {
    home,
  });
  assert.equal(update.stdout, 'experiment 1: name "baseline", tags a, b\n', update.stderr);
  const got = JSON.parse((await cli(['experiment', '-xp', '1', 'get', '--json'], { home })).stdout) as {
    name: string;
    tags: string[];
  };
  assert.deepEqual([got.name, got.tags], ['baseline', ['a', 'b']]);
  const cleared = await cli(['experiment', '-xp', '1', 'update', '--tags', ''], { home });
  assert.match(cleared.stdout, /tags \(none\)/);
  assert.equal((await cli(['experiment', '-xp', '1', 'update'], { home })).code, 2);
});

for (const how of ['axon serve', 'the background engine axon run starts'])
  test(`without --auth too (${how}), a job's own AXON_TOKEN tracks and reads its run, and nothing else`, async () => {
    const home = tmpDir();
    const served = how === 'axon serve' ? await startServe(home) : null;
    try {
      const dir = tmpDir('axon-proj-');
      // The job calls the API itself, as an SDK in it would: its token, its run id, the engine's URL.
      fs.writeFileSync(
        path.join(dir, 'job.py'),
        [
          'import json, os, urllib.request, urllib.error',
          'def call(method, body):',
          '    req = urllib.request.Request(os.environ["AXON_API_URL"] + "/api/" + method, json.dumps(body).encode(),',
          '        {"Authorization": "Bearer " + os.environ["AXON_TOKEN"], "Content-Type": "application/json"})',
          '    try:',
          '        with urllib.request.urlopen(req) as r: return r.status',
          '    except urllib.error.HTTPError as e: return e.code',
          'me = int(os.environ["AXON_RUN_ID"])',
          'print("track", call("experiments.track", {"id": me, "metrics": {"api_loss": 0.5}, "step": 0}))',
          'print("get", call("experiments.get", {"id": me}))',
          'print("list", call("experiments.list", {}))',
        ].join('\n'),
      );
      fs.writeFileSync(
        path.join(dir, 'polyaxonfile.yml'),
        'version: 1\nkind: experiment\nrun:\n  cmd: python3 job.py\n',
      );
      const r = await cli(['run', '-f', 'polyaxonfile.yml'], { home, cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      if (!served) assert.match(r.stderr, /started a background engine/);
      assert.match(r.stdout, /track 200\nget 200\nlist 403/);
      const x = JSON.parse((await cli(['experiment', '-xp', '1', 'get', '--json'], { home })).stdout);
      assert.equal(x.lastMetrics.api_loss, 0.5);
    } finally {
      await served?.stop();
    }
  });
