// The local backend's shell wrapper (issue #14 §4): a job's command runs exactly as written (the same output as
// `bash -c` gives it), and nothing around it — the project folder's name, the run's name and tags, param values,
// environment values — is ever read as shell, through the launcher or spawned directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { LocalBackend } from '../../main/engine/backends/local/local-backend';
import { isDone } from '../../shared/statuses';
import { cleanCommand } from '../../shared/polyaxonfile/build';
import { experimentEnd, tmpDir, waitFor } from '../helpers';

const CANARY = path.join(tmpDir('axon-canary-'), 'pwned');
// Were any of these read as shell, $CANARY would be created (a path without `/`, so it can name a folder).
const HOSTILE_DIR = `it's "a" $(touch $CANARY) \`touch $CANARY\`; x\nline é 🧪`;
const HOSTILE_VALUE = `a'b"c $(touch $CANARY) \`touch $CANARY\` ; echo x \\ \n$HOME é 🧪 ${'v'.repeat(3000)}`;

// The user's own command: quotes, substitutions, a pipeline, a here-string. It must do exactly what bash does
// with it. (One line with single spaces: Polyaxon v0 tokenises `cmd` on whitespace, shared/polyaxonfile/build.ts.)
const CMD = [
  `printf '[%s]\\n' "a'b" 'c"d' "$(echo sub)" \`echo tick\``,
  'echo "x;y" | tr ";" "+"',
  'cat <<< "here $((1 + 2))"',
  'printf "%s\\n" "$PWD"',
  'printf "%s\\n" "$AXON_PARAMS"',
  'printf "%s\\n" "$HOSTILE_ENV"',
].join('; ');

test('the command runs as written; folder names, names, tags, params and env values stay data', async () => {
  const parent = tmpDir('axon-inj-');
  assert.equal(cleanCommand(CMD), CMD, 'the command is one Polyaxon leaves as it is');
  const dir = path.join(parent, HOSTILE_DIR);
  fs.mkdirSync(dir);
  process.env.HOSTILE_ENV = HOSTILE_VALUE;
  process.env.CANARY = CANARY;
  try {
    const expected = execFileSync('/bin/bash', ['-c', CMD], {
      cwd: dir,
      env: { ...process.env, AXON_PARAMS: JSON.stringify({ p: HOSTILE_VALUE }) },
      encoding: 'utf8',
    });
    for (const launcher of [true, false]) {
      const engine = await Engine.start({
        home: tmpDir(),
        backends: { local: new LocalBackend({ launcher }) },
      });
      try {
        const c = await engine.call('runs.create', {
          files: [
            {
              name: 'p.yml',
              text: [
                'version: 1',
                'kind: experiment',
                `tags: [${JSON.stringify(HOSTILE_VALUE)}, "$(touch x)"]`,
                'declarations:',
                `  p: ${JSON.stringify(HOSTILE_VALUE)}`,
                'run:',
                `  cmd: ${JSON.stringify(CMD)}`,
              ].join('\n'),
            },
          ],
          params: {},
          codePath: dir,
          name: HOSTILE_VALUE.slice(0, 200),
        });
        if (c.kind !== 'experiment') throw new Error('expected an experiment');
        const id = c.experiment.id;
        const x = await waitFor(
          async () => {
            const e = await engine.call('experiments.get', { id });
            return isDone(e.status) ? e : null;
          },
          30_000,
          'the run to end',
        );
        assert.equal(x.status, 'succeeded', `${x.statusReason}`);
        const log = (await engine.call('experiments.logs', { id })).text;
        assert.equal(log, expected, `launcher=${launcher}: the output bash -c gives`);
        assert.equal(fs.existsSync(CANARY), false, 'nothing was run from a value');
      } finally {
        await engine.close();
      }
    }
  } finally {
    delete process.env.HOSTILE_ENV;
    delete process.env.CANARY;
  }
});

test('`{{ p | quote }}` passes a hostile value to the command as one argument, run for real; `{{ p }}` is warned about', async () => {
  const dir = tmpDir('axon-inj-q-');
  // (Single spaces: v0 tokenises the rendered cmd on whitespace, as Polyaxon does, quotes or not.)
  const value = `a'b"c $(touch $CANARY) \`touch $CANARY\` ; echo x é 🧪`;
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const text = [
      'version: 1',
      'kind: experiment',
      'declarations:',
      `  p: ${JSON.stringify(value)}`,
      'run:',
      `  cmd: 'printf "[%s]\\n" {{ p | quote }}'`,
    ].join('\n');
    const c = await engine.call('runs.create', {
      files: [{ name: 'p.yml', text }],
      params: {},
      codePath: dir,
    });
    if (c.kind !== 'experiment') throw new Error('expected an experiment');
    assert.equal(c.warnings, undefined, 'quoted: nothing to warn about');
    const id = c.experiment.id;
    const x = await experimentEnd(engine, id, 30_000);
    assert.equal(x.status, 'succeeded', `${x.statusReason}`);
    assert.equal((await engine.call('experiments.logs', { id })).text, `[${value}]\n`);
    assert.equal(fs.existsSync(CANARY), false, 'nothing was run from the value');
    // The same value pasted in as text: runs.create warns, with the fix.
    const bare = await engine.call('runs.check', {
      files: [{ name: 'p.yml', text: text.replace('{{ p | quote }}', '{{ p }}') }],
      params: {},
    });
    assert.match(JSON.stringify(bare), /param p is .* which holds shell syntax.*write \{\{ p \| quote \}\}/);
  } finally {
    await engine.close();
  }
});
