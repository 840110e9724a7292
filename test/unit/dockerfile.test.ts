// The generated Dockerfile (main/engine/builder/dockerfile.ts): a pure function of the build spec and of
// which files the context holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_LANG,
  generateDockerfile,
  pickBuildFiles,
  quoteEnvValue,
  runInstruction,
} from '../../main/engine/builder/dockerfile';
import type { BuildSpec } from '../../shared/polyaxonfile/types';

const spec = (b: Partial<BuildSpec>): BuildSpec => ({ buildSteps: [], envVars: [], nocache: false, ...b });
const has = (...names: string[]) => ({ exists: (rel: string) => names.includes(rel) });
const instructions = (text: string) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));

test('a bare image: FROM, the locale, WORKDIR /code, then the code', () => {
  const df = generateDockerfile(spec({ image: 'python:3.11-slim' }), has());
  assert.deepEqual(instructions(df), [
    'FROM python:3.11-slim',
    `ENV LANG="${DEFAULT_LANG}" LC_ALL="${DEFAULT_LANG}"`,
    'WORKDIR /code',
    'COPY . /code',
  ]);
  assert.ok(df.endsWith('\n'), "df.endsWith('\\n')");
});

test('order: FROM, ENV, WORKDIR, requirement files copied, build steps, then the code', () => {
  const df = generateDockerfile(
    spec({
      image: 'registry:5000/team/img:1.0',
      envVars: [
        ['A', '1'],
        ['B', 'two'],
      ],
      buildSteps: ['pip install -r requirements.txt', './setup.sh'],
    }),
    has('requirements.txt', 'conda_env.yml', 'setup.sh', 'train.py'),
  );
  assert.deepEqual(instructions(df), [
    'FROM registry:5000/team/img:1.0',
    'ENV LANG="C.UTF-8" LC_ALL="C.UTF-8"',
    'ENV A="1"',
    'ENV B="two"',
    'WORKDIR /code',
    'COPY requirements.txt /code/requirements.txt',
    'COPY conda_env.yml /code/conda_env.yml',
    'COPY setup.sh /code/setup.sh',
    'RUN pip install -r requirements.txt',
    'RUN ./setup.sh',
    'COPY . /code',
  ]);
  // The requirements are copied before the build steps, and the code after them: editing the code keeps the
  // layers that install the requirements cached.
  const lines = instructions(df);
  const reqAt = lines.indexOf('COPY requirements.txt /code/requirements.txt');
  const stepAt = lines.indexOf('RUN pip install -r requirements.txt');
  const codeAt = lines.indexOf('COPY . /code');
  assert.ok(reqAt < stepAt && stepAt < codeAt, 'reqAt < stepAt && stepAt < codeAt');
  assert.equal(codeAt, lines.length - 1);
});

test('the requirement files are only copied: nothing installs them unless a build step does (as Polyaxon v0)', () => {
  const df = generateDockerfile(spec({ image: 'python:3' }), has('requirements.txt', 'polyaxon_setup.sh'));
  assert.ok(!/^RUN /m.test(df), df);
});

test('the first existing file of each group is copied; Polyaxon-prefixed names first', () => {
  assert.deepEqual(pickBuildFiles(has('requirements.txt', 'polyaxon_requirements.txt')), {
    requirements: 'polyaxon_requirements.txt',
    condaEnv: null,
    setup: null,
  });
  assert.deepEqual(
    pickBuildFiles(has('conda_env.yml', 'conda_env.yaml', 'polyaxon_conda_env.yml', 'setup.sh')),
    {
      requirements: null,
      condaEnv: 'polyaxon_conda_env.yml',
      setup: 'setup.sh',
    },
  );
  assert.equal(pickBuildFiles(has('conda_env.yml', 'conda_env.yaml')).condaEnv, 'conda_env.yaml');
  assert.equal(pickBuildFiles(has('polyaxon_setup.sh', 'setup.sh')).setup, 'polyaxon_setup.sh');
  // Files in subfolders do not count: the names are at the context root.
  assert.deepEqual(pickBuildFiles(has('sub/requirements.txt')), {
    requirements: null,
    condaEnv: null,
    setup: null,
  });
  const df = generateDockerfile(spec({ image: 'x' }), has('polyaxon_requirements.txt', 'requirements.txt'));
  assert.match(df, /^COPY polyaxon_requirements.txt \/code\/polyaxon_requirements.txt$/m);
  assert.doesNotMatch(df, /^COPY requirements.txt/m);
});

