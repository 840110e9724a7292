// The v1.1 format (SPEC §5): components, operations, matrices, distributed run kinds and DAGs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors, hasError, ok } from './spec-helpers';
import { parsePolyaxonfiles, renderExperiment } from '../../shared/polyaxonfile';

test('v1: params must match inputs, -P overrides them, matrices map to SearchSpec', () => {
  const op = (params: string, extra = '') => `version: 1.1
kind: operation
${params}${extra}component:
  inputs:
    - {name: lr, type: float}
    - {name: epochs, type: int, value: 2, isOptional: true}
  run:
    kind: job
    container: {image: "foo:latest", command: [train, "--lr={{ lr }}", "--epochs={{ epochs }}"]}
`;
  const spec = ok(op('params: {lr: {value: 0.1}}\n'), { epochs: '5' });
  assert.deepEqual(spec.params, { epochs: 5, lr: 0.1 });
  assert.equal(spec.kind, 'experiment');
  assert.equal(spec.runKind, 'job');
  hasError(errors(op('params: {lr: {value: 0.1}, other: {value: 1}}\n')), 'params.other', /untyped params/);
  hasError(errors(op('')), 'component.inputs.0', /required input `lr`/);
  hasError(errors(op('params: {lr: {value: abc}}\n')), 'params.lr', /a number for `lr`/);
  hasError(errors(op('params: {lr: 0.1}\n')), 'params.lr', /\{value/);
  hasError(
    errors(op('', 'matrix: {kind: iterative, params: {lr: {kind: choice, value: [1]}}}\n')),
    'matrix.kind',
    /grid, random/,
  );
  hasError(
    errors(op('', 'matrix: {kind: grid, params: {lr: {kind: uniform, value: [0, 1]}}}\n')),
    'matrix.params.lr.kind',
    /grid search/,
  );
  const grid = ok(
    op('', 'matrix: {kind: grid, numRuns: 3, params: {lr: {kind: logspace, value: "-3:-1:3"}}}\n'),
  );
  assert.equal(grid.kind, 'group');
  assert.deepEqual(grid.hptuning?.matrix.lr, { kind: 'logspace', start: -3, stop: -1, num: 3, base: 10 });
  assert.equal(grid.hptuning?.nExperiments, 3);
  const dates = ok(
    op(
      'params: {lr: {value: 0.1}}\n',
      'matrix: {kind: grid, params: {day: {kind: daterange, value: ["2019-06-22", "2019-06-25", 1]}}}\n',
    ),
  );
  assert.deepEqual(dates.hptuning?.matrix.day, {
    kind: 'values',
    values: ['2019-06-22', '2019-06-23', '2019-06-24'],
  });
});

test('v1: a matrix over a distributed run kind is allowed, resources map to the pod model', () => {
  const spec = ok(`version: 1.1
kind: operation
matrix: {kind: random, numRuns: 2, params: {lr: {kind: uniform, value: [0, 1]}}}
component:
  run:
    kind: pytorchjob
    master:
      container: {image: torch, command: [python, train.py], resources: {requests: {cpu: 500m, memory: 2Gi}, limits: {nvidia.com/gpu: 1}}}
    worker:
      replicas: 3
      container: {image: torch, command: [python, train.py]}
`);
  assert.equal(spec.kind, 'group');
  assert.equal(spec.framework, 'pytorch');
  assert.deepEqual(spec.environment?.resources, {
    cpu: { requests: 0.5 },
    memory: { requests: 2048 },
    gpu: { limits: 1 },
  });
  assert.equal(spec.environment?.replicas?.nWorkers, 3);
  hasError(
    errors(
      'version: 1.1\nkind: component\nrun: {kind: job, container: {image: x, resources: {limits: {memory: lots}}}}\n',
    ),
    'run.container.resources.limits.memory',
    /Kubernetes quantity/,
  );
  hasError(errors('version: 1.1\nkind: component\nrun: {kind: sparkjob}\n'), 'run.kind', /job, service/);
  hasError(
    errors('version: 1.1\nkind: component\nrun: {kind: job, contanier: {}}\n'),
    'run.contanier',
    /container/,
  );
});

test('v1 DAGs: dagRefs and dependencies must exist', () => {
  const dag = (ops: string) => `version: 1.1
kind: component
run:
  kind: dag
  operations:
${ops}
  components:
    - name: tpl
      inputs: [{name: x, type: int}]
      run: {kind: job, container: {image: foo}}
`;
  ok(
    dag(
      '    - {name: a, dagRef: tpl, params: {x: {value: 1}}}\n    - {name: b, dagRef: tpl, dependencies: [a], params: {x: {value: 2}}}',
    ),
  );
  hasError(errors(dag('    - {name: a, dagRef: nope}')), 'run.operations.0.dagRef', /components \(tpl\)/);
  hasError(
    errors(dag('    - {name: a, dagRef: tpl, params: {x: {value: 1}}, dependencies: [z]}')),
    'run.operations.0.dependencies.0',
    /an operation of this DAG/,
  );
  hasError(errors(dag('    - {name: a, dagRef: tpl}')), 'run.operations.0', /required input `x`/);
  ok(
    dag(
      '    - {name: a, dagRef: tpl, params: {x: {value: 1}}}\n    - {name: b, dagRef: tpl, dependencies: [a], params: {x: {ref: ops.a, contextOnly: true}}}',
    ),
  );
  hasError(
    errors(dag('    - {name: a, dagRef: tpl, params: {x: {value: 1}}, dependencies: [a]}')),
    'run.operations.0.dependencies.0',
    /a → a/,
  );
});

const job =
  'component:\n  inputs: [{name: lr, type: float, isOptional: true}, {name: opt, type: str, isOptional: true}]\n  run: {kind: job, container: {image: foo, command: [train]}}\n';

test('v1 bayes maps to bo, with the same distribution rule as v0', () => {
  const bayes = (
    params: string,
    utility = 'utilityFunction: {acquisitionFunction: ucb, kappa: 2.5, gaussianProcess: {kernel: rbf, numRestartsOptimizer: 2}}',
  ) =>
    `version: 1.1\nkind: operation\nmatrix:\n  kind: bayes\n  numInitialRuns: 5\n  maxIterations: 10\n  metric: {name: loss, optimization: minimize}\n  ${utility}\n  params: ${params}\n${job}`;
  const spec = ok(bayes('{lr: {kind: uniform, value: [0, 1]}, opt: {kind: choice, value: [adam, sgd]}}'));
  assert.deepEqual(spec.hptuning?.bo, {
    nInitialTrials: 5,
    nIterations: 10,
    acquisition: 'ucb',
    kappa: 2.5,
    nWarmup: 2048,
    nIter: 10,
    kernel: 'rbf',
    lengthScale: 0.5,
    nu: 2.5,
    nRestartsOptimizer: 2,
  });
  assert.deepEqual(spec.hptuning?.metric, { name: 'loss', optimization: 'minimize' });
  // Every kind is accepted (issue #15), and poi without eps takes eps 0.
  ok(bayes('{lr: {kind: normal, value: [0, 1]}, wd: {kind: loguniform, value: [-9, -2]}}'));
  const poi = ok(
    bayes('{lr: {kind: uniform, value: [0, 1]}}', 'utilityFunction: {acquisitionFunction: poi}'),
  );
  assert.equal(poi.hptuning?.bo?.acquisition, 'poi');
});

test('v1 hp params: the kind must fit a declared input, and the value its kind', () => {
  const op = (params: string) =>
    `version: 1.1\nkind: operation\nmatrix:\n  kind: random\n  numRuns: 3\n  params: ${params}\n${job}`;
  hasError(errors(op('{opt: {kind: uniform, value: [0, 1]}}')), 'matrix.params.opt.kind', /input type str/);
  hasError(errors(op('{lr: {kind: linspace, value: [1, 0, 5]}}')), 'matrix.params.lr.value', /start < stop/);
  hasError(
    errors(op('{lr: {kind: pchoice, value: [[a, 0.7], [b, 0.7]]}}')),
    'matrix.params.lr.value',
    /sum to at most 1/,
  );
  hasError(errors(op('{lr: {kind: choice, values: [1]}}')), 'matrix.params.lr.values', /kind and value/);
  hasError(errors(op('{lr: 0.1}')), 'matrix.params.lr', /\{kind: <hp kind>/);
  hasError(errors(op('{}')), 'matrix.params', /at least one param/);
});

test('v1: -P names a component input; referenced components leave params unchecked', () => {
  const component =
    'version: 1.1\nkind: component\ninputs: [{name: lr, type: float, value: 0.1}]\nrun: {kind: job, container: {image: foo, command: [train]}}\n';
  assert.deepEqual(ok(component, { lr: '0.3' }).params, { lr: 0.3 });
  const bad = errors(component, { batch: '64' });
  assert.equal(
    bad[0].message,
    "(command line) -P batch: expected a declared input or output (lr), found 'batch=64'",
  );
  const hub = ok(
    'version: 1.1\nkind: operation\nhubRef: tensorboard:latest\nparams: {logdir: {value: /runs}}\n',
    { port: '6006' },
  );
  assert.deepEqual(hub.params, { logdir: '/runs', port: 6006 });
  assert.equal(hub.runKind, undefined);
  hasError(
    errors('version: 1.1\nkind: operation\nhubRef: a\npathRef: b\n'),
    'pathRef',
    /exactly one of component, hubRef/,
  );
  const service = ok(
    'version: 1.1\nkind: component\nrun: {kind: service, ports: [8888], container: {image: jupyter, command: [jupyter, lab]}}\n',
  );
  assert.equal(service.runKind, 'service');
});

test('parse never throws on odd inputs', () => {
  const odd: unknown[] = [
    [],
    [{ name: 'x' }],
    [{ name: 'x', text: 5 }],
    null,
    [{ name: 'a', text: '- 1\n- 2' }],
    [{ name: 'a', text: 'kind: [1]' }],
    [{ name: 'a', text: 'version: &a\n version: *a' }],
    [{ name: 'a', text: 'a: &x [*x]' }],
  ];
  for (const files of odd) {
    const r = parsePolyaxonfiles(files as Array<{ name: string; text: string }>);
    assert.equal(r.ok, false);
    if (!r.ok) assert.ok(r.errors.length > 0);
  }
});

test("an input's default is a fallback: a matrix value for it wins (v1 and 0.5 alike); -P and params still fix it", () => {
  const v1 = `version: 1.1
kind: operation
matrix: {kind: grid, params: {lr: {kind: choice, value: [0.01, 0.05]}}}
component:
  inputs: [{name: lr, type: float, value: 0.1, isOptional: true}, {name: bs, type: int, value: 8, isOptional: true}]
  run: {kind: job, container: {image: "python:3.8", command: ["echo", "lr={{ lr }} bs={{ bs }}"]}}
`;
  const v05 = `version: 1
kind: group
inputs: [{name: lr, type: float, default: 0.1, is_optional: true}, {name: bs, type: int, default: 8, is_optional: true}]
hptuning:
  matrix:
    lr: {values: [0.01, 0.05]}
run:
  cmd: echo lr={{ lr }} bs={{ bs }}
`;
  for (const text of [v1, v05]) {
    const spec = ok(text);
    const cmds = [0.01, 0.05].map((lr) => {
      const r = renderExperiment(spec, { lr });
      assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
      return r.value.cmd;
    });
    assert.deepEqual(
      cmds.map((c) => c?.replace(/^echo /, '').replace(/["']/g, '')),
      ['lr=0.01 bs=8', 'lr=0.05 bs=8'],
    );
    // A value the user gave (-P) still stands over the matrix (SPEC §1.4; `axon check` warns of it).
    const fixed = renderExperiment(ok(text, { lr: '0.3' }), { lr: 0.01 });
    assert.ok(fixed.ok);
    assert.equal(fixed.value.params.lr, 0.3);
  }
});
