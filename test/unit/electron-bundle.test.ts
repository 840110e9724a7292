// The shell as it ships: main/electron/build.mjs bundles main.ts and preload.ts with esbuild; the preload
// bundle is then run against the real IPC transport and a real engine, and the main bundle is run in a child
// Node process with a fake `electron` module (the real binary cannot be downloaded here), so its wiring is
// exercised: window options, the app:// protocol and CSP, navigation and permission handlers, IPC with the
// sender check, the engine it starts, hide-to-tray, and the quit question with runs left running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../main/engine/engine';
import { registerIpc, trustedFrame, type IpcEventLike, type IpcMainLike } from '../../main/electron/ipc';
import { APP_ORIGIN } from '../../main/electron/security';
import { toApiError, ApiError, type AxonApi, type Events } from '../../shared/api';
import { parsePolyaxonfiles } from '../../shared/polyaxonfile';
import { runStep } from '../../main/engine/sweeps/make-searcher';
import type { SweepTrial } from '../../main/engine/sweeps/searcher';
import {
  stepSearcher,
  suggestWorkerSource,
  useSuggestWorkerFile,
} from '../../main/engine/sweeps/searcher-thread';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A fake app folder, laid out as electron-builder packs it: the bundles in dist/electron, the renderer build.
let appPath = '';
let out = '';

before(() => {
  appPath = tmp('axon-app-');
  out = path.join(appPath, 'dist', 'electron');
  fs.mkdirSync(path.join(appPath, 'dist', 'renderer'), { recursive: true });
  fs.writeFileSync(
    path.join(appPath, 'dist', 'renderer', 'index.html'),
    '<!doctype html><title>Axon</title>',
  );
  execFileSync(process.execPath, [path.join(ROOT, 'main/electron/build.mjs'), '--outdir', out], {
    stdio: 'pipe',
  });
});
after(() => fs.rmSync(appPath, { recursive: true, force: true }));

const BUILTINS = new Set((await import('node:module')).builtinModules.flatMap((m) => [m, `node:${m}`]));
const requires = (file: string) =>
  new Set([...fs.readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));

test('the bundles: preload needs only electron; main only electron, sqlite3 and optional natives', () => {
  const preload = path.join(out, 'preload.cjs');
  const main = path.join(out, 'main.cjs');
  assert.deepEqual([...requires(preload)], ['electron']);
  assert.ok(fs.statSync(preload).size < 16 * 1024, 'the preload stays tiny');
  const text = fs.readFileSync(main, 'utf8');
  assert.ok(!/import\.meta/.test(text), 'no import.meta left in a CJS bundle');
  // PACKAGE_ROOT is the Electron one (app.asar.unpacked once packaged), not the package.json walk.
  // (`var` inline, or assigned in the module's lazy initialiser when the engine is loaded on first use.)
  assert.match(text, /\bPACKAGE_ROOT = unpackedRoot\(__axonAppDir\)/);
  assert.ok(
    !text.includes("Axon's package.json was not found"),
    '!text.includes("Axon\'s package.json was not found")',
  );
  const external = [...requires(main)].filter((r) => !BUILTINS.has(r)).sort();
  // Optional dependencies that their packages require inside try/catch and do without.
  const optional = [
    './crypto/build/Release/sshcrypto.node',
    'bufferutil',
    'chokidar',
    'cpu-features',
    'supports-color',
    'utf-8-validate',
  ];
  assert.deepEqual(
    external.filter((r) => !optional.includes(r)),
    ['./kube.cjs', 'electron', 'sqlite3'],
  );
  assert.ok(fs.statSync(main).size < 8 * 1024 * 1024, 'the Kubernetes client is not parsed at every start');
  // kube.cjs: @kubernetes/client-node alone, loaded on first use; node-fetch inside it tries `encoding` in a
  // try/catch for textConverted() only.
  const kube = path.join(out, 'kube.cjs');
  assert.deepEqual(
    [...requires(kube)].filter((r) => !BUILTINS.has(r) && !optional.includes(r) && r !== 'encoding'),
    [],
  );
  const { KubeConfig } = createRequire(import.meta.url)(kube) as typeof import('@kubernetes/client-node');
  assert.equal(typeof new KubeConfig().loadFromString, 'function', 'kube.cjs exports the client');
});

