#!/usr/bin/env node
// `npm test`: the Node tests (test/*/*.test.ts), then the Python tests (test/python) whatever the Node tests
// gave, then a summary of both: counts, the failed tests, and why tests were skipped. Exits non-zero when either
// runner failed (or could not run).
//
//   node test/run-all.mjs                      every Node test file, then the Python tests
//   node test/run-all.mjs test/unit/x.test.ts  these Node test files, then the Python tests
//
// Without python3 the Python tests are skipped with that reason, except under CI (CI=true), where it fails.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** test/*\/*.test.ts, sorted (what the shell's glob gave before). */
function nodeTestFiles() {
  const out = [];
  for (const d of fs.readdirSync(path.join(root, 'test'), { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(root, 'test', d.name)))
      if (f.endsWith('.test.ts')) out.push(`test/${d.name}/${f}`);
  }
  return out.sort();
}

/** Runs a command with stdout/stderr passed through; `capture` also keeps what the named stream printed. */
function run(cmd, args, capture) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let text = '';
    let child;
    try {
      child = spawn(cmd, args, {
        cwd: root,
        stdio: [
          'ignore',
          capture === 'stdout' ? 'pipe' : 'inherit',
          capture === 'stderr' ? 'pipe' : 'inherit',
        ],
      });
    } catch (error) {
      resolve({ code: null, error, text, seconds: 0 });
      return;
    }
    const stream = capture ? child[capture] : null;
    stream?.on('data', (chunk) => {
      text += chunk;
      (capture === 'stdout' ? process.stdout : process.stderr).write(chunk);
    });
    child.on('error', (error) => resolve({ code: null, error, text, seconds: (Date.now() - t0) / 1000 }));
    child.on('close', (code, signal) =>
      resolve({ code: code ?? 128, signal, text, seconds: (Date.now() - t0) / 1000 }),
    );
  });
}

/** Counts, failures and skip reasons from the Node runner's TAP. */
function parseTap(tap) {
  const num = (k) => {
    const m = new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap);
    return m ? Number(m[1]) : null;
  };
  const failed = new Set();
  const skipped = [];
  for (const line of tap.split('\n')) {
    let m = /^\s*not ok \d+ - (.*?)(?: # (?:TODO|SKIP).*)?$/.exec(line);
    if (m) failed.add(m[1]);
    m = /^\s*ok \d+ - (.*?) # SKIP ?(.*)$/.exec(line);
    if (m) skipped.push({ name: m[1], reason: m[2] || '(no reason given)' });
  }
  return {
    tests: num('tests'),
    pass: num('pass'),
    fail: num('fail'),
    cancelled: num('cancelled'),
    skipped: num('skipped'),
    todo: num('todo'),
    failedNames: [...failed],
    skips: skipped,
  };
}

/** Counts and skip reasons from `python3 -m unittest -v` (its stderr). */
function parseUnittest(text) {
  const ran = /^Ran (\d+) tests? in ([\d.]+)s$/m.exec(text);
  const verdict = /^(OK|FAILED)(?: \(([^)]*)\))?$/m.exec(text);
  const field = (k) => {
    const m = verdict?.[2] && new RegExp(`\\b${k}=(\\d+)`).exec(verdict[2]);
    return m ? Number(m[1]) : 0;
  };
  const skips = [];
  const failedNames = [];
  for (const line of text.split('\n')) {
    let m = /^(\S+ \([^)]*\)).*\.\.\. skipped '?(.*?)'?$/.exec(line);
    if (m) skips.push({ name: m[1], reason: m[2] });
    m = /^(?:FAIL|ERROR): (.*)$/.exec(line);
    if (m) failedNames.push(m[1]);
  }
  return {
    tests: ran ? Number(ran[1]) : null,
    ok: verdict?.[1] === 'OK',
    failures: field('failures') + field('errors') + field('unexpected successes'),
    skipped: field('skipped'),
    expectedFailures: field('expected failures'),
    failedNames,
    skips,
  };
}

function printSkips(skips) {
  const byReason = new Map();
  for (const s of skips) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.name]);
  for (const [reason, names] of byReason) {
    console.log(`    ${names.length} skipped: ${reason}`);
    if (names.length <= 3) for (const n of names) console.log(`      - ${n}`);
  }
}

// ---- Node ----
const files = process.argv.slice(2).length ? process.argv.slice(2) : nodeTestFiles();
const tapFile = path.join(os.tmpdir(), `axon-node-tests-${process.pid}.tap`);
console.log(`== node tests (${files.length} files) ==`);
const nodeRun = await run(process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tapFile}`,
  ...files,
]);
let tap = '';
try {
  tap = fs.readFileSync(tapFile, 'utf8');
  fs.rmSync(tapFile, { force: true });
} catch {
  /* the runner died before writing it: reported below */
}
const node = parseTap(tap);
const nodeOk = nodeRun.code === 0 && node.tests !== null && node.fail === 0 && node.cancelled === 0;

// ---- Python ----
console.log('\n== python tests (test/python) ==');
const pyRun = await run('python3', ['-m', 'unittest', 'discover', '-s', 'test/python', '-v'], 'stderr');
const pyMissing = pyRun.error?.code === 'ENOENT';
const py = parseUnittest(pyRun.text);
const pyOk = pyMissing ? !CI : pyRun.code === 0 && py.ok && py.tests !== null;

// ---- Summary ----
console.log('\n== summary ==');
if (node.tests === null) {
  console.log(
    `node:   the test runner ended (exit ${nodeRun.code}${nodeRun.signal ? `, ${nodeRun.signal}` : ''}) without a summary`,
  );
} else {
  const extra = [
    node.cancelled ? `${node.cancelled} cancelled` : '',
    node.todo ? `${node.todo} todo` : '',
  ].filter(Boolean);
  console.log(
    `node:   ${node.tests} tests: ${node.pass} passed, ${node.fail} failed, ${node.skipped} skipped` +
      `${extra.length ? `, ${extra.join(', ')}` : ''} (${nodeRun.seconds.toFixed(0)} s)`,
  );
  for (const n of node.failedNames) console.log(`    failed: ${n}`);
  printSkips(node.skips);
}
if (pyMissing) {
  console.log(`python: not run: python3 is not on PATH${CI ? ' (a failure under CI)' : ' (skipped)'}`);
} else if (py.tests === null) {
  console.log(`python: the test runner ended (exit ${pyRun.code}) without a summary`);
} else {
  const passed = py.tests - py.failures - py.skipped - py.expectedFailures;
  console.log(
    `python: ${py.tests} tests: ${passed} passed, ${py.failures} failed, ${py.skipped} skipped` +
      `${py.expectedFailures ? `, ${py.expectedFailures} expected failures` : ''} (${pyRun.seconds.toFixed(0)} s)`,
  );
  for (const n of py.failedNames) console.log(`    failed: ${n}`);
  printSkips(py.skips);
}
const failedRunners = [!nodeOk && 'node', !pyOk && 'python'].filter(Boolean);
const passedRunners = [nodeOk && 'node', pyOk && !pyMissing && 'python'].filter(Boolean);
console.log(
  [
    failedRunners.length ? `FAILED: ${failedRunners.join(' and ')}` : '',
    passedRunners.length ? `passed: ${passedRunners.join(' and ')}` : '',
    pyMissing && !CI ? 'not run: python (python3 missing)' : '',
  ]
    .filter(Boolean)
    .join('; '),
);
process.exitCode = failedRunners.length ? 1 : 0;
