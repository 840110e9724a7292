// The v0 rules (SPEC §1.1–1.12): errors and their positions, merging several files, -P overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors, hasError, ok } from './spec-helpers';
import { formatError, parsePolyaxonfiles } from '../../shared/polyaxonfile';

const group = (matrix: string, extra = '') => `version: 1
kind: group
hptuning:
${extra}  matrix:
${matrix}
run:
  cmd: train
`;

test('the error message format, with the line and column of the offending key', () => {
  const text = `version: 1
kind: group
name: lr-sweep

declarations:
  batch_size: 128

build:
  image: python:3.11

hptuning:
  matrix:
    lr:
      logspace: 0.1:0.01:5
run:
  cmd: python train.py --lr={{ lr }}
`;
  const [e] = errors(text);
  assert.equal(
    e.message,
    'polyaxonfile.yml:14:7 hptuning.matrix.lr.logspace: expected [start, stop, num] with start < stop, found [0.1, 0.01, 5]',
  );
  assert.deepEqual(
    { file: e.file, line: e.line, column: e.column, path: e.path },
    { file: 'polyaxonfile.yml', line: 14, column: 7, path: 'hptuning.matrix.lr.logspace' },
  );
  assert.equal(formatError(e), e.message);
});

test('YAML syntax errors are SpecErrors at the parser position', () => {
  const [e] = errors('version: 1\nkind: experiment\nrun:\n  cmd: [a, b\n');
  assert.equal(e.file, 'polyaxonfile.yml');
  // Found at the end: on the last line, past its text, not on a line after the final newline.
  assert.deepEqual([e.line, e.column], [4, 13], e.message);
  assert.match(e.found, /\(at the end of the file\)$/);
  assert.equal(e.expected, 'valid YAML');
  const [dup] = errors('version: 1\nkind: experiment\nkind: group\n');
  assert.equal(dup.line, 3);
  const [empty] = errors('');
  assert.match(empty.message, /found an empty document/);
});

test('several files deep-merge, later wins, and errors point into the file that wrote the value', () => {
  const base = `version: 1
kind: group
hptuning:
  concurrency: 2
  matrix:
    lr: {values: [0.1, 0.2]}
    units: {values: [1, 2]}
build:
  image: python
  build_steps: [a, b]
run:
  cmd: train
`;
  const override = `hptuning:
  matrix:
    lr: {values: [0.3]}
build:
  build_steps: [c]
`;
  const r = parsePolyaxonfiles([
    { name: 'base.yml', text: base },
    { name: 'override.yml', text: override },
  ]);
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  assert.deepEqual(r.value.hptuning?.matrix, {
    lr: { kind: 'values', values: [0.3] },
    units: { kind: 'values', values: [1, 2] },
  });
  assert.equal(r.value.hptuning?.concurrency, 2);
  assert.deepEqual((r.value.raw.build as { build_steps: string[] }).build_steps, ['c']);
  assert.deepEqual(r.value.files, ['base.yml', 'override.yml']);

  const bad = parsePolyaxonfiles([
    { name: 'base.yml', text: base.replace('units: {values: [1, 2]}', 'units: {range: 5}') },
    { name: 'override.yml', text: 'hptuning:\n  matrix:\n    lr:\n      uniform: [0, 1]\n' },
  ]);
  assert.ok(!bad.ok, '!bad.ok');
  const lr = bad.errors.find((e) => e.path === 'hptuning.matrix.lr');
  assert.ok(lr, bad.errors.map((e) => e.message).join('\n'));
  assert.equal(lr.file, 'override.yml'); // merged {values, uniform}: two kinds, written by the override
  const units = bad.errors.find((e) => e.path === 'hptuning.matrix.units.range');
  assert.ok(units, 'units');
  assert.deepEqual([units.file, units.line, units.column], ['base.yml', 7, 13]);
});

test('-P overrides declarations with literal-eval coercion', () => {
  const spec = ok(
    `version: 1
kind: experiment
declarations: {lr: 0.1, name: a, units: [1]}
run:
  cmd: train --lr={{ lr }}
`,
    { lr: '0.5', name: 'resnet', units: '[32, 64]', debug: 'true', cfg: '{"a": 1}' },
  );
  assert.deepEqual(spec.params, { lr: 0.5, name: 'resnet', units: [32, 64], debug: true, cfg: { a: 1 } });
  const bad = errors('version: 1\nkind: experiment\n', { 'bad name': '1' });
  assert.equal(bad[0].file, '(command line)');
  assert.equal(bad[0].line, 0);
  assert.equal(
    bad[0].message,
    "(command line) -P bad name: expected a param name (letters, digits, _ . -), found 'bad name'",
  );
});

