// Templating (SPEC §1.4): self-rendered declarations with literal coercion, the for/if operators, run.cmd
// joining and continuations, and per-experiment rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolyaxonfiles, renderExperiment, type ParsedSpec } from '../../shared/polyaxonfile';

function parse(text: string, params?: Record<string, string>): ParsedSpec {
  const r = parsePolyaxonfiles([{ name: 'polyaxonfile.yml', text }], { params });
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

function render(spec: ParsedSpec, suggestion: Record<string, unknown> = {}) {
  const r = renderExperiment(spec, suggestion);
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

test('declarations render against themselves and coerce like literal_eval (SPEC §1.4)', () => {
  const spec = parse(`
version: 1
kind: experiment
declarations:
  lr: 0.01
  units: [32, 64]
  flag: true
  as_float: "{{ lr }}"
  as_list: "{{ units }}"
  as_text: "--lr={{ lr }}"
  undefined_var: "--x={{ missing }}"
  sci: "1e-3"
  quoted_number: "12"
  first_unit: "{{ units[0] }}"
  printed_list: "--units={{ units }}"
  printed_bool: "--flag={{ flag }}"
  nested: {kernels: "{{ units }}"}
`);
  assert.deepEqual(spec.params, {
    lr: 0.01,
    units: [32, 64],
    flag: true,
    as_float: 0.01,
    as_list: [32, 64],
    as_text: '--lr=0.01',
    undefined_var: '--x=',
    sci: 0.001,
    quoted_number: 12,
    first_unit: 32,
    printed_list: '--units=[32, 64]',
    printed_bool: '--flag=True',
    nested: { kernels: [32, 64] },
  });
  assert.equal(typeof spec.params.as_float, 'number');
});

test('numbers print as Python prints them', () => {
  const spec = parse(`
version: 1
kind: experiment
declarations: {small: 0.00001, big: 12345678.5}
run:
  cmd: train --small={{ small }} --big={{ big }}
`);
  assert.equal(render(spec).cmd, 'train --small=1e-05 --big=12345678.5');
});

test('the for operator builds a list (flattening nested lists) and the if operator picks a branch', () => {
  const spec = parse(`
version: 1
kind: experiment
declarations: {n: 3, model: DNA}
run:
  cmd:
    for:
      len: "{{ n }}"
      index: i
      do: "echo {{ i }}"
`);
  assert.equal(render(spec).cmd, 'echo 0 && echo 1 && echo 2');

  const nested = parse(`
version: 1
kind: experiment
run:
  cmd:
    for:
      len: 2
      do: ["a{{ index }}", "b{{ index }}"]
`);
  assert.equal(render(nested).cmd, 'a0 && b0 && a1 && b1');

  const branch = parse(`
version: 1
kind: group
hptuning:
  matrix:
    model: {values: [CDNA, DNA]}
run:
  cmd:
    if:
      cond: "'DNA' == '{{ model }}'"
      do: train --model={{ model }} --num_masks=1
      else_do: train --model={{ model }} --num_masks=10
`);
  assert.equal(render(branch, { model: 'DNA' }).cmd, 'train --model=DNA --num_masks=1');
  assert.equal(render(branch, { model: 'CDNA' }).cmd, 'train --model=CDNA --num_masks=10');
});

test('operators are only operators in build and run', () => {
  const spec = parse(`
version: 1
kind: experiment
declarations:
  keep: {if: {cond: "True", do: 1}}
`);
  assert.deepEqual(spec.params.keep, { if: { cond: true, do: 1 } });
});

test('run.cmd lists join with && and backslash continuations collapse (SPEC §1.6)', () => {
  const spec = parse(`
version: 1
kind: experiment
run:
  cmd:
    - pip install -r requirements.txt
    - |
      python train.py \\
        --lr=0.1 \\
        --epochs=2
`);
  assert.equal(render(spec).cmd, 'pip install -r requirements.txt && python train.py --lr=0.1 --epochs=2');
  const folded = parse(`
version: 1
kind: experiment
run:
  cmd: python   train.py \\
    --x=1
`);
  assert.equal(render(folded).cmd, 'python train.py --x=1');
});

test('static declarations override matrix values of the same name', () => {
  const spec = parse(`
version: 1
kind: group
declarations:
  min_samples_leaf: 5
  desc: "lr={{ lr }}"
hptuning:
  matrix:
    lr: {values: [0.1, 0.2]}
    min_samples_leaf: {values: [1, 2]}
run:
  cmd: train --lr={{ lr }} --leaf={{ min_samples_leaf }} --desc={{ desc }}
`);
  const e = render(spec, { lr: 0.2, min_samples_leaf: 1 });
  assert.equal(e.cmd, 'train --lr=0.2 --leaf=5 --desc=lr=0.2');
  assert.deepEqual(e.params, { lr: 0.2, min_samples_leaf: 5, desc: 'lr=0.2' });
});

test('build and environment are rendered per experiment', () => {
  const spec = parse(`
version: 1
kind: group
declarations: {gpus: 1}
hptuning:
  matrix:
    tag: {values: ["3.10-slim", "3.11-slim"]}
build:
  image: "python:{{ tag }}"
  build_steps: ["pip install foo=={{ tag }}"]
  env_vars: [[A, "{{ tag }}"]]
environment:
  resources: {gpu: {limits: "{{ gpus }}"}}
run:
  cmd: python train.py
`);
  const e = render(spec, { tag: '3.11-slim' });
  assert.equal(e.build?.image, 'python:3.11-slim');
  assert.deepEqual(e.build?.buildSteps, ['pip install foo==3.11-slim']);
  assert.deepEqual(e.build?.envVars, [['A', '3.11-slim']]);
  assert.deepEqual(e.environment?.resources, { gpu: { limits: 1 } });
});

test('a value that renders invalid for one experiment is an error at the field, in the file', () => {
  const spec = parse(`
version: 1
kind: group
hptuning:
  matrix:
    img: {values: [ok, "not ok"]}
build:
  image: "{{ img }}"
run:
  cmd: python train.py
`);
  const r = renderExperiment(spec, { img: 'not ok' });
  assert.ok(!r.ok, '!r.ok');
  assert.equal(
    r.errors[0].message,
    "polyaxonfile.yml:8:3 build.image: expected an image name without spaces, found 'not ok'",
  );
});

test('typed flags print --name when true and nothing when false', () => {
  const text = `
version: 1
kind: experiment
inputs:
  - {name: loss, type: str}
  - {name: flag, type: bool, is_flag: true}
run:
  cmd: train --loss={{loss}} {{ flag }}
`;
  assert.equal(render(parse(text, { loss: 'MSE', flag: 'true' })).cmd, 'train --loss=MSE --flag');
  assert.equal(render(parse(text, { loss: 'MSE', flag: 'false' })).cmd, 'train --loss=MSE');
});

test('v1: command and args are rendered token by token and quoted for bash', () => {
  const spec = parse(`
version: 1.1
kind: component
inputs:
  - {name: lr, type: float, value: 0.1, isOptional: true}
  - {name: msg, type: str, value: "hello world", isOptional: true}
run:
  kind: job
  container:
    image: "python:3.11"
    command: [python, -c]
    args: ["print('{{ msg }}')", "--lr={{ lr }}"]
`);
  const e = render(spec);
  assert.equal(e.cmd, `python -c 'print('\\''hello world'\\'')' --lr=0.1`);
  assert.equal(e.build?.image, 'python:3.11');
  const string = parse(`
version: 1.1
kind: operation
params: {lr: {value: 0.5}}
component:
  inputs: [{name: lr, type: float}]
  run:
    kind: job
    container: {image: foo, command: "train --lr={{ lr }}"}
`);
  assert.equal(render(string).cmd, 'train --lr=0.5');
});

test('a template syntax error is reported at the field', () => {
  const r = parsePolyaxonfiles([
    { name: 'p.yml', text: 'version: 1\nkind: experiment\nrun:\n  cmd: "echo {{ unclosed"\n' },
  ]);
  assert.ok(!r.ok, '!r.ok');
  assert.equal(r.errors[0].path, 'run.cmd');
  assert.equal(r.errors[0].line, 4);
  assert.match(r.errors[0].expected, /valid template/);
});
