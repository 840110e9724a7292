// Property: whatever the text, parsePolyaxonfiles returns {ok: true} or {ok: false, errors: [SpecError…]}
// and never throws nor hides an internal error; what it accepts renders without an internal error either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import {
  formatError,
  parsePolyaxonfiles,
  renderExperiment,
  spaceSize,
  type ParsedSpec,
  type Result,
  type SpecError,
} from '../../shared/polyaxonfile';
import { gridSuggestions } from '../../main/engine/sweeps/grid';
import { randomSuggestions } from '../../main/engine/sweeps/random';
import { Rng } from '../../shared/random';

const KEYS = [
  'version',
  'kind',
  'name',
  'tags',
  'logging',
  'level',
  'backend',
  'framework',
  'declarations',
  'params',
  'inputs',
  'outputs',
  'type',
  'default',
  'is_optional',
  'is_flag',
  'hptuning',
  'matrix',
  'concurrency',
  'seed',
  'values',
  'pvalues',
  'range',
  'linspace',
  'logspace',
  'geomspace',
  'uniform',
  'quniform',
  'loguniform',
  'qloguniform',
  'normal',
  'qnormal',
  'lognormal',
  'qlognormal',
  'grid_search',
  'random_search',
  'hyperband',
  'bo',
  'tpe',
  'asha',
  'n_experiments',
  'early_stopping',
  'metric',
  'value',
  'optimization',
  'policy',
  'build',
  'image',
  'dockerfile',
  'build_steps',
  'env_vars',
  'run',
  'cmd',
  'for',
  'if',
  'len',
  'do',
  'index',
  'cond',
  'else_do',
  'environment',
  'resources',
  'cpu',
  'memory',
  'gpu',
  'requests',
  'limits',
  'node_selector',
  'affinity',
  'tolerations',
  'replicas',
  'n_workers',
  'n_ps',
  'worker',
  'ps',
  'default_worker',
  'component',
  'operation',
  'container',
  'command',
  'args',
  'numRuns',
  'params',
  'kind',
  'operations',
  'components',
  'dependencies',
  'dagRef',
  'hubRef',
  'isOptional',
  'earlyStopping',
  'master',
  'chief',
  'launcher',
  '__proto__',
  'constructor',
  'toString',
  '0',
  '',
];
const STRINGS = [
  'experiment',
  'group',
  'job',
  'build',
  'notebook',
  'tensorboard',
  'component',
  'operation',
  'grid',
  'random',
  'hyperband',
  'bayes',
  'mapping',
  'hyperopt',
  'choice',
  'pchoice',
  'range',
  'uniform',
  'tensorflow',
  'pytorch',
  'horovod',
  'mxnet',
  'dag',
  'tfjob',
  'pytorchjob',
  'mpijob',
  'maximize',
  'Minimize',
  'INFO',
  '1:10:2',
  '0.1:0.01:5',
  '0:1:0.1',
  '{{ lr }}',
  '--lr={{ lr }}',
  '{{ units[0] }}',
  '{{',
  '{% if x %}',
  '{{ a.1.b }}',
  "{{ 'x' }}",
  '1e-3',
  '[1, 2]',
  'True',
  'None',
  'python:3.11',
  'a b',
  'x:y:z',
  '2Gi',
  '500m',
  '\\',
  'echo \\',
  '{% for i in range(3) %}{{ i }}{% endfor %}',
  '{{ lr | default(1) }}',
  '{# c #}',
];

const scalar = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 20 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, 1, 1.1, 0.5, -1, 1e308, Number.NaN, Infinity),
  fc.boolean(),
  fc.constant(null),
);

const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 4 }),
  map: fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 5 }),
})).map;

/** Documents shaped like polyaxonfiles: a version and kind most of the time, then random sections. */
const doc = fc
  .tuple(
    fc.option(fc.constantFrom(1, 1.1, '1.1', 0.6, 2), { nil: undefined }),
    fc.option(
      fc.constantFrom(
        'experiment',
        'group',
        'job',
        'build',
        'notebook',
        'tensorboard',
        'component',
        'operation',
      ),
      {
        nil: undefined,
      },
    ),
    tree,
  )
  .map(([version, kind, rest]) => {
    const out: Record<string, unknown> = {};
    if (version !== undefined) out.version = version;
    if (kind !== undefined) out.kind = kind;
    for (const [k, v] of Object.entries(rest)) if (k !== '__proto__') out[k] = v;
    return out;
  });

function dump(value: unknown): string {
  try {
    return stringify(value);
  } catch {
    return String(value);
  }
}

/** YAML-ish texts: fragments of real syntax glued with random indentation. */
const yamlish = fc
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom(...KEYS),
      fc.oneof(
        fc.constantFrom(...STRINGS),
        fc.constantFrom(
          '',
          '[',
          ']',
          '{',
          '- ',
          ': ',
          '&a',
          '*a',
          '!!str',
          '|',
          '>',
          '---',
          '...',
          '#',
          '"',
          "'",
        ),
      ),
    ),
    { maxLength: 15 },
  )
  .map((lines) => lines.map(([indent, key, value]) => `${' '.repeat(indent)}${key}: ${value}`).join('\n'));