test('version, kind and sections per kind', () => {
  hasError(errors('version: 2\nkind: experiment\n'), 'version', /version: 1/);
  hasError(errors('version: 1\nkind: pipeline\n'), 'kind', /one of experiment/);
  hasError(
    errors('version: 1\nkind: experiment\nhptuning: {matrix: {a: {values: [1]}}}\n'),
    'hptuning',
    /experiment accepts/,
  );
  hasError(errors('version: 1\nkind: experiment\nsettings: {}\n'), 'settings', /polyaxonfile section/);
  hasError(errors('version: 1\nkind: group\nrun: {cmd: x}\n'), 'hptuning', /required for a group/);
  hasError(errors('version: 1\nkind: notebook\n'), 'build', /required for a notebook/);
  hasError(
    errors('version: 1\nkind: job\nbuild: {image: x}\nrun: {cmd: x}\nframework: tensorflow\n'),
    'framework',
    /job accepts/,
  );
  const build = ok('version: 1\nkind: build\nimage: python:3\nbuild_steps: [pip install x]\nnocache: true\n');
  assert.deepEqual(build.rawBuild, { image: 'python:3', build_steps: ['pip install x'], nocache: true });
});

test('header fields: logging level enum, tags de-duplicated, backend per kind', () => {
  const spec = ok(
    'version: 1\nkind: experiment\nlogging: {level: Debug}\ntags: [a, b, a]\nbackend: Kubeflow\n',
  );
  assert.deepEqual(spec.logging, { level: 'DEBUG' });
  assert.deepEqual(spec.tags, ['a', 'b']);
  assert.equal(spec.backend, 'kubeflow');
  hasError(
    errors('version: 1\nkind: experiment\nlogging: {level: WARNING}\n'),
    'logging.level',
    /one of info/,
  );
  hasError(errors('version: 1\nkind: experiment\nlogging: {level: dEbug}\n'), 'logging.level', /one of info/);
  hasError(
    errors('version: 1\nkind: notebook\nbackend: native\nbuild: {image: x}\n'),
    'backend',
    /notebook, lab/,
  );
});

test('build: image xor dockerfile, image names, env_vars pairs', () => {
  const exp = (build: string) => `version: 1\nkind: experiment\nbuild: ${build}\nrun: {cmd: x}\n`;
  hasError(errors(exp('{image: a, dockerfile: b}')), 'build', /exactly one of `image` or `dockerfile`.*both/);
  hasError(errors(exp('{build_steps: [x]}')), 'build', /neither/);
  hasError(errors(exp('{image: "my image"}')), 'build.image', /without spaces/);
  hasError(errors(exp('{image: "a:b:c"}')), 'build.image', /registry:port\/name:tag/);
  ok(exp('{image: "localhost:5000/team/img:1.2"}'));
  hasError(errors(exp('{image: a, env_vars: [[K]]}')), 'build.env_vars.0', /./);
  hasError(errors(exp('{image: a, foo: 1}')), 'build.foo', /one of the keys image, dockerfile/);
});

test('environment: resources are numbers (memory in MiB), unknown keys rejected, raw k8s objects free', () => {
  const exp = (env: string) => `version: 1\nkind: experiment\nenvironment: ${env}\n`;
  hasError(errors(exp('{resources: {memory: {limits: 1Gi}}}')), 'environment.resources.memory.limits', /MiB/);
  hasError(
    errors(exp('{resources: {cpu: {requests: 1, max: 2}}}')),
    'environment.resources.cpu.max',
    /requests, limits/,
  );
  hasError(errors(exp('{outputs: {foo: [1]}}')), 'environment.outputs.foo', /jobs, experiments/);
  const spec = ok(
    exp(
      '{affinity: {anything: {goes: [1]}}, tolerations: [{key: k, whatever: true}], node_selector: {gpu: 1}, service_account: sa}',
    ),
  );
  assert.deepEqual(spec.environment?.nodeSelector, { gpu: '1' });
  assert.deepEqual(spec.environment?.extra, { service_account: 'sa' });
});

test('replicas need a supported framework; horovod has no n_ps', () => {
  const exp = (framework: string, replicas: string) =>
    `version: 1\nkind: experiment\n${framework}environment:\n  replicas: ${replicas}\n`;
  hasError(errors(exp('', '{n_workers: 2}')), 'environment.replicas', /framework/);
  hasError(
    errors(exp('framework: keras\n', '{n_workers: 2}')),
    'framework',
    /tensorflow, mxnet, horovod, pytorch/,
  );
  hasError(
    errors(exp('framework: horovod\n', '{n_workers: 2, n_ps: 1}')),
    'environment.replicas.n_ps',
    /n_workers/,
  );
  hasError(
    errors(exp('framework: pytorch\n', '{n_workers: 2, worker: [{resources: {}}]}')),
    'environment.replicas.worker.0.index',
    /./,
  );
  const spec = ok(exp('framework: MXNet\n', '{n_workers: 2, n_ps: 1}'));
  assert.equal(spec.environment?.replicas?.nPs, 1);
});

