// What `axon check` (runs.check) finds and shows beyond the parser: the first experiment's command as the engine
// will make it, what runs.create would refuse, every problem of a file at once, the planned count, NaN templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolyaxonfiles, renderExperiment, type ParsedSpec } from '../../shared/polyaxonfile';
import { Rng } from '../../shared/random';
import { checkSpec } from '../../main/engine/spec-check';
import { plannedExperiments } from '../../main/engine/sweeps/planned';
import { randomSuggestions } from '../../main/engine/sweeps/random';
import { runStep } from '../../main/engine/sweeps/make-searcher';
import { errors, hasError } from './spec-helpers';

function check(text: string, params: Record<string, string> = {}) {
  const files = [{ name: 'polyaxonfile.yml', text }];
  const r = parsePolyaxonfiles(files, { params });
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  return { spec: r.value, found: checkSpec(r.value, files, params) };
}

const group = (search: string[], cmd = 'train --x={{ x }} --y={{ y }}') =>
  [
    'version: 1',
    'kind: group',
    'hptuning:',
    '  concurrency: 2',
    ...search,
    '  matrix:',
    '    x: {uniform: -5:10}',
    '    y: {values: [1, 2, 3, 4]}',
    'run:',
    `  cmd: ${cmd}`,
  ].join('\n') + '\n';

/** The first experiment's command as the group runner makes it: its searcher's first step. */
function iterativeFirst(spec: ParsedSpec, seed: number): string {
  const p = runStep(spec.hptuning!, seed, undefined, [], spec.hptuning!.concurrency).proposals[0];
  const r = renderExperiment(spec, p.params, { overrides: p.overrides });
  assert.ok(r.ok);
  return r.value.cmd!;
}

test('check shows the command the first experiment of a seeded random search really gets, per seed', () => {
  const commands = new Set<string>();
  for (const seed of [7, 8]) {
    const { spec, found } = check(group([`  seed: ${seed}`, '  random_search: {n_experiments: 5}']));
    const first = randomSuggestions(spec.hptuning!.matrix, 5, new Rng(seed))[0];
    assert.equal(found.command, `train --x=${first.x} --y=${first.y}`);
    commands.add(found.command!);
  }
  assert.equal(commands.size, 2, 'another seed, another first command');
});

test("check shows the iterative searchers' first proposal (resource included) for the file's seed", () => {
  const searches: Record<string, string[]> = {
    hyperband: [
      '  hyperband: {max_iter: 9, eta: 3, resource: {name: steps, type: int}, metric: {name: loss, optimization: minimize}}',
    ],
    asha: [
      '  asha: {resource: {name: steps, type: int}, min_resource: 1, max_resource: 9, n_experiments: 6, metric: {name: loss, optimization: minimize}}',
    ],
    bo: ['  bo: {n_initial_trials: 3, n_iterations: 4, metric: {name: loss, optimization: minimize}}'],
    tpe: ['  tpe: {n_experiments: 6, metric: {name: loss, optimization: minimize}}'],
  };
  for (const [algorithm, lines] of Object.entries(searches)) {
    const steps = algorithm === 'hyperband' || algorithm === 'asha' ? ' --steps={{ steps }}' : '';
    const { spec, found } = check(group(['  seed: 7', ...lines], `train --x={{ x }} --y={{ y }}${steps}`));
    assert.equal(found.command, iterativeFirst(spec, 7), algorithm);
    if (steps) assert.match(found.command!, /--steps=1$/, `${algorithm}: the first round's resource`);
  }
});

test('random search over a small discrete space plans the experiments it really makes', () => {
  const { spec, found } = check(
    'version: 1\nkind: group\nhptuning:\n  random_search: {n_experiments: 300}\n  matrix:\n    a: {values: [1, 2, 3]}\nrun:\n  cmd: echo {{ a }}\n',
  );
  assert.equal(found.experiments, 3);
  assert.deepEqual(plannedExperiments(spec.hptuning!), { total: 3, atMost: false });
  assert.equal(randomSuggestions(spec.hptuning!.matrix, 300, new Rng(1)).length, 3);
  // A continuous param leaves N as asked.
  assert.equal(check(group(['  random_search: {n_experiments: 300}'])).found.experiments, 300);
});

