// What a Docker run leaves behind. Who owns what it writes in its outputs (a bind mount of the run's folder): a
// root container's files come home as the desktop user's, and an image whose USER is not root can write there
// at all; deleting the experiment then removes its folder. A container that could not start, and a kept one
// once its experiment is deleted, are removed. Skips, saying why, without Docker; fails naming it under CI=true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { paths } from '../../main/engine/home';
import { homeId } from '../../main/engine/backends/docker/docker-backend';
import { tmpDir, waitFor } from '../helpers';
import { need, skipOrFail } from '../requirements';
import {
  docker as dockerClient,
  dockerAvailable,
  endOf,
  project,
  removeTestImages,
  run,
  startDocker,
  ensureTestBusybox,
} from './helpers';

const noDocker = await dockerAvailable();
const skip = skipOrFail(noDocker);
const NOBODY = 'axon-test/busybox-nobody:1';

before(async () => {
  if (!noDocker) await ensureTestBusybox();
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
      const files = walk(out).slice(1); // what the run wrote: the folder itself is the engine's
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

test(
  'a container that could not start is removed, and a kept one goes with its experiment',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = dockerClient();
    const containersOf = (home: string, id: number) =>
      d.listContainers({ all: true, filters: { label: [`axon.home=${homeId(home)}`, `axon.run=${id}`] } });
    const was = process.env.AXON_DOCKER_KEEP_CONTAINERS;
    process.env.AXON_DOCKER_KEEP_CONTAINERS = '1';
    const home = tmpDir();
    const engine = await Engine.start({ home });
    try {
      const kept = await run(
        engine,
        project(['kind: experiment', 'build: {image: "axon-test/busybox:1"}', 'run: {cmd: echo kept}']),
      );
      assert.equal(kept.status, 'succeeded');
      assert.equal(
        (await containersOf(home, kept.id)).length,
        1,
        'kept, as AXON_DOCKER_KEEP_CONTAINERS asks',
      );
      await engine.call('experiments.delete', { id: kept.id });
      assert.deepEqual(await containersOf(home, kept.id), [], 'gone with its experiment');
    } finally {
      await engine.close();
      if (was === undefined) delete process.env.AXON_DOCKER_KEEP_CONTAINERS;
      else process.env.AXON_DOCKER_KEEP_CONTAINERS = was;
    }

    // This Docker has no GPU (CI's has none either): the start is refused after the container was created.
    const gpus = await d
      .info()
      .then((i: { Runtimes?: Record<string, unknown> }) => Object.keys(i.Runtimes ?? {}));
    if (gpus.includes('nvidia'))
      return t.diagnostic('this Docker has the nvidia runtime: the GPU start would work');
    const home2 = tmpDir();
    const engine2 = await Engine.start({ home: home2 });
    try {
      const x = await run(
        engine2,
        project([
          'kind: experiment',
          'build: {image: "axon-test/busybox:1"}',
          'environment: {resources: {gpu: {limits: 1}}}',
          'run: {cmd: echo never}',
        ]),
      );
      assert.equal(x.status, 'failed');
      assert.match(
        `${x.statusReason} ${x.statusMessage}`,
        /this Docker cannot give containers GPUs \(could not select device driver .*\): the run asks for them \(environment\.resources\.gpu\)\. Install the NVIDIA Container Toolkit/,
      );
      assert.deepEqual(await containersOf(home2, x.id), [], 'no Created container left behind');
    } finally {
      await engine2.close();
    }
  },
);

test(
  'a container removed outside Axon while it runs (docker rm -f) says so, not a plain exit code',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = dockerClient();
    const home = tmpDir();
    const engine = await Engine.start({ home });
    try {
      const p = project([
        'kind: experiment',
        'build: {image: "axon-test/busybox:1"}',
        'run: {cmd: echo up; sleep 60}',
      ]);
      const id = await startDocker(engine, p);
      await waitFor(async () => (await engine.call('experiments.logs', { id })).text.includes('up'), 120_000);
      const [c] = await d.listContainers({
        filters: { label: [`axon.home=${homeId(home)}`, `axon.run=${id}`] },
      });
      await d.getContainer(c.Id).remove({ force: true });
      const x = await endOf(engine, id);
      assert.equal(x.status, 'failed');
      assert.match(
        x.statusReason ?? '',
        /the container was removed outside Axon/,
        `${x.statusReason} ${x.statusMessage}`,
      );
    } finally {
      await engine.close();
    }
  },
);

test(
  'a root container whose outputs folder reads as the overflow uid (userns-remap) opens its files instead of a chown',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    // userns-remap cannot be set up under this Docker engine: the owner the container would see there (65534)
    // is named instead, as AXON_DOCKER_OUTPUTS_OWNER.
    const was = process.env.AXON_DOCKER_OUTPUTS_OWNER;
    process.env.AXON_DOCKER_OUTPUTS_OWNER = '65534:65534';
    const home = tmpDir();
    const engine = await Engine.start({ home });
    try {
      const x = await run(
        engine,
        project([
          'kind: experiment',
          'build: {image: "axon-test/busybox:1"}',
          'run:',
          '  cmd: mkdir $AXON_OUTPUTS_PATH/ckpt && echo w > $AXON_OUTPUTS_PATH/ckpt/model.txt',
        ]),
      );
      assert.equal(x.status, 'succeeded', `${x.statusReason} ${x.statusMessage}`);
      const out = path.join(paths(home).runDir(x.id), 'outputs');
      for (const f of walk(out).slice(1)) {
        const st = fs.statSync(f);
        assert.equal(st.uid, 0, `${f}: not given to the overflow uid`);
        assert.equal(st.mode & 0o006, 0o006, `${f} is writable by others`);
      }
    } finally {
      await engine.close();
      if (was === undefined) delete process.env.AXON_DOCKER_OUTPUTS_OWNER;
      else process.env.AXON_DOCKER_OUTPUTS_OWNER = was;
    }
  },
);