test("BO's worker bundle (suggest-worker.cjs): a worker thread started from it gives the in-process step", async (t) => {
  const file = path.join(out, 'suggest-worker.cjs');
  const external = [...requires(file)].filter((r) => !BUILTINS.has(r));
  // nunjucks (templating, in the polyaxonfile code) requires chokidar in a try/catch, for watching only.
  assert.deepEqual(external, ['chokidar']);
  assert.ok(!/import\.meta/.test(fs.readFileSync(file, 'utf8')), 'no import.meta left in a CJS bundle');
  // What main.ts does at start, with the app folder laid out as packaged.
  await useSuggestWorkerFile(file);
  t.after(() => useSuggestWorkerFile(null));
  assert.equal(suggestWorkerSource(), file);
  const text = [
    'version: 1',
    'kind: group',
    'hptuning:',
    '  concurrency: 3',
    '  matrix:',
    '    lr: {loguniform: [-9, -1]}',
    '    layers: {range: [1, 6, 1]}',
    '    optimizer: {values: [sgd, adam]}',
    '  bo: {n_initial_trials: 5, n_iterations: 10, metric: {name: loss, optimization: minimize}}',
    'run:',
    '  cmd: train',
  ].join('\n');
  const parsed = parsePolyaxonfiles([{ name: 'polyaxonfile.yml', text }]);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  const search = parsed.value.hptuning!;
  const first = runStep(search, 5, undefined, [], 8);
  const trials: SweepTrial[] = first.proposals.map((p, i) => ({
    id: i + 1,
    params: p.params,
    meta: p.meta,
    status: i < 7 ? 'succeeded' : 'running',
    value: i < 7 ? Math.abs(Math.log10(p.params.lr as number) + 3) + (p.params.layers as number) / 10 : null,
  }));
  const inProcess = await stepSearcher(search, 5, first.state, trials, 2, { inProcess: true });
  const onWorker = await stepSearcher(search, 5, first.state, trials, 2);
  assert.equal(onWorker.proposals.length, 2);
  assert.deepEqual(onWorker, inProcess);
});

type Handler = (event: IpcEventLike, ...args: unknown[]) => unknown;

test('the bundled preload exposes window.axon only, and it works over IPC with a real engine', async () => {
  const engine = await Engine.start({ home: tmp('axon-preload-home-'), stopGraceMs: 300 });
  const handlers = new Map<string, Handler>();
  const mainListeners = new Map<string, Handler>();
  const fakeMain: IpcMainLike = {
    handle: (ch, h) => void handlers.set(ch, h),
    removeHandler: (ch) => void handlers.delete(ch),
    on: (ch, l) => mainListeners.set(ch, l),
    removeListener: (ch) => mainListeners.delete(ch),
  };
  // One webContents whose page is the preload: main's sends reach the preload's ipcRenderer listeners.
  const page = new EventEmitter();
  const wc = Object.assign(new EventEmitter(), {
    id: 1,
    isDestroyed: () => false,
    send: (ch: string, msg: unknown) => setImmediate(() => page.emit(ch, {}, structuredClone(msg))),
  });
  const event = { sender: wc, senderFrame: { url: 'app://axon/index.html', parent: null } };
  const reg = registerIpc(fakeMain, engine, trustedFrame(APP_ORIGIN), { flushDelayMs: 2 });
  const exposed: Record<string, unknown> = {};
  const electron = {
    contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) },
    ipcRenderer: {
      on: (ch: string, l: (...a: unknown[]) => void) => page.on(ch, l),
      send: (ch: string, msg: unknown) => mainListeners.get(ch)?.(event, structuredClone(msg)),
      invoke: async (ch: string, msg: unknown) =>
        structuredClone(await handlers.get(ch)!(event, structuredClone(msg))),
    },
  };
  const code = fs.readFileSync(path.join(out, 'preload.cjs'), 'utf8');
  // As in a sandboxed preload: a require that knows 'electron' and nothing else.
  vm.runInNewContext(code, {
    require: (m: string) => {
      if (m !== 'electron') throw new Error(`the preload required ${m}`);
      return electron;
    },
    console,
  });
  try {
    assert.deepEqual(Object.keys(exposed), ['axon']);
    const axon = exposed.axon as AxonApi;
    assert.deepEqual(Object.keys(axon).sort(), ['call', 'chooseFolder', 'on']);
    assert.deepEqual(await axon.call('projects.list', {}), []);
    const err = await axon.call('projects.create', { name: '../x' }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err && !(err instanceof Error), 'a plain object crosses the bridge');
    assert.equal((err as { code: string }).code, 'invalid_input');
    const apiErr = toApiError(err);
    assert.ok(apiErr instanceof ApiError, 'apiErr instanceof ApiError');
    assert.equal(apiErr.code, 'invalid_input');

    const seen: Array<Events['experiments.changed']> = [];
    const logs: string[] = [];
    const offChanged = axon.on('experiments.changed', (p) => seen.push(p));
    const offLogs = axon.on('logs.appended', (p) => logs.push(p.text));
    const offLogs2 = axon.on('logs.appended', () => undefined);
    await sleep(20);
    assert.equal(engine.events.listenerCount('logs.appended'), 1, 'one subscription per event per page');
    await axon.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: 'version: 1\nkind: experiment\nrun:\n  cmd: echo hi\n' }],
      params: {},
      codePath: tmp('axon-preload-code-'),
    });
    for (let i = 0; i < 400 && !seen.some((p) => p.experiment.status === 'succeeded'); i++) await sleep(25);
    assert.ok(
      seen.some((p) => p.experiment.status === 'succeeded'),
      JSON.stringify(seen.map((p) => p.experiment.status)),
    );
    for (let i = 0; i < 100 && !logs.join('').includes('hi'); i++) await sleep(25);
    assert.match(logs.join(''), /hi/);
    offLogs();
    await sleep(20);
    assert.equal(engine.events.listenerCount('logs.appended'), 1, 'still one listener of logs on the page');
    offLogs2();
    offChanged();
    offChanged(); // twice is harmless
    await sleep(20);
    assert.equal(engine.events.listenerCount('logs.appended'), 0);
    assert.equal(reg.connections, 0);
  } finally {
    reg.dispose();
    await engine.idle();
    await engine.close();
  }
});

