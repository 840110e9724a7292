// Every real polyaxonfile of test/fixtures/polyaxon gets the verdict its README.md gives it, and each
// rejection names the field and the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePolyaxonfiles, type SpecError } from '../../shared/polyaxonfile';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repo, 'test/fixtures/polyaxon');
const INDEX = path.join(fixtures, 'README.md');

/** What a rejection must say: the dotted path, and a fragment of `expected` or `found`. */
type Reason = { path: string; says: RegExp };
const INVALID: Record<string, Reason[]> = {
  'polyaxon-schemas-v0.4.4__tests__fixtures__job_missing_build.yml': [
    { path: 'build', says: /required for a job/ },
  ],
  'polyaxon-schemas-v0.4.4__tests__fixtures__job_missing_run_exec.yml': [
    { path: 'run', says: /required for a job/ },
  ],
  'polyaxon-schemas-v0.4.4__tests__fixtures__missing_kind.yml': [{ path: 'kind', says: /a `kind`/ }],
  'polyaxon-schemas-v0.4.4__tests__fixtures__missing_version.yml': [{ path: 'version', says: /version: 1/ }],
  'polyaxon-schemas-v0.4.4__tests__fixtures__non_supported_file.yml': [
    { path: 'version', says: /found 0\.6/ },
    { path: 'run', says: /tensorboard accepts/ },
  ],
  'polyaxon-schemas-v0.4.4__tests__fixtures__notebook_run_exec_simple_file_with_cmd.yml': [
    { path: 'run', says: /notebook accepts/ },
  ],
  'polyaxon-schemas-v0.4.4__tests__fixtures__tensorboard_with_run_exec_section.yml': [
    { path: 'run', says: /tensorboard accepts/ },
  ],
  'polyaxon-schemas-v0.4.4__tests__fixtures__wrong_grid_matrix_file.yml': [
    { path: 'hptuning.matrix.lr.uniform', says: /grid search.*found 'uniform'/ },
    { path: 'environment.outputs.foo', says: /found 'foo'/ },
  ],
  'polyaxon-schemas-v0.5.6__tests__fixtures__typing__required_inputs.yml': [
    { path: 'inputs.0', says: /required input `loss`/ },
    { path: 'inputs.1', says: /required input `flag`/ },
  ],
  'polyaxon-schemas-v0.5.6__tests__fixtures__typing__untyped_params.yml': [
    { path: 'params.num_masks', says: /untyped params are not allowed/ },
  ],
  'polyaxon-v1.20.0__core__tests__fixtures__pipelines__cyclic_pipeline.yml': [
    { path: 'run.operations.1.dependencies.0', says: /without a cycle.*A → B → A/ },
  ],
  'polyaxon-v1.20.0__core__tests__fixtures__plain__job_missing_container.yml': [
    { path: 'run', says: /required for a component/ },
  ],
  'polyaxon-v1.20.0__core__tests__fixtures__plain__missing_kind.yml': [
    { path: 'kind', says: /component, operation/ },
  ],
  'polyaxon-v1.20.0__core__tests__fixtures__plain__non_supported_file.yml': [
    { path: 'version', says: /1\.1.*found 0\.4/ },
  ],
  'polyaxon-v1.20.0__core__tests__fixtures__typing__matrix_job_required_inputs_file_wrong_matrix_type.yml': [
    { path: 'matrix.params.lr.kind', says: /an hp kind.*found 'activation'/ },
  ],
  'polyaxon-v1.20.0__core__tests__fixtures__typing__untyped_params.yml': [
    { path: 'params.num_masks', says: /untyped params are not allowed/ },
    { path: 'version', says: /1\.1/ },
  ],
};

/** The verdicts the fixtures' README.md states, one per table row. */
function indexVerdicts(): Map<string, 'valid' | 'invalid'> {
  const index = fs.readFileSync(INDEX, 'utf8');
  const out = new Map<string, 'valid' | 'invalid'>();
  for (const line of index.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !cells[1].endsWith('.yml')) continue;
    out.set(cells[1], /INVALID/.test(cells[cells.length - 2]) ? 'invalid' : 'valid');
  }
  return out;
}

