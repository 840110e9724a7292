// Electronegativity (Doyensec's Electron security scanner, a pinned devDependency) over the Electron shell's
// sources, main/electron (issue #14 §5). Every finding must be waived in docs/SECURITY.md with its reason, and
// every waiver must still match a finding (a stale one is an error too), so the table stays the truth. The
// facts the waivers rest on (webPreferences, the CSP, what may be opened outside) are checked here as well.
// Under CI=true a missing scanner fails; elsewhere it skips with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers';
import {
  CSP,
  navigationDecision,
  webPreferences,
  windowOpenDecision,
  APP_ORIGIN,
} from '../../main/electron/security';

const PKG = path.join(ROOT, 'node_modules', '@doyensec', 'electronegativity');
const CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');
/** Asks GitHub for Electron's release list, so its answer depends on the network and the day: left out (the
 *  Electron version is pinned in package.json and moves by a reviewed change). */
const EXCLUDED = ['AvailableSecurityFixesGlobalCheck'];
const MARK = 'axon-electronegativity: ';

/** The scanner through its runner, not its CLI: the CLI needs the commander of 2020, which the package does not
 *  declare (it found one by hoisting), while this project has a current one. Its results come back as JSON. */
const SCAN = `
const load = (m) => { const x = require(m); return x.default ?? x; };
const i18n = load('@doyensec/electronegativity/dist/locales/i18n.js');
const run = load('@doyensec/electronegativity/dist/runner.js');
(async () => {
  await i18n();
  const [input, version] = process.argv.slice(1);
  const r = await run({ input, isRelative: true, customScan: [], excludeFromScan: ${JSON.stringify(EXCLUDED)},
    electronVersionOverride: version, parserPlugins: [] }, false);
  const issues = r.issues.map((i) => ({ id: i.id, file: i.file,
    location: i.location.line + ':' + i.location.column, sample: i.sample || '' }));
  console.log(${JSON.stringify(MARK)} + JSON.stringify({ errors: r.errors, issues }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface Finding {
  id: string;
  file: string;
  location: string;
  sample: string;
}
interface Waiver {
  id: string;
  file: string;
  sample: string;
  reason: string;
}

/** The waiver table of docs/SECURITY.md: | CHECK_ID | file | `sample` or — | reason |. */
function waivers(): Waiver[] {
  const md = fs.readFileSync(path.join(ROOT, 'docs', 'SECURITY.md'), 'utf8');
  const out: Waiver[] = [];
  for (const line of md.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 6 || !/^[A-Z_]+_CHECK$/.test(cells[1])) continue;
    out.push({
      id: cells[1],
      file: cells[2].replace(/`/g, ''),
      sample: /^`(.*)`$/.exec(cells[3])?.[1] ?? '',
      reason: cells[4],
    });
  }
  return out;
}

function electronVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return pkg.devDependencies.electron.replace(/^[^\d]*/, '');
}

test(
  'Electronegativity finds nothing in main/electron that docs/SECURITY.md does not waive with a reason',
  { skip: !fs.existsSync(PKG) && !CI && 'the scanner is not installed (npm ci installs it)' },
  () => {
    assert.ok(fs.existsSync(PKG), `${PKG} is missing: npm ci installs @doyensec/electronegativity`);
    const r = spawnSync(
      process.execPath,
      ['-e', SCAN, path.join(ROOT, 'main', 'electron'), electronVersion()],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith(MARK));
    assert.ok(line, `the scanner gave no report (exit ${r.status}): ${r.stderr}${r.stdout}`);
    const report = JSON.parse(line.slice(MARK.length)) as { errors: unknown[]; issues: Finding[] };
    assert.deepEqual(report.errors, [], 'every file of main/electron was parsed and scanned');
    const findings = report.issues;
    const table = waivers();
    assert.ok(table.length > 0, 'docs/SECURITY.md has its waiver table');
    for (const w of table)
      assert.ok(w.reason.length > 20, `the waiver of ${w.id} in ${w.file} gives a reason`);
    const matches = (w: Waiver, f: Finding) =>
      w.id === f.id && w.file === f.file && (w.sample === '' || f.sample.includes(w.sample));
    const unexplained = findings.filter((f) => !table.some((w) => matches(w, f)));
    assert.deepEqual(
      unexplained.map((f) => `${f.id} ${f.file}:${f.location} ${f.sample}`),
      [],
      'findings that docs/SECURITY.md does not waive: fix them, or add a row with the reason',
    );
    const stale = table.filter((w) => !findings.some((f) => matches(w, f)));
    assert.deepEqual(
      stale.map((w) => `${w.id} ${w.file} ${w.sample}`),
      [],
      'waivers in docs/SECURITY.md that match no finding any more: remove them',
    );
  },
);

test('what the waivers rest on: isolated sandboxed windows, a strict CSP, only https opened outside', () => {
  const prefs = webPreferences('/preload.js');
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.webviewTag, false);
  assert.match(CSP, /script-src 'self'(;|$)/);
  assert.match(CSP, /object-src 'none'/);
  assert.match(CSP, /frame-ancestors 'none'/);
  assert.doesNotMatch(CSP, /unsafe-eval/);
  for (const url of [
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://host/share',
    'app://other/x',
    'http://plain.example',
    'https://user:pw@host.example',
  ])
    assert.equal(windowOpenDecision(url, APP_ORIGIN).openExternal ?? null, null, url);
  assert.equal(
    windowOpenDecision('https://polyaxon.com/docs', APP_ORIGIN).openExternal,
    'https://polyaxon.com/docs',
  );
  for (const url of ['file:///etc/passwd', 'javascript:alert(1)'])
    assert.notEqual(navigationDecision(url, APP_ORIGIN), 'open-external', url);
});