function checkResult(r: Result<ParsedSpec>, names: string[]): void {
  assert.ok(r && typeof r === 'object', "r && typeof r === 'object'");
  if (r.ok) {
    assert.ok(r.value && typeof r.value === 'object', "r.value && typeof r.value === 'object'");
    return;
  }
  assert.ok(Array.isArray(r.errors) && r.errors.length > 0, 'a rejection carries errors');
  for (const e of r.errors as SpecError[]) {
    assert.ok(!/internal error/.test(e.found), e.message);
    assert.ok(names.includes(e.file) || e.file === '(command line)', e.file);
    assert.ok(
      Number.isInteger(e.line) && e.line >= 0 && Number.isInteger(e.column) && e.column >= 0,
      'Number.isInteger(e.line) && e.line >= 0 && Number.isInteger(e.column) && e.column >= 0',
    );
    assert.equal(typeof e.path, 'string');
    assert.equal(typeof e.expected, 'string');
    assert.equal(typeof e.found, 'string');
    assert.equal(e.message, formatError(e));
  }
}

function checkRender(spec: ParsedSpec): void {
  const h = spec.hptuning;
  let suggestions: Array<Record<string, unknown>> = [{}];
  if (h?.algorithm === 'mapping') suggestions = (h.mapping ?? []).slice(0, 2);
  else if (h && spaceSize(h.matrix) !== null) suggestions = gridSuggestions(h.matrix, 2);
  else if (h) suggestions = randomSuggestions(h.matrix, 2, new Rng(1));
  for (const s of suggestions) {
    const r = renderExperiment(spec, s);
    if (!r.ok) for (const e of r.errors) assert.ok(!/internal error/.test(e.found), e.message);
  }
}

// FUZZ_RUNS / FUZZ_SEED run a longer or different search locally.
const RUNS = {
  numRuns: Number(process.env.FUZZ_RUNS ?? 400),
  seed: Number(process.env.FUZZ_SEED ?? 20240611),
};

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/polyaxon');

/** One random edit deep inside a document: drop a key, replace a value, or add a key. */
type Edit = { path: number[]; op: 'drop' | 'set' | 'add'; key: string; value: unknown };
const edit = fc.record({
  path: fc.array(fc.nat(), { maxLength: 6 }),
  op: fc.constantFrom('drop', 'set', 'add'),
  key: fc.constantFrom(...KEYS),
  value: fc.oneof(scalar, tree),
}) as fc.Arbitrary<Edit>;

function applyEdit(doc: unknown, e: Edit): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const root = structuredClone(doc);
  let node: unknown = root;
  for (const step of e.path) {
    const children = Array.isArray(node) ? node : isObj(node) ? Object.values(node) : [];
    const next = children[step % Math.max(1, children.length)];
    if (typeof next !== 'object' || next === null) break;
    node = next;
  }
  if (Array.isArray(node)) {
    const i = e.path.length ? e.path[e.path.length - 1] % Math.max(1, node.length) : 0;
    if (e.op === 'drop') node.splice(i, 1);
    else if (e.op === 'set') node[i] = e.value;
    else node.push(e.value);
  } else if (isObj(node)) {
    const keys = Object.keys(node);
    const key = e.op === 'add' || !keys.length ? e.key : keys[(e.path[0] ?? 0) % keys.length];
    if (e.op === 'drop') delete node[key];
    else if (key !== '__proto__') node[key] = e.value;
  }
  return root;
}

test('random polyaxonfile-like documents never make the parser throw', () => {
  fc.assert(
    fc.property(
      doc,
      fc.dictionary(
        fc.constantFrom('lr', 'loss', 'flag', 'x y', 'n'),
        fc.constantFrom('1', 'true', '[1]', 'abc', '{'),
      ),
      (value, params) => {
        const text = dump(value);
        const r = parsePolyaxonfiles([{ name: 'p.yml', text }], { params });
        checkResult(r, ['p.yml']);
        if (r.ok) checkRender(r.value);
      },
    ),
    RUNS,
  );
});

test('random YAML-ish texts and merged pairs never make the parser throw', () => {
  fc.assert(
    fc.property(yamlish, fc.oneof(yamlish, doc.map(dump)), (a, b) => {
      checkResult(parsePolyaxonfiles([{ name: 'a.yml', text: a }]), ['a.yml']);
      const r = parsePolyaxonfiles([
        { name: 'a.yml', text: `version: 1\nkind: group\n${a}` },
        { name: 'b.yml', text: b },
      ]);
      checkResult(r, ['a.yml', 'b.yml']);
      if (r.ok) checkRender(r.value);
    }),
    RUNS,
  );
});

test('arbitrary unicode text never makes the parser throw', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
      checkResult(parsePolyaxonfiles([{ name: 'u.yml', text }]), ['u.yml']);
    }),
    RUNS,
  );
});

test('fixtures with random edits never make the parser or the renderer throw', () => {
  const docs = fs
    .readdirSync(fixtures)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => parse(fs.readFileSync(path.join(fixtures, f), 'utf8')) as unknown);
  assert.ok(docs.length >= 58, `${docs.length} fixtures in ${fixtures}`);
  fc.assert(
    fc.property(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 3 }), (pick, edits) => {
      const mutated = edits.reduce(applyEdit, docs[pick % docs.length]);
      const r = parsePolyaxonfiles([{ name: 'm.yml', text: dump(mutated) }]);
      checkResult(r, ['m.yml']);
      if (r.ok) checkRender(r.value);
    }),
    { ...RUNS, numRuns: RUNS.numRuns * 2 },
  );
});