function read(name: string): Array<{ name: string; text: string }> {
  return [{ name, text: fs.readFileSync(path.join(fixtures, name), 'utf8') }];
}

function assertWellFormed(errors: SpecError[], file: string): void {
  assert.ok(errors.length > 0, 'a rejection carries at least one error');
  for (const e of errors) {
    assert.equal(e.file, file);
    assert.ok(e.line >= 1 && e.column >= 1, `${e.message} has a position`);
    assert.ok(!/internal error/.test(e.found), e.message);
    assert.equal(
      e.message,
      `${e.file}:${e.line}:${e.column}${e.path ? ` ${e.path}:` : ''} expected ${e.expected}, found ${e.found}`,
    );
  }
}

const verdicts = indexVerdicts();

test('the README lists every fixture file and the reasons here cover its INVALID ones', () => {
  assert.ok(verdicts.size >= 58, `${verdicts.size} fixtures listed`);
  const files = fs.readdirSync(fixtures).filter((f) => f.endsWith('.yml'));
  assert.deepEqual([...verdicts.keys()].sort(), files.sort());
  const invalid = [...verdicts].filter(([, v]) => v === 'invalid').map(([f]) => f);
  assert.deepEqual(invalid.sort(), Object.keys(INVALID).sort());
});

for (const [name, verdict] of verdicts) {
  test(`fixture ${name.replace(/^polyaxon-/, '')} is ${verdict}`, () => {
    const r = parsePolyaxonfiles(read(name));
    if (verdict === 'valid') {
      assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
      return;
    }
    assert.ok(!r.ok, `${name} must be rejected`);
    assertWellFormed(r.errors, name);
    for (const reason of INVALID[name]) {
      const hit = r.errors.find(
        (e) => e.path === reason.path && reason.says.test(`${e.expected}, found ${e.found}`),
      );
      assert.ok(
        hit,
        `expected an error at ${reason.path} matching ${reason.says}; got:\n${r.errors.map((e) => e.message).join('\n')}`,
      );
    }
  });
}

test('typing/required_inputs.yml becomes valid with -P loss=... -P flag=true', () => {
  const name = 'polyaxon-schemas-v0.5.6__tests__fixtures__typing__required_inputs.yml';
  const r = parsePolyaxonfiles(read(name), { params: { loss: 'MeanSquaredError', flag: 'true' } });
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  assert.deepEqual(r.value.params, { loss: 'MeanSquaredError', flag: true });
});

test('typing/required_inputs.yml: an unknown -P name and a mistyped -P value are errors', () => {
  const name = 'polyaxon-schemas-v0.5.6__tests__fixtures__typing__required_inputs.yml';
  const r = parsePolyaxonfiles(read(name), { params: { loss: 'x', flag: '3', lr: '0.1' } });
  assert.ok(!r.ok, '!r.ok');
  const lr = r.errors.find((e) => e.path === '-P lr');
  assert.ok(
    lr && lr.file === '(command line)' && /declared input/.test(lr.expected),
    JSON.stringify(r.errors),
  );
  assert.ok(
    r.errors.some((e) => e.path === '-P flag' && /true or false/.test(e.expected)),
    "r.errors.some((e) => e.path === '-P flag' && /true or false/.test(e.expected))",
  );
});