// The fake `electron` for the main bundle, and the script that drives it; results come back as JSON.
const RUNNER = String.raw`
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const log = [];
const rec = (...a) => log.push(a);
const windows = [];
let wcId = 0;
const ev = () => ({ defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } });
class App extends EventEmitter {
  isPackaged = true;
  requestSingleInstanceLock() { rec('requestSingleInstanceLock'); return true; }
  enableSandbox() { rec('enableSandbox'); }
  whenReady() { return Promise.resolve(); }
  getAppPath() { return process.env.FAKE_APP_PATH; }
  quit() {
    rec('quit');
    const e = ev();
    this.emit('before-quit', e);
    if (e.defaultPrevented) return;
    rec('quit-proceeds');
    for (const w of [...windows]) w.close();
  }
  exit(code) { rec('exit', code); }
}
const app = new App();
class WebContents extends EventEmitter {
  id = ++wcId; sent = [];
  send(ch, m) { this.sent.push([ch, m]); }
  isDestroyed() { return false; }
  setWindowOpenHandler(h) { this.windowOpenHandler = h; }
}
class BrowserWindow extends EventEmitter {
  constructor(opts) {
    super(); this.opts = opts; this.webContents = new WebContents(); this.visible = false; this.destroyed = false;
    windows.push(this); app.emit('web-contents-created', ev(), this.webContents);
  }
  loadURL(u) { this.url = u; setImmediate(() => this.emit('ready-to-show')); return Promise.resolve(); }
  show() { this.visible = true; rec('show'); }
  hide() { this.visible = false; rec('hide'); }
  focus() {} restore() {} isMinimized() { return false; }
  isVisible() { return this.visible; } isDestroyed() { return this.destroyed; }
  close() { const e = ev(); this.emit('close', e); if (!e.defaultPrevented) { this.destroyed = true; rec('closed'); this.emit('closed'); } }
}
const ipcHandlers = new Map();
const ses = {
  setPermissionRequestHandler(h) { this.request = h; },
  setPermissionCheckHandler(h) { this.check = h; },
  webRequest: { onHeadersReceived(h) { ses.headers = h; } },
};
const protocolHandlers = new Map();
class Tray extends EventEmitter {
  constructor(img) { super(); rec('tray', img.buf.length, img.opts); this.destroyed = false; }
  setToolTip(t) { this.tooltip = t; } setContextMenu(m) { this.menu = m; }
  isDestroyed() { return this.destroyed; } destroy() { this.destroyed = true; rec('tray-destroyed'); }
}
let tray;
const electron = {
  app,
  BrowserWindow,
  ipcMain: {
    handle: (ch, h) => ipcHandlers.set(ch, h), removeHandler: (ch) => ipcHandlers.delete(ch),
    on: () => undefined, removeListener: () => undefined,
  },
  protocol: {
    registerSchemesAsPrivileged: (s) => rec('schemes', s),
    handle: (scheme, h) => protocolHandlers.set(scheme, h),
  },
  session: { defaultSession: ses },
  net: { fetch: async (url) => new Response(fs.readFileSync(new URL(url)), { headers: { 'content-type': 'text/html' } }) },
  shell: { openExternal: async (u) => rec('openExternal', u) },
  dialog: {
    showMessageBox: async (a, b) => { rec('dialog', b ?? a); return { response: 0 }; },
    showErrorBox: (t, m) => rec('errorBox', t, m),
    showOpenDialog: async (w, o) => { rec('openDialog', o ?? w); return { canceled: false, filePaths: ['/home/me/code/branin'] }; },
  },
  Menu: { buildFromTemplate: (t) => t },
  nativeImage: { createFromBuffer: (buf, opts) => ({ buf, opts }) },
  Tray: class extends Tray { constructor(i) { super(i); tray = this; } },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'electron' ? 'electron' : resolve.call(this, request, ...rest);
};
require.cache.electron = { id: 'electron', filename: 'electron', loaded: true, exports: electron };

const wait = async (fn, what, ms = 20000) => {
  const deadline = Date.now() + ms;
  for (;;) { const v = await fn(); if (v) return v; if (Date.now() > deadline) throw new Error('timed out: ' + what); await new Promise((r) => setTimeout(r, 25)); }
};
const has = (name) => log.some((l) => l[0] === name);

(async () => {
  const r = {};
  require(process.env.MAIN_BUNDLE);
  const win = await wait(() => windows[0], 'the window');
  await wait(() => has('show'), 'the window shown');
  r.early = log.filter((l) => ['requestSingleInstanceLock', 'enableSandbox', 'schemes'].includes(l[0]));
  r.webPreferences = win.opts.webPreferences;
  r.url = win.url;
  const home = process.env.AXON_HOME;
  r.engineJsonMode = (fs.statSync(path.join(home, 'engine.json')).mode & 0o777).toString(8);

  // The renderer over app://, with the CSP header; a traversal is refused.
  const handler = protocolHandlers.get('app');
  const page = await handler(new Request('app://axon/index.html'));
  r.page = { status: page.status, csp: page.headers.get('content-security-policy'), nosniff: page.headers.get('x-content-type-options'), body: await page.text() };
  r.route = await (await handler(new Request('app://axon/projects/x'))).text();
  r.traversal = (await handler(new Request('app://axon/..%2F..%2Fetc%2Fpasswd'))).status;
  r.missing = (await handler(new Request('app://axon/nope.js'))).status;

  // Session: CSP on responses, permissions denied.
  r.headers = await new Promise((res) => ses.headers({ url: 'app://axon/', responseHeaders: { 'content-security-policy': ['default-src *'] } }, res));
  r.permission = await new Promise((res) => ses.request(win.webContents, 'media', res, {}));
  r.permissionCheck = ses.check(win.webContents, 'notifications', 'app://axon', {});

  // Navigation and new windows.
  const wc = win.webContents;
  r.open = [wc.windowOpenHandler({ url: 'https://example.com/doc' }), wc.windowOpenHandler({ url: 'app://axon/x' })];
  const nav = (name, url) => { const e = { ...ev(), url }; wc.emit(name, e); return e.defaultPrevented; };
  r.navigate = {
    app: nav('will-navigate', 'app://axon/projects'),
    http: nav('will-navigate', 'http://example.com/'),
    https: nav('will-navigate', 'https://example.com/x'),
    js: nav('will-navigate', 'javascript:alert(1)'),
    file: nav('will-navigate', 'file:///etc/passwd'),
    frame: nav('will-frame-navigate', 'https://example.com/'),
    redirect: nav('will-redirect', 'https://example.com/'),
  };
  const webview = ev(); wc.emit('will-attach-webview', webview, {}, {}); r.webviewPrevented = webview.defaultPrevented;
  r.openedExternally = log.filter((l) => l[0] === 'openExternal').map((l) => l[1]);

  // IPC: the app frame may call, another may not.
  const call = ipcHandlers.get('axon:call');
  const appFrame = { sender: wc, senderFrame: { url: 'app://axon/index.html', parent: null } };
  r.channels = [...ipcHandlers.keys()].sort();
  r.projects = await call(appFrame, { method: 'projects.list', input: {} });
  r.evil = await call({ sender: wc, senderFrame: { url: 'https://evil.example/', parent: null } }, { method: 'projects.list', input: {} });
  r.folder = await ipcHandlers.get('axon:choose-folder')(appFrame, {});
  r.kube = await call(appFrame, { method: 'clusters.kubeContexts', input: {} });
  r.folderDialog = log.find((l) => l[0] === 'openDialog')?.[1];

  // A run that outlives the app: closing the window hides it to the tray, quitting asks and keeps it running.
  const created = await call(appFrame, { method: 'runs.create', input: { files: [{ name: 'polyaxonfile.yml', text: 'version: 1\nkind: experiment\nrun:\n  cmd: sleep 30\n' }], codePath: process.env.CODE_PATH } });
  const id = created.result.experiment.id;
  await wait(async () => (await call(appFrame, { method: 'experiments.get', input: { id } })).result.status === 'running', 'the run running');
  const runDir = path.join(home, 'runs', String(id));
  const pidFile = await wait(() => fs.readdirSync(runDir).find((f) => /^job-.*\.pid$/.test(f)), 'the pid file');
  r.pid = Number(await wait(() => fs.readFileSync(path.join(runDir, pidFile), 'utf8').trim(), 'the pid'));
  try {
    // The command's own process (the wrapper's child): a wrapper forked by the local launcher keeps the
    // launcher's initial environment in /proc, and exports the job's only to what it runs.
    const child = await wait(() => fs.readFileSync('/proc/' + r.pid + '/task/' + r.pid + '/children', 'utf8').trim().split(' ')[0], 'the command process');
    const env = fs.readFileSync('/proc/' + child + '/environ', 'utf8').split('\0');
    r.pythonPath = (env.find((e) => e.startsWith('PYTHONPATH=')) || '').slice('PYTHONPATH='.length);
  } catch { r.pythonPath = null; } // no /proc here
  win.close();
  await wait(() => has('hide'), 'hide to tray');
  r.closedOnHide = has('closed');
  r.tray = { created: has('tray'), tooltip: await wait(() => tray.tooltip === 'Axon: 1 running' && tray.tooltip, 'the tooltip') };
  app.quit();
  await wait(() => has('quit-proceeds'), 'quit', 30000);
  r.dialog = log.find((l) => l[0] === 'dialog')[1];
  r.closed = has('closed');
  r.trayDestroyed = has('tray-destroyed');
  r.lockLeft = fs.existsSync(path.join(home, 'engine.lock'));
  r.engineJsonLeft = fs.existsSync(path.join(home, 'engine.json'));
  r.ipcAfterQuit = ipcHandlers.size;
  try { process.kill(r.pid, 0); r.runAlive = true; } catch { r.runAlive = false; }
  fs.writeFileSync(process.env.RESULT_FILE, JSON.stringify(r, null, 1));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`;