test('what runs.create refuses is an error of check, at the field: no command, a kind Axon does not run', () => {
  const norun = check('version: 1\nkind: experiment\n').found;
  assert.equal(norun.errors.length, 1);
  assert.equal(norun.errors[0].path, 'run.cmd');
  assert.match(norun.errors[0].message, /^polyaxonfile\.yml:\d+:\d+ run\.cmd: expected the command to run/);
  const empty = check('version: 1\nkind: experiment\nrun:\n  cmd: ""\n').found;
  assert.match(
    empty.errors[0]?.message ?? '',
    /^polyaxonfile\.yml:4:\d+ run\.cmd: expected a non-empty command/,
  );
  const notebook = check('version: 1\nkind: notebook\nbuild:\n  image: python:3\n').found;
  assert.match(notebook.errors[0]?.message ?? '', /^polyaxonfile\.yml:2:\d+ kind: expected a kind Axon runs/);
  const v1 = check(
    'version: 1.1\nkind: component\nrun:\n  kind: job\n  container:\n    image: python\n',
  ).found;
  assert.equal(v1.errors[0]?.path, 'run.container.command');
});

test('an invalid matrix entry does not hide a template name nothing defines', () => {
  const errs = errors(
    'version: 1\nkind: group\nhptuning:\n  matrix:\n    a: {range: 0:10:0}\nrun:\n  cmd: echo {{ a }} {{ lrr }}\n',
  );
  hasError(errs, 'hptuning.matrix.a.range', /step != 0/);
  hasError(errs, 'run.cmd', /a defined name in \{\{ lrr \}\}.*found "lrr"/);
  assert.ok(!errs.some((e) => /"a"/.test(e.found)), 'the matrix key a is still defined');
});

test('a template that renders NaN is a warning naming the field, the expression and the param', () => {
  const text =
    'version: 1\nkind: experiment\ndeclarations: {lr: 0.1}\nrun:\n  cmd: echo double={{ lr * 2 }}\n';
  const { found } = check(text, { lr: 'abc' });
  assert.equal(found.command, 'echo double=nan');
  assert.deepEqual(found.warnings, [
    "polyaxonfile.yml:5:3 run.cmd: {{ lr * 2 }} renders as nan: lr is 'abc' (from -P lr=abc), not a number",
  ]);
  assert.deepEqual(check(text, { lr: '0.5' }).found.warnings, []);
});

test('a param value with shell syntax pasted into run.cmd is a warning with the fix; `| quote` passes it as one argument', () => {
  const text =
    'version: 1\nkind: experiment\ndeclarations: {dataset: "mnist; echo INJECTED", lr: 0.1}\n' +
    'run:\n  cmd: train --data={{ dataset }} --lr={{ lr }} --tag={{ tag | quote }}\n';
  const { found } = check(text, { tag: "it's a b", lr: '1e-3' });
  assert.equal(found.command, `train --data=mnist; echo INJECTED --lr=0.001 --tag='it'\\''s a b'`);
  assert.deepEqual(found.warnings, [
    'polyaxonfile.yml:5:3 run.cmd: param dataset is "mnist; echo INJECTED", which holds shell syntax; ' +
      '{{ dataset }} pastes it into the command as text (as Polyaxon does), so the shell splits it or runs it: ' +
      'write {{ dataset | quote }} to pass it as one argument',
  ]);
  // Quoted, nothing to say; a v1 command given as a list is quoted token by token already.
  const quoted = text.replace('{{ dataset }}', '{{ dataset | quote }}');
  assert.equal(
    check(quoted, { tag: 'x' }).found.command,
    `train --data='mnist; echo INJECTED' --lr=0.1 --tag=x`,
  );
  assert.deepEqual(check(quoted, { tag: 'x' }).found.warnings, []);
  const v1 =
    'version: 1.1\nkind: component\ninputs: [{name: dataset, type: str, value: "a b"}]\n' +
    'run:\n  kind: job\n  container:\n    image: busybox\n    command: [train, "--data={{ dataset }}"]\n';
  assert.deepEqual(check(v1).found.warnings, []);
});