test('fixture shapes: what the valid files map to', () => {
  const parse = (name: string) => {
    const r = parsePolyaxonfiles(read(name));
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
    return r.value;
  };
  const ignored = parse('polyaxon-schemas-v0.4.4__tests__fixtures__matrix_file_ignored_n_experiments.yml');
  assert.equal(ignored.hptuning?.algorithm, 'random');
  assert.equal(ignored.hptuning?.nExperiments, 300);
  assert.equal(ignored.hptuning?.concurrency, 2);

  const es = parse('polyaxon-schemas-v0.4.4__tests__fixtures__matrix_file_early_stopping.yml');
  assert.deepEqual(es.hptuning?.earlyStopping, [
    { kind: 'metric', metric: 'loss', value: 0.01, optimization: 'maximize' },
  ]);
  assert.deepEqual(es.hptuning?.metric, { name: 'loss', optimization: 'maximize' });

  const types = parse('polyaxon-schemas-v0.4.4__tests__fixtures__matrix_file_with_int_float_types.yml');
  assert.deepEqual(types.hptuning?.matrix, {
    param1: { kind: 'values', values: [1, 2] },
    param2: { kind: 'values', values: [3.3, 4.4] },
  });
  assert.ok(
    Number.isInteger((types.hptuning?.matrix.param1 as { values: number[] }).values[0]),
    'Number.isInteger((types.hptuning?.matrix.param1 as { values: number[] }).values[0])',
  );

  const tf = parse('polyaxon-schemas-v0.4.4__tests__fixtures__distributed_tensorflow_file.yml');
  const replicas = tf.environment?.replicas;
  assert.equal(replicas?.nWorkers, 5);
  assert.equal(replicas?.nPs, 10);
  // Indexed entries replace the default wholesale: worker 3 has no tolerations and no cpu.
  assert.deepEqual(replicas?.worker[3], { resources: { memory: { requests: 300, limits: 300 } } });
  assert.deepEqual(replicas?.ps[9], { resources: { memory: { requests: 512, limits: 1024 } } });
  assert.equal(replicas?.defaultPs?.resources?.cpu?.limits, 4);

  const tags = parse('polyaxon-schemas-v0.4.4__tests__fixtures__run_exec_matrix_sampling_file.yml');
  assert.deepEqual(tags.tags, ['foo', 'bar']);
  assert.deepEqual(tags.logging, { level: 'INFO' });
  assert.deepEqual(tags.hptuning?.matrix.dropout, { kind: 'qloguniform', low: 0, high: 0.8, q: 0.1 });

  const hb = parse('polyaxon-v1.20.0__core__tests__fixtures__plain__matrix_job_file.yml');
  assert.equal(hb.kind, 'group');
  assert.equal(hb.runKind, 'job');
  assert.equal(hb.hptuning?.algorithm, 'hyperband');
  assert.deepEqual(hb.hptuning?.hyperband, {
    maxIter: 10,
    eta: 3,
    resource: { name: 'steps', type: 'int' },
    resume: false,
  });
  assert.deepEqual(hb.hptuning?.metric, { name: 'loss', optimization: 'minimize' });
  assert.deepEqual(hb.hptuning?.matrix.activation, {
    kind: 'pvalues',
    values: [
      ['relu', 0.1],
      ['sigmoid', 0.8],
    ],
  });

  const random = parse('polyaxon-v1.20.0__core__tests__fixtures__plain__matrix_job_file_early_stopping.yml');
  assert.equal(random.hptuning?.nExperiments, 300);
  assert.deepEqual(random.hptuning?.earlyStopping, [
    { kind: 'metric', metric: 'loss', value: 0.01, optimization: 'maximize' },
  ]);

  const mapping = parse(
    'polyaxon-v1.20.0__core__tests__fixtures__plain__mapping_job_file_early_stopping.yml',
  );
  assert.equal(mapping.hptuning?.algorithm, 'mapping');
  assert.deepEqual(mapping.hptuning?.mapping?.[1], { lr: 0.1, loss: 'AbsoluteDifference' });

  const tfjob = parse('polyaxon-v1.20.0__core__tests__fixtures__plain__distributed_tensorflow_file.yml');
  assert.equal(tfjob.kind, 'experiment');
  assert.equal(tfjob.runKind, 'tfjob');
  assert.equal(tfjob.framework, 'tensorflow');
  assert.equal(tfjob.environment?.replicas?.nWorkers, 5);
  assert.equal(tfjob.environment?.replicas?.nPs, 10);
  assert.equal(tfjob.environment?.replicas?.defaultPs?.resources?.memory?.limits, 256);

  const dag = parse('polyaxon-v1.20.0__core__tests__fixtures__pipelines__simple_dag_pipeline.yml');
  assert.equal(dag.runKind, 'dag');
  assert.equal(dag.kind, 'experiment');
});
