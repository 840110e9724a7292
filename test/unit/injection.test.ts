// Nothing Axon composes can be injected into (issue #14 §4): the generated Dockerfile, image repositories and
// tags, pod and service names, labels. Each is fed hostile values (quotes, `$(...)`, newlines, `;`, backslashes,
// unicode, very long) and must either keep them as data, exactly, or refuse them with a message naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDockerfile, runInstruction } from '../../main/engine/builder/dockerfile';
import { defaultRepo } from '../../main/engine/builder/build';
import {
  dnsLabel,
  jobLabels,
  labelValue,
  podName,
  serviceName,
} from '../../main/engine/backends/kubernetes/pod-spec';
import type { LaunchSpec } from '../../main/engine/backends/backend';
import type { BuildSpec } from '../../shared/polyaxonfile/types';

export const HOSTILE = [
  `it's "quoted"`,
  '$(touch /tmp/axon-pwned)',
  '`touch /tmp/axon-pwned`',
  'a; rm -rf ~',
  'a && echo injected',
  'line one\nRUN echo injected',
  'trailing backslash \\',
  '${HOME} and $HOME and \\$HOME',
  'tab\there',
  'é 🧪 ünïcödé',
  '\u2028line separator',
  '--flag=value',
  '[ "exec", "form" ]',
  '# not a comment',
  'x'.repeat(10_000),
];

/** Docker's reading of a Dockerfile: lines ending in the escape character `\` continue onto the next (empty
 *  and comment lines inside a continuation are skipped), `#` lines are comments. Returns the instructions. */
function dockerInstructions(text: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  for (const line of text.split('\n')) {
    if (cur !== null && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (cur === null && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    const piece = line;
    if (piece.endsWith('\\')) {
      cur = (cur ?? '') + piece.slice(0, -1);
      continue;
    }
    out.push((cur ?? '') + piece);
    cur = null;
  }
  if (cur !== null) out.push(cur);
  return out;
}

/** ENV k="v" pairs, unescaped as the Dockerfile parser does inside double quotes (\" \\ \$). */
function envPairs(instr: string): Array<[string, string]> {
  const re = /([A-Za-z_][A-Za-z0-9_.-]*)="((?:[^"\\]|\\.)*)"/g;
  const out: Array<[string, string]> = [];
  for (const m of instr.slice(4).matchAll(re)) out.push([m[1], m[2].replace(/\\(.)/g, '$1')]);
  return out;
}

const spec = (b: Partial<BuildSpec>): BuildSpec => ({ buildSteps: [], envVars: [], nocache: false, ...b });
const none = { exists: () => false };

test('build steps reach the shell exactly as written, and never swallow or add an instruction', () => {
  const steps = HOSTILE.filter((s) => s.trim()).map((s) => `echo ${s}`);
  steps.push('echo "a" \\', 'echo one \\\n  two', '[ -f x ] || echo no');
  const df = generateDockerfile(spec({ image: 'python:3.11', buildSteps: steps }), none);
  const instrs = dockerInstructions(df);
  const runs = instrs.filter((i) => i.startsWith('RUN '));
  assert.equal(runs.length, steps.length, 'one RUN per step: none joined with the next');
  assert.equal(instrs[instrs.length - 1], 'COPY . /code', 'the code is still copied last');
  runs.forEach((r, i) => {
    const body = r.slice(4);
    const script = body.startsWith('[') ? (JSON.parse(body) as string[])[2] : body;
    assert.equal(script, steps[i].replace(/\r\n?/g, '\n').trim(), `step ${i}`);
  });
});

test('env_vars values are kept literally in ENV; names and newlines are refused with the name', () => {
  const values = HOSTILE.filter((v) => !/[\n\r\u2028]/.test(v));
  const envVars = values.map((v, i): [string, string] => [`V${i}`, v]);
  const df = generateDockerfile(
    spec({ image: 'python:3.11', envVars, langEnv: 'en_US.UTF-8"; RUN x' }),
    none,
  );
  const instrs = dockerInstructions(df);
  const env = instrs.filter((i) => i.startsWith('ENV ')).flatMap(envPairs);
  for (const [k, v] of envVars) assert.equal(new Map(env).get(k), v, k);
  assert.equal(new Map(env).get('LANG'), 'en_US.UTF-8"; RUN x');
  assert.equal(instrs.filter((i) => i.startsWith('RUN ')).length, 0, 'no RUN came from a value');

  assert.throws(
    () => generateDockerfile(spec({ image: 'python:3', envVars: [['X', 'a\nRUN evil']] }), none),
    /env_vars: X: a newline \(or NUL\) cannot be written/,
  );
  for (const key of ['A B', 'A=B', '$(x)', 'A;B', '1A', ''])
    assert.throws(
      () => generateDockerfile(spec({ image: 'python:3', envVars: [[key, 'v']] }), none),
      /env_vars: .* is not a valid environment variable name/,
      JSON.stringify(key),
    );
});

test('an image that is not a reference is refused; real references pass', () => {
  for (const image of ['python:3.11-slim', 'registry:5000/team/img:1.0', 'img@sha256:' + 'a'.repeat(64)])
    assert.match(generateDockerfile(spec({ image }), none), new RegExp(`^FROM ${image}\n`));
  for (const image of ['img\\', 'img"x', '$(id)', 'img;x', 'img\nRUN x', '-x', 'é', 'a'.repeat(600)])
    assert.throws(() => generateDockerfile(spec({ image }), none), /build\.image: /, JSON.stringify(image));
  assert.equal(runInstruction('echo hi'), 'RUN echo hi', 'an ordinary step stays readable');
});

const DNS1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const REPO = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

test('image repositories, pod and service names and labels are valid whatever the project name', () => {
  const launch = (over: Partial<LaunchSpec>) =>
    ({ experimentId: 12, jobId: 34, groupId: null, role: 'master', index: 0, ...over }) as LaunchSpec;
  for (const name of [...HOSTILE, '', '...', '---', '__', 'UPPER.case_name-1']) {
    const repo = defaultRepo(name);
    assert.match(repo, REPO, `repo of ${JSON.stringify(name.slice(0, 40))}: ${repo}`);
    assert.ok(repo.length <= 255);
    assert.match(dnsLabel(name), DNS1123, `dnsLabel of ${JSON.stringify(name.slice(0, 40))}`);
    assert.match(labelValue(name), LABEL_VALUE, `labelValue of ${JSON.stringify(name.slice(0, 40))}`);
    for (const v of Object.values(jobLabels('abc123', name, launch({}))))
      assert.match(v, LABEL_VALUE, `a label of project ${JSON.stringify(name.slice(0, 40))}`);
  }
  assert.match(podName('abc123', launch({ experimentId: 2 ** 40, jobId: 2 ** 40 })), DNS1123);
  assert.match(serviceName('abc123', 2 ** 40), DNS1123);
});