test('an operation whose component is elsewhere (pathRef, hubRef…) is refused for that, not for a missing command', () => {
  const { found } = check('version: 1.1\nkind: operation\nparams: {epochs: {value: 2}}\npathRef: comp.yml\n');
  assert.equal(found.errors.length, 1);
  const [e] = found.errors;
  assert.deepEqual([e.line, e.path], [4, 'pathRef']);
  assert.match(
    e.message,
    /the component in this file, under `component:` \(Axon does not fetch referenced components: paste the file comp\.yml's content there/,
  );
  assert.doesNotMatch(e.message, /run\.command/);
});

test("v1's params context renders (value, as_arg); a run-time context Axon does not fill is a warning at its line", () => {
  const { found } = check(
    [
      'version: 1.1',
      'kind: component',
      'inputs:',
      '  - {name: lr, type: float, value: 0.01, isOptional: true}',
      '  - {name: use_bn, type: bool, value: true, isOptional: true, isFlag: true}',
      'run:',
      '  kind: job',
      '  container:',
      '    image: "python:3.8"',
      '    command: [train, "{{ params.lr.as_arg }}", "{{ params.lr.value }}", "{{ params.use_bn.as_arg }}", "--out={{ globals.run_outputs_path }}"]',
    ].join('\n'),
  );
  assert.deepEqual(found.errors, []);
  assert.equal(found.command, 'train --lr=0.01 0.01 --use_bn --out=');
  assert.equal(found.warnings.length, 1, found.warnings.join('\n'));
  assert.match(
    found.warnings[0],
    /^polyaxonfile\.yml:10 run\.container\.command\.4: \{\{ globals\.run_outputs_path \}\} renders as nothing: .*\$POLYAXON_RUN_OUTPUTS_PATH/,
  );
});

test('an indexed worker entry beyond n_workers is warned of: it configures a replica that never runs', () => {
  const { found } = check(
    [
      'version: 1',
      'kind: experiment',
      'framework: pytorch',
      'environment:',
      '  replicas:',
      '    n_workers: 1',
      '    worker:',
      '      - index: 0',
      '      - index: 3',
      'run:',
      '  cmd: echo hi',
    ].join('\n'),
  );
  assert.deepEqual(found.errors, []);
  assert.deepEqual(
    found.warnings.filter((w) => /never runs/.test(w)),
    [
      'polyaxonfile.yml:7 environment.replicas.worker has an entry for index 3, but n_workers is 1 (indexes 0 to 0): it configures a replica that never runs',
    ],
  );
});

test("v0: the experiment's node selector and tolerations place the master only; replicas without their own are named", () => {
  const file = (workers: string) =>
    [
      'version: 1',
      'kind: experiment',
      'framework: tensorflow',
      'environment:',
      '  node_selector: {pool: gpu}',
      '  tolerations: [{key: gpu, operator: Exists}]',
      '  replicas:',
      '    n_workers: 2',
      '    n_ps: 1',
      workers,
      'run:',
      '  cmd: echo hi',
    ].join('\n');
  const placed = (text: string) => check(text).found.warnings.filter((w) => /master only/.test(w));
  assert.deepEqual(placed(file('    worker: [{index: 1, node_selector: {pool: gpu}}]')), [
    'polyaxonfile.yml:5 environment.node_selector, tolerations place the master only, as in Polyaxon: worker-0, ' +
      'ps-0 have none of these; give environment.replicas.default_worker (or its indexed worker entries) and ' +
      'environment.replicas.default_ps (or its indexed ps entries) the same if they should run there too',
  ]);
  assert.deepEqual(
    placed(
      file(
        '    default_worker: {tolerations: [{key: gpu, operator: Exists}]}\n    default_ps: {node_selector: {a: b}}',
      ),
    ),
    [],
  );
});