test('the bundled main process, with a fake electron module: its whole wiring', async () => {
  const home = tmp('axon-main-home-');
  const kubeconfig = path.join(tmp('axon-main-kube-'), 'config');
  fs.writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: laptop',
      'clusters: [{name: kind, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: me, user: {token: t}}]',
      'contexts: [{name: laptop, context: {cluster: kind, user: me}}]',
    ].join('\n'),
  );
  const runner = path.join(out, 'runner.cjs');
  const resultFile = path.join(out, 'result.json');
  fs.writeFileSync(runner, RUNNER);
  const child = spawn(process.execPath, [runner], {
    env: {
      ...process.env,
      AXON_HOME: home,
      AXON_QUIET: '1',
      AXON_DEV_URL: 'http://localhost:5173', // ignored: the fake app is packaged
      NODE_PATH: path.join(ROOT, 'node_modules'),
      FAKE_APP_PATH: appPath,
      MAIN_BUNDLE: path.join(out, 'main.cjs'),
      CODE_PATH: tmp('axon-main-code-'),
      RESULT_FILE: resultFile,
      KUBECONFIG: kubeconfig,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0, stderr);
  const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  try {
    assert.deepEqual(r.early.map((l: unknown[]) => l[0]).sort(), [
      'enableSandbox',
      'requestSingleInstanceLock',
      'schemes',
    ]);
    const schemes = r.early.find((l: unknown[]) => l[0] === 'schemes')[1];
    assert.equal(schemes[0].scheme, 'app');
    assert.equal(schemes[0].privileges.standard, true);
    assert.equal(schemes[0].privileges.secure, true);
    assert.deepEqual(
      { ...r.webPreferences, preload: undefined },
      {
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        spellcheck: false,
        preload: undefined,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
        experimentalFeatures: false,
      },
    );
    assert.equal(r.webPreferences.preload, path.join(appPath, 'dist', 'electron', 'preload.cjs'));
    assert.equal(r.url, 'app://axon/index.html');
    assert.equal(r.engineJsonMode, '600');
    assert.equal(r.page.status, 200);
    assert.match(r.page.csp, /^default-src 'self'; script-src 'self';/);
    assert.equal(r.page.nosniff, 'nosniff');
    assert.match(r.page.body, /<title>Axon<\/title>/);
    assert.match(r.route, /<title>Axon<\/title>/);
    assert.equal(r.traversal, 403);
    assert.equal(r.missing, 404);
    assert.match(r.headers.responseHeaders['Content-Security-Policy'][0], /^default-src 'self'/);
    assert.equal(r.headers.responseHeaders['content-security-policy'], undefined);
    assert.equal(r.permission, false);
    assert.equal(r.permissionCheck, false);
    assert.deepEqual(r.open, [{ action: 'deny' }, { action: 'deny' }]);
    assert.deepEqual(r.navigate, {
      app: false,
      http: true,
      https: true,
      js: true,
      file: true,
      frame: true,
      redirect: true,
    });
    assert.equal(r.webviewPrevented, true);
    assert.deepEqual(r.openedExternally, ['https://example.com/doc', 'https://example.com/x']);
    assert.deepEqual(r.channels, ['axon:call', 'axon:choose-folder', 'axon:subscribe', 'axon:unsubscribe']);
    assert.deepEqual(r.folder, { ok: true, result: '/home/me/code/branin' });
    assert.equal(r.kube.ok, true, `kube contexts through kube.cjs: ${JSON.stringify(r.kube)}`);
    assert.deepEqual(
      r.kube.result.contexts.map((c: { name: string }) => c.name),
      ['laptop'],
    );
    assert.deepEqual(r.folderDialog?.properties, ['openDirectory'], 'a folder dialog');
    assert.deepEqual(r.projects, { ok: true, result: [] });
    assert.equal(r.evil.ok, false);
    assert.equal(r.evil.error.code, 'unauthorized');
    assert.equal(r.closedOnHide, false, 'closing with a run in flight hides the window');
    assert.equal(r.tray.created, true);
    assert.equal(r.tray.tooltip, 'Axon: 1 running');
    assert.equal(r.dialog.message, 'Quit Axon with 1 run in progress?');
    assert.match(r.dialog.detail, /1 local process keeps running in the background/);
    assert.deepEqual(r.dialog.buttons, ['Quit, keep runs going', 'Stop all runs and quit', 'Cancel']);
    assert.equal(r.closed, true);
    assert.equal(r.trayDestroyed, true);
    assert.equal(r.lockLeft, false, 'the engine closed and released AXON_HOME');
    assert.equal(r.engineJsonLeft, false);
    assert.equal(r.ipcAfterQuit, 0);
    assert.equal(r.runAlive, true, 'the run outlives the app');
    if (r.pythonPath !== null)
      assert.equal(
        r.pythonPath.split(path.delimiter)[0],
        path.join(appPath, 'sdk', 'python'),
        'SDK found from the app',
      );
  } finally {
    if (r.pid) {
      try {
        process.kill(-r.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
});
