// The shell's lifecycle decisions (main/electron/lifecycle.ts, login-env.ts, tray-icon.ts): where the renderer
// comes from, what closing and quitting do and say, with a real engine for the work in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { Engine } from '../../main/engine/engine';
import {
  closeAction,
  currentWork,
  hasWork,
  preloadPath,
  suggestWorkerPath,
  quitPrompt,
  rendererSource,
  stopAll,
  trayTooltip,
  type Work,
} from '../../main/electron/lifecycle';
import { loginShellPath, mergePath, parseShellPath } from '../../main/electron/login-env';
import { CSP, contentSecurityPolicy } from '../../main/electron/security';
import { trayIconPng } from '../../main/electron/tray-icon';
import type { Experiment, Group } from '../../shared/domain';
import { isDone } from '../../shared/statuses';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const x = (id: number, backend: string, status = 'running', groupId: number | null = null) =>
  ({ id, backend, status, groupId }) as Experiment;
const g = (id: number, status = 'running') => ({ id, status }) as Group;
const NONE: Work = { active: [], queued: [], groups: [] };

test('rendererSource: the build over app://axon, or a loopback dev server only when not packaged', () => {
  const built = rendererSource({ appPath: '/opt/Axon/resources/app.asar', isPackaged: true });
  assert.deepEqual(built, {
    url: 'app://axon/index.html',
    appOrigin: 'app://axon',
    csp: CSP,
    rendererDir: path.join('/opt/Axon/resources/app.asar', 'dist', 'renderer'),
  });
  // A packaged app ignores AXON_DEV_URL.
  assert.deepEqual(
    rendererSource({ appPath: '/a', isPackaged: true, devUrl: 'http://localhost:5173' }).url,
    'app://axon/index.html',
  );
  const dev = rendererSource({ appPath: '/a', isPackaged: false, devUrl: 'http://localhost:5173' });
  assert.deepEqual(dev, {
    url: 'http://localhost:5173/',
    appOrigin: 'http://localhost:5173',
    csp: contentSecurityPolicy('http://localhost:5173/'),
    rendererDir: null,
  });
  assert.equal(
    rendererSource({ appPath: '/a', isPackaged: false, devUrl: 'http://127.0.0.1:4000/x' }).appOrigin,
    'http://127.0.0.1:4000',
  );
  for (const devUrl of [
    'https://example.com/',
    'http://192.168.1.5:5173/',
    'file:///tmp/index.html',
    'nonsense',
  ])
    assert.throws(() => rendererSource({ appPath: '/a', isPackaged: false, devUrl }), /AXON_DEV_URL/, devUrl);
  assert.equal(preloadPath('/app'), path.join('/app', 'dist', 'electron', 'preload.cjs'));
  // BO's worker is loaded by a worker thread from a plain file: unpacked once packaged.
  assert.equal(
    suggestWorkerPath('/opt/Axon/resources/app.asar'),
    path.join('/opt/Axon/resources/app.asar.unpacked', 'dist', 'electron', 'suggest-worker.cjs'),
  );
  assert.equal(suggestWorkerPath('/app'), path.join('/app', 'dist', 'electron', 'suggest-worker.cjs'));
});

test('quitPrompt says what happens to each backend, the queue and the sweeps; none when nothing runs', () => {
  assert.equal(quitPrompt(NONE, true), null);
  const work: Work = {
    active: [x(1, 'local'), x(2, 'local'), x(3, 'docker'), x(4, 'kubernetes')],
    queued: [x(5, 'local', 'created')],
    groups: [g(9)],
  };
  assert.equal(quitPrompt(work, false), null, 'a client of axon serve quits without asking');
  const p = quitPrompt(work, true)!;
  assert.equal(p.message, 'Quit Axon with 4 runs in progress, 1 queued?');
  assert.deepEqual(p.buttons, ['Quit, keep runs going', 'Stop all runs and quit', 'Cancel']);
  assert.equal(p.buttons[p.keep], 'Quit, keep runs going');
  assert.equal(p.buttons[p.stop], 'Stop all runs and quit');
  assert.equal(p.buttons[p.cancel], 'Cancel');
  assert.match(
    p.detail,
    /2 local processes keep running in the background\. Axon re-attaches them when it starts again/,
  );
  assert.match(p.detail, /1 Docker container keeps running\. Axon finds it again by label/);
  assert.match(p.detail, /1 Kubernetes run keeps running in the cluster/);
  assert.match(p.detail, /1 queued experiment will not start until Axon runs again/);
  assert.match(p.detail, /1 sweep will not schedule new trials/);
  assert.match(p.detail, /axon serve/);
  assert.equal(quitPrompt({ ...NONE, groups: [g(1)] }, true)!.message, 'Quit Axon with 1 unfinished sweep?');
});