test('Axon allows replicas in a group (distributed groups, Polyaxon issue #652)', () => {
  const spec = ok(`version: 1
kind: group
framework: pytorch
environment:
  replicas: {n_workers: 2}
hptuning:
  matrix: {lr: {values: [0.1, 0.2]}}
run: {cmd: train}
`);
  assert.equal(spec.environment?.replicas?.nWorkers, 2);
  // …but not in a notebook.
  hasError(
    errors('version: 1\nkind: notebook\nbuild: {image: x}\nenvironment: {replicas: {n_workers: 1}}\n'),
    'environment.replicas',
    /one of the keys/,
  );
});

test('hptuning: matrix entries, algorithms and their restrictions', () => {
  hasError(
    errors(group('    lr: {values: [1], range: 1:3:1}')),
    'hptuning.matrix.lr',
    /exactly one of values/,
  );
  hasError(errors(group('    lr: {}')), 'hptuning.matrix.lr', /exactly one of/);
  hasError(errors(group('    lr: {value: [1]}')), 'hptuning.matrix.lr.value', /a matrix kind/);
  hasError(errors(group('    lr: {range: [1, 10, 2, 3]}')), 'hptuning.matrix.lr.range', /3 numbers/);
  hasError(errors(group('    lr: {range: 1:10:0}')), 'hptuning.matrix.lr.range', /step != 0/);
  hasError(
    errors(group('    lr: {linspace: {start: 1, stop: 2}}')),
    'hptuning.matrix.lr.linspace',
    /keys start, stop, num/,
  );
  hasError(
    errors(group('    lr: {pvalues: [[a, 0.5], [b, 0.6]]}', '  random_search: {n_experiments: 2}\n')),
    'hptuning.matrix.lr.pvalues',
    /sum to at most 1/,
  );
  hasError(
    errors(group('    lr: {pvalues: [[a, 1.0]]}', '  random_search: {n_experiments: 2}\n')),
    'hptuning.matrix.lr.pvalues.0',
    /0 <= p < 1/,
  );
  hasError(
    errors(group('    lr: {values: [1]}', '  random_search: {}\n')),
    'hptuning.random_search.n_experiments',
    /number of experiments/,
  );
  hasError(
    errors(
      group(
        '    lr: {values: [1]}',
        '  random_search: {n_experiments: 1}\n  grid_search: {n_experiments: 1}\n',
      ),
    ),
    'hptuning.grid_search',
    /at most one search algorithm/,
  );
  hasError(errors(group('    lr: {pvalues: [[a, 0.5]]}')), 'hptuning.matrix.lr.pvalues', /grid search/);
  hasError(
    errors(group('    lr: {uniform: [0, 1]}', '  grid_search: {n_experiments: 2}\n')),
    'hptuning.matrix.lr.uniform',
    /grid search/,
  );
  const bo =
    '  bo: {n_initial_trials: 2, n_iterations: 3, metric: {name: loss, optimization: minimize}, utility_function: {acquisition_function: ei, eps: 0.1}}\n';
  // BO takes every kind random search takes (issue #15): distributions, pvalues, the log kinds.
  ok(group('    lr: {normal: [0, 1]}', bo));
  ok(group('    lr: {pvalues: [[a, 0.5], [b, 0.5]]}\n    wd: {loguniform: [-9, -2]}', bo));
  const spec = ok(group('    lr: {uniform: [0, 1]}\n    layers: {range: 1:4:1}', bo));
  assert.equal(spec.hptuning?.bo?.acquisition, 'ei');
  assert.equal(spec.hptuning?.bo?.nWarmup, 2048);
  // Nothing but the budget and the metric: EI, Matérn 5/2, restarts; no kappa or eps needed.
  const plain = ok(
    group(
      '    lr: {uniform: [0, 1]}',
      '  bo: {n_initial_trials: 2, n_iterations: 3, metric: {name: loss}}\n',
    ),
  );
  assert.equal(plain.hptuning?.bo?.acquisition, 'ei');
  assert.equal(plain.hptuning?.bo?.nu, 2.5);
});

