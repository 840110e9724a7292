// Who owns what a Docker run writes in its outputs (a bind mount of the run's folder): a root container's files
// come home as the desktop user's, and an image whose USER is not root can write there at all. Then deleting
// the experiment removes its folder. Skips, saying why, without Docker; fails naming it under CI=true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { paths } from '../../main/engine/home';
import { ROOT, tmpDir } from '../helpers';
import { need, skipOrFail } from '../requirements';
import { docker as dockerClient, dockerAvailable, project, removeTestImages, run } from './helpers';

const noDocker = await dockerAvailable();
const skip = skipOrFail(noDocker);
const NOBODY = 'axon-test/busybox-nobody:1';

// The busybox test image as the other Docker tests have it (its /bin/bash is what the wrapper runs).
before(async () => {
  if (noDocker) return;
  const there = await dockerClient()
    .getImage('axon-test/busybox:1')
    .inspect()
    .catch(() => null);
  if (!there)
    execFileSync('bash', [path.join(ROOT, 'test/docker/build-images.sh'), '--only', 'busybox'], {
      stdio: 'inherit',
    });
});

after(async () => {
  await removeTestImages();
  if (!noDocker)
    await dockerClient()
      .getImage(NOBODY)
      .remove()
      .catch(() => undefined);
});

/** Every file and folder under `dir`, with it. */
const walk = (dir: string): string[] => [
  dir,
  ...fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  }),
];

test(
  "a root container's outputs come home owned by the desktop user, and an image's non-root USER can write outputs",
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = dockerClient();
    // The busybox test image with USER nobody, as many published images (and Kubernetes-minded ones) are.
    const c = await d.createContainer({ Image: 'axon-test/busybox:1', Cmd: ['true'] });
    await c.commit({ repo: 'axon-test/busybox-nobody', tag: '1', changes: 'USER 65534' });
    await c.remove();

    // The tests run as root: a desktop user other than the container's is named, as a user's uid would be.
    const was = process.env.AXON_DOCKER_OUTPUTS_OWNER;
    process.env.AXON_DOCKER_OUTPUTS_OWNER = '1234:1235';
    const home = tmpDir();
    const engine = await Engine.start({ home });
    try {
      const rooted = await run(
        engine,
        project([
          'kind: experiment',
          'build: {image: "axon-test/busybox:1"}',
          'run:',
          '  cmd: id -u; mkdir -p $AXON_OUTPUTS_PATH/ckpt/deep && echo w > $AXON_OUTPUTS_PATH/ckpt/deep/model.txt',
        ]),
      );
      assert.equal(rooted.status, 'succeeded', `${rooted.statusReason} ${rooted.statusMessage}`);
      assert.match((await engine.call('experiments.logs', { id: rooted.id })).text, /^0$/m, 'ran as root');
      const out = path.join(paths(home).runDir(rooted.id), 'outputs');
      const files = walk(out);
      assert.ok(
        files.some((f) => f.endsWith('model.txt')),
        files.join(' '),
      );
      for (const f of files) {
        const st = fs.statSync(f);
        assert.deepEqual([st.uid, st.gid], [1234, 1235], `${f} is the desktop user's`);
      }

      const nobody = await run(
        engine,
        project([
          'kind: experiment',
          `build: {image: "${NOBODY}"}`,
          'run:',
          '  cmd: id -u; mkdir $AXON_OUTPUTS_PATH/ckpt && echo w > $AXON_OUTPUTS_PATH/ckpt/model.txt',
        ]),
      );
      assert.equal(nobody.status, 'succeeded', `${nobody.statusReason} ${nobody.statusMessage}`);
      assert.match(
        (await engine.call('experiments.logs', { id: nobody.id })).text,
        /^65534$/m,
        'ran as nobody',
      );
      const model = path.join(paths(home).runDir(nobody.id), 'outputs', 'ckpt', 'model.txt');
      assert.equal(fs.readFileSync(model, 'utf8'), 'w\n');
      // nobody cannot chown: its files are opened to every user instead, so the desktop user can remove them.
      assert.equal(fs.statSync(model).mode & 0o006, 0o006, 'the file is writable by others');

      for (const x of [rooted, nobody]) {
        const r = await engine.call('experiments.delete', { id: x.id });
        assert.deepEqual(r, { deleted: true });
        assert.equal(fs.existsSync(paths(home).runDir(x.id)), false, `run ${x.id}'s folder is gone`);
      }
    } finally {
      await engine.close();
      if (was === undefined) delete process.env.AXON_DOCKER_OUTPUTS_OWNER;
      else process.env.AXON_DOCKER_OUTPUTS_OWNER = was;
    }
  },
);