test('env values are quoted so the Dockerfile parser keeps them literal', () => {
  assert.equal(quoteEnvValue('plain'), '"plain"');
  assert.equal(quoteEnvValue(''), '""');
  assert.equal(quoteEnvValue('with space'), '"with space"');
  assert.equal(quoteEnvValue('say "hi"'), '"say \\"hi\\""');
  assert.equal(quoteEnvValue('$HOME and ${PATH}'), '"\\$HOME and \\${PATH}"');
  assert.equal(quoteEnvValue('C:\\dir\\'), '"C:\\\\dir\\\\"');
  assert.equal(quoteEnvValue("it's = ok # not a comment"), '"it\'s = ok # not a comment"');
  const df = generateDockerfile(spec({ image: 'x', envVars: [['MSG', 'a "b" $c \\d']] }), has());
  assert.match(df, /^ENV MSG="a \\"b\\" \\\$c \\\\d"$/m);
  // A trailing backslash cannot turn into a line continuation: the closing quote follows it.
  assert.ok(
    !instructions(generateDockerfile(spec({ image: 'x', envVars: [['E', 'end\\']] }), has())).some((l) =>
      l.endsWith('\\'),
    ),
  );
});

test('env values with a newline and invalid env names are refused with the name in the message', () => {
  assert.throws(
    () => generateDockerfile(spec({ image: 'x', envVars: [['K', 'a\nb']] }), has()),
    /env_vars: K: .*newline/,
  );
  assert.throws(
    () => generateDockerfile(spec({ image: 'x', envVars: [['BAD NAME', 'v']] }), has()),
    /"BAD NAME"/,
  );
  assert.throws(() => generateDockerfile(spec({ image: 'x', envVars: [['A=B', 'v']] }), has()), /"A=B"/);
  assert.throws(() => generateDockerfile(spec({ image: 'x', envVars: [['1A', 'v']] }), has()), /"1A"/);
});

test('lang_env sets LC_ALL, LANG and LANGUAGE as Polyaxon did', () => {
  const df = generateDockerfile(spec({ image: 'x', langEnv: 'en_US.UTF-8' }), has());
  assert.match(df, /^ENV LC_ALL="en_US.UTF-8" LANG="en_US.UTF-8" LANGUAGE="en_US.UTF-8"$/m);
  assert.doesNotMatch(df, /C\.UTF-8/);
});

test('build steps: one RUN each, blank ones dropped, a multi-line step in exec form', () => {
  assert.equal(runInstruction('  echo hi  '), 'RUN echo hi');
  const multi = 'set -e\nif true; then\n  echo "yes"\nfi\n';
  const ins = runInstruction(multi);
  assert.ok(ins.startsWith('RUN ['), "ins.startsWith('RUN [')");
  assert.deepEqual(JSON.parse(ins.slice(4)), ['/bin/sh', '-c', multi.trim()]);
  assert.ok(!ins.includes('\n'), "!ins.includes('\\n')");
  const df = generateDockerfile(spec({ image: 'x', buildSteps: ['a', '   ', '', 'b'] }), has());
  assert.deepEqual(
    instructions(df).filter((l) => l.startsWith('RUN')),
    ['RUN a', 'RUN b'],
  );
});

test('an image is required (a user dockerfile never reaches the generator); spaces in it are refused', () => {
  assert.throws(() => generateDockerfile(spec({ dockerfile: 'Dockerfile' }), has()), /no `image`/);
  assert.throws(() => generateDockerfile(spec({ image: 'bad image' }), has()), /spaces/);
});

test('the same spec and files always give the same text (it names the image)', () => {
  const s = spec({ image: 'x', envVars: [['A', '1']], buildSteps: ['echo 1'] });
  assert.equal(
    generateDockerfile(s, has('requirements.txt')),
    generateDockerfile(s, has('requirements.txt')),
  );
  assert.notEqual(generateDockerfile(s, has('requirements.txt')), generateDockerfile(s, has()));
});
