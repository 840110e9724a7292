// Choosing a project's folder through the API (the page has no native dialog): sub-folders, polyaxonfiles
// found (default names first, other YAML only when it reads like one), git state, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { ROOT, tmpDir } from '../helpers';

test('system.folder lists sub-folders, finds polyaxonfiles and git state; projects.files reads them', async () => {
  const dir = tmpDir('axon-folder-');
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, '.hidden'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, 'sweep.yaml'), 'version: 1\nkind: group\n');
  fs.writeFileSync(
    path.join(dir, 'polyaxonfile.yml'),
    'version: 1\nkind: experiment\nrun:\n  cmd: echo hi\n',
  );
  fs.writeFileSync(path.join(dir, 'config.yml'), 'learning_rate: 0.1\n');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const plain = await engine.call('system.folder', { path: dir });
    assert.equal(plain.path, dir);
    assert.equal(plain.parent, path.dirname(dir));
    assert.deepEqual(plain.dirs, ['data'], 'hidden folders and node_modules are left out');
    assert.deepEqual(
      plain.polyaxonfiles,
      ['polyaxonfile.yml', 'sweep.yaml'],
      'default name first; config.yml is no spec',
    );
    assert.equal(plain.git, null);
    assert.match(plain.suggestedName ?? '', /^axon-folder-/);

    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
    execFileSync(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'x'],
      {
        cwd: dir,
      },
    );
    const withGit = await engine.call('system.folder', { path: dir });
    assert.equal(withGit.git?.branch, 'main');
    assert.match(withGit.git?.commit ?? '', /^[0-9a-f]{40}$/);
    assert.equal(withGit.git?.dirty, true, 'the untracked files make it dirty');

    await assert.rejects(
      engine.call('system.folder', { path: path.join(dir, 'nope') }),
      /nope does not exist/,
    );
    await assert.rejects(
      engine.call('system.folder', { path: path.join(dir, 'config.yml') }),
      /config\.yml is not a folder/,
    );

    await engine.call('projects.create', { name: 'branin', codePath: path.join(ROOT, 'examples', 'branin') });
    const files = await engine.call('projects.files', { name: 'branin' });
    assert.deepEqual(
      files.map((f) => f.name),
      ['polyaxonfile.yml', 'experiment.yml'],
    );
    assert.equal(files[0].text, fs.readFileSync(path.join(ROOT, 'examples/branin/polyaxonfile.yml'), 'utf8'));
    await engine.call('projects.create', { name: 'nofolder' });
    assert.deepEqual(await engine.call('projects.files', { name: 'nofolder' }), []);
  } finally {
    await engine.close();
  }
});