test('v0 keeps 0.4.4 order checks for every kind, loc < scale included; v1 does not', () => {
  const random = '  random_search: {n_experiments: 2}\n';
  hasError(errors(group('    lr: {normal: [1, 0.5]}', random)), 'hptuning.matrix.lr.normal', /loc < scale/);
  ok(group('    lr: {normal: [0, 0.5]}', random));
  const v1 = ok(`version: 1.1
kind: operation
matrix:
  kind: random
  numRuns: 2
  params:
    lr: {kind: normal, value: [1, 0.5]}
component:
  run: {kind: job, container: {image: foo, command: [train]}}
`);
  assert.deepEqual(v1.hptuning?.matrix.lr, { kind: 'normal', loc: 1, scale: 0.5 });
});

test('early stopping: metric rules, 0.5 policies for median/truncation', () => {
  const spec = ok(
    group(
      '    lr: {values: [1, 2]}',
      '  early_stopping:\n    - {metric: loss, value: 0.1, optimization: Minimize}\n    - {metric: acc, policy: {kind: median, evaluation_interval: 2}}\n',
    ),
  );
  assert.deepEqual(spec.hptuning?.earlyStopping, [
    { kind: 'metric', metric: 'loss', value: 0.1, optimization: 'minimize' },
    { kind: 'median', metric: 'acc', optimization: 'maximize', evaluationInterval: 2 },
  ]);
  assert.deepEqual(spec.hptuning?.metric, { name: 'loss', optimization: 'minimize' });
  hasError(
    errors(
      group('    lr: {values: [1]}', '  early_stopping:\n    - {metric: acc, policy: {kind: average}}\n'),
    ),
    'hptuning.early_stopping.0.policy',
    /median/,
  );
});

test("Axon's tpe and asha algorithms keep their options", () => {
  const spec = ok(
    group(
      '    lr: {loguniform: [-5, 0]}',
      '  asha: {max_t: 81, reduction_factor: 3, metric: {name: loss, optimization: minimize}}\n',
    ),
  );
  assert.equal(spec.hptuning?.algorithm, 'asha');
  assert.deepEqual(spec.hptuning?.options, {
    max_t: 81,
    reduction_factor: 3,
    metric: { name: 'loss', optimization: 'minimize' },
  });
  assert.deepEqual(spec.hptuning?.metric, { name: 'loss', optimization: 'minimize' });
  const v1 = ok(`version: 1.1
kind: operation
matrix:
  kind: hyperopt
  algorithm: tpe
  numRuns: 20
  metric: {name: loss, optimization: minimize}
  params: {lr: {kind: uniform, value: [0, 1]}}
component:
  run: {kind: job, container: {image: foo, command: [train]}}
`);
  assert.equal(v1.hptuning?.algorithm, 'tpe');
  assert.equal(v1.hptuning?.nExperiments, 20);
  assert.deepEqual(v1.hptuning?.options, {
    algorithm: 'tpe',
    numRuns: 20,
    metric: { name: 'loss', optimization: 'minimize' },
  });
});

test('0.5 typed inputs: a group may sweep a required input with its matrix', () => {
  const spec = ok(`version: 1
kind: group
inputs: [{name: lr, type: float}, {name: epochs, type: int, default: 3}]
hptuning:
  matrix: {lr: {values: [0.1, 0.2]}}
run: {cmd: "train --lr={{ lr }} --epochs={{ epochs }}"}
`);
  assert.deepEqual(spec.params, { epochs: 3 });
  hasError(
    errors('version: 1\nkind: experiment\ninputs: [{name: lr, type: float}]\ndeclarations: {lr: 0.1}\n'),
    'declarations',
    /only use `params`/,
  );
  hasError(
    errors('version: 1\nkind: experiment\ninputs: [{name: n, type: int}]\nparams: {n: 1.5}\n'),
    'params.n',
    /an integer for `n`/,
  );
  hasError(
    errors('version: 1\nkind: experiment\ninputs: [{name: n, type: integer}]\n'),
    'inputs.0.type',
    /one of int, float/,
  );
});

test('a matrix param in a group environment is refused for what it is (environment is set once for the group)', () => {
  const text = [
    'version: 1',
    'kind: group',
    'framework: pytorch',
    'hptuning:',
    '  matrix:',
    '    nw: {values: [1, 3]}',
    'environment:',
    '  replicas:',
    '    n_workers: "{{ nw }}"',
    'run:',
    '  cmd: echo {{ nw }}',
  ].join('\n');
  const es = errors(text);
  assert.equal(es.length, 1, es.map((e) => e.message).join('\n'));
  assert.match(
    es[0].message,
    /:9:5 environment\.replicas\.n_workers: expected a declaration, not the matrix param `nw` \(environment is set once for the whole group/,
  );
});