test('closeAction hides to the tray while work is in flight, quits otherwise; macOS always hides', () => {
  const busy: Work = { ...NONE, queued: [x(1, 'local', 'created')] };
  assert.equal(closeAction({ platform: 'linux', hasTray: true, work: busy }), 'hide');
  assert.equal(closeAction({ platform: 'linux', hasTray: true, work: NONE }), 'quit');
  assert.equal(closeAction({ platform: 'win32', hasTray: false, work: busy }), 'quit');
  assert.equal(closeAction({ platform: 'darwin', hasTray: false, work: NONE }), 'hide');
  assert.equal(trayTooltip(NONE), 'Axon: nothing running');
  assert.equal(
    trayTooltip({ active: [x(1, 'local')], queued: [x(2, 'local'), x(3, 'local')], groups: [g(1)] }),
    'Axon: 1 running, 2 queued, 1 sweep',
  );
});

test('currentWork and stopAll against a real engine: a running local process, then stopped', async () => {
  const engine = await Engine.start({ home: tmp('axon-life-home-'), stopGraceMs: 300 });
  try {
    assert.equal(hasWork(await currentWork(engine)), false);
    const created = await engine.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: 'version: 1\nkind: experiment\nrun:\n  cmd: sleep 30\n' }],
      params: {},
      codePath: tmp('axon-life-code-'),
    });
    assert.equal(created.kind, 'experiment');
    const id = created.kind === 'experiment' ? created.experiment.id : 0;
    let work = NONE;
    for (let i = 0; i < 200 && !work.active.length; i++) {
      work = await currentWork(engine);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(
      work.active.map((e) => [e.id, e.backend]),
      [[id, 'local']],
    );
    assert.match(
      quitPrompt(work, true)!.detail,
      /^1 local process keeps running in the background\. Axon re-attaches it/,
    );
    await stopAll(engine, work);
    for (let i = 0; i < 200; i++) {
      if (isDone((await engine.call('experiments.get', { id })).status)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await engine.call('experiments.get', { id })).status, 'stopped');
    assert.equal(hasWork(await currentWork(engine)), false);
  } finally {
    await engine.idle();
    await engine.close();
  }
});

test('login shell PATH: parsed between markers, merged first without duplicates, bounded in time', async () => {
  assert.equal(parseShellPath('motd\n__AXON_LOGIN_PATH__/a:/b__AXON_LOGIN_PATH__\nbye'), '/a:/b');
  assert.equal(parseShellPath('no markers'), null);
  assert.equal(parseShellPath('__AXON_LOGIN_PATH____AXON_LOGIN_PATH__'), null);
  assert.equal(
    mergePath('/usr/bin:/bin', '/home/u/.pyenv/shims:/usr/bin', ':'),
    '/home/u/.pyenv/shims:/usr/bin:/bin',
  );
  assert.equal(mergePath('/usr/bin::/bin', null, ':'), '/usr/bin:/bin');
  assert.equal(await loginShellPath({ platform: 'win32', shell: '/bin/sh' }), null);
  // A real shell answers with its PATH.
  const sh = fs.existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
  const got = await loginShellPath({ shell: sh, timeoutMs: 5000 });
  assert.ok(got && got.includes('/'), String(got));
  // A shell whose profile hangs costs the time limit, not a hang.
  const dir = tmp('axon-shell-');
  const slow = path.join(dir, 'slowsh');
  fs.writeFileSync(slow, '#!/bin/sh\nsleep 10\n', { mode: 0o755 });
  const t0 = Date.now();
  assert.equal(await loginShellPath({ shell: slow, timeoutMs: 300 }), null);
  assert.ok(Date.now() - t0 < 3000, 'Date.now() - t0 < 3000');
});

test('the tray icon is a valid RGBA PNG of the asked size', () => {
  const png = trayIconPng(32);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.subarray(12, 16).toString('ascii'), 'IHDR');
  assert.equal(png.readUInt32BE(16), 32);
  assert.equal(png.readUInt32BE(20), 32);
  assert.equal(png[24], 8);
  assert.equal(png[25], 6);
  const idatAt = png.indexOf('IDAT');
  const raw = inflateSync(png.subarray(idatAt + 4, idatAt + 4 + png.readUInt32BE(idatAt - 4)));
  assert.equal(raw.length, 32 * (1 + 32 * 4));
  const alpha = (x: number, y: number) => raw[y * (1 + 32 * 4) + 1 + x * 4 + 3];
  assert.equal(alpha(0, 0), 0, 'corner transparent');
  assert.equal(alpha(16, 16), 255, 'centre dot opaque');
});
