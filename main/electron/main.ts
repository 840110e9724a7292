// The Electron main process: thin wiring, and the only file that imports Electron at run time (the preload
// aside). Every decision it acts on lives in a pure, tested module: security.ts (webPreferences, CSP,
// navigation, permissions), app-protocol.ts (serving the renderer), ipc.ts (the API over IPC), lifecycle.ts
// (renderer source, close and quit), login-env.ts (PATH). See docs/desktop.md.
//
// The engine runs here, in the main process (not a utility process): its work is I/O — SQLite through the
// N-API sqlite3 module runs on libuv's thread pool, logs are tailed with async reads, jobs are separate
// processes — so the main thread stays free, and one process keeps start-up, the engine lock and crash
// behaviour simple. The IPC transport takes any AxonApi, so moving the engine into a utility process later
// changes only what `connect` returns. If another engine already serves AXON_HOME (`axon serve`), the app
// becomes its client instead and starts none.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  net,
  protocol,
  session,
  shell,
  Tray,
} from 'electron';
import { pathToFileURL } from 'node:url';
import { connect, type Connection } from '../cli/connect';
import { useSuggestWorkerFile } from '../engine/sweeps/searcher-thread';
import { APP_SCHEME_PRIVILEGES, resolveAppRequest } from './app-protocol';
import { registerIpc, trustedFrame, type IpcRegistration } from './ipc';
import {
  closeAction,
  currentWork,
  preloadPath,
  quitPrompt,
  rendererSource,
  stopAll,
  suggestWorkerPath,
  trayTooltip,
  type RendererSource,
  type Work,
} from './lifecycle';
import { loginShellPath, mergePath } from './login-env';
import {
  APP_SCHEME,
  denyAllPermissions,
  navigationDecision,
  webPreferences,
  windowOpenDecision,
  withSecurityHeaders,
} from './security';
import { trayIconPng } from './tray-icon';

// Before `ready`: the app:// scheme's privileges, and the sandbox for every renderer whatever its options.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME_PRIVILEGES.scheme, privileges: { ...APP_SCHEME_PRIVILEGES.privileges } },
]);
app.enableSandbox();

const NO_WORK: Work = { active: [], queued: [], groups: [] };

let source: RendererSource;
let conn: Connection;
let ipc: IpcRegistration | null = null;
let win: BrowserWindow | null = null;
let tray: Tray | null = null;
/** Set once quitting is decided: windows may close for real. */
let quitting = false;
let quitInProgress = false;
/** A signal asked us to quit: no question. */
let quitWithoutAsking = false;

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

function work(): Promise<Work> {
  return withTimeout(currentWork(conn.api), 5000).then(
    (w) => w ?? NO_WORK,
    () => NO_WORK,
  );
}

function showWindow(): void {
  if (!ipc) return; // still starting: the window comes when the engine is up
  if (!win || win.isDestroyed()) win = createWindow();
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1320,
    height: 860,
    minWidth: 820,
    minHeight: 520,
    show: false,
    title: 'Axon',
    webPreferences: webPreferences(preloadPath(app.getAppPath())),
  });
  w.once('ready-to-show', () => w.show());
  w.on('close', (e) => {
    if (quitting) return;
    e.preventDefault();
    void work().then((current) => {
      if (closeAction({ platform: process.platform, hasTray: tray !== null, work: current }) === 'hide')
        w.hide();
      else app.quit();
    });
  });
  w.on('closed', () => {
    if (win === w) win = null;
  });
  void w.loadURL(source.url);
  return w;
}

/** Permissions denied, CSP on every response, navigation and new windows by parsed origin, no webviews. */
function harden(): void {
  const ses = session.defaultSession;
  denyAllPermissions(ses);
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: withSecurityHeaders(details.responseHeaders, source.csp) }),
  );
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      const d = windowOpenDecision(url, source.appOrigin);
      if (d.openExternal) void shell.openExternal(d.openExternal);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (e) => {
      const d = navigationDecision(e.url, source.appOrigin);
      if (d === 'allow') return;
      e.preventDefault();
      if (d === 'open-external') void shell.openExternal(new URL(e.url).href);
    });
    // Sub-frames and redirects: the same rule, never opened outside.
    contents.on('will-frame-navigate', (e) => {
      if (navigationDecision(e.url, source.appOrigin) !== 'allow') e.preventDefault();
    });
    contents.on('will-redirect', (e) => {
      if (navigationDecision(e.url, source.appOrigin) !== 'allow') e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
}

/** app://axon/… → a file of dist/renderer, with the CSP header (webRequest does not see custom schemes). */
function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = resolveAppRequest(request.url, rendererDir);
    if (!r.ok) return new Response(null, { status: r.status });
    try {
      const res = await net.fetch(pathToFileURL(r.file).href);
      const headers = new Headers(res.headers);
      for (const [k, v] of Object.entries(withSecurityHeaders({}, source.csp))) headers.set(k, String(v));
      return new Response(res.body, { status: res.status, headers });
    } catch {
      return new Response(null, { status: 404 });
    }
  });
}

function createTray(): Tray | null {
  try {
    const t = new Tray(nativeImage.createFromBuffer(trayIconPng(32), { scaleFactor: 2 }));
    t.setToolTip('Axon');
    t.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Axon', click: showWindow },
        { type: 'separator' },
        { label: 'Quit Axon', click: () => app.quit() },
      ]),
    );
    t.on('click', showWindow);
    // The tooltip follows the work in flight, at most every 5 s (it lists the unfinished runs).
    let timer: NodeJS.Timeout | null = null;
    let last = 0;
    const refresh = () => {
      if (timer) return;
      timer = setTimeout(
        () => {
          timer = null;
          last = Date.now();
          void work().then((w) => !t.isDestroyed() && t.setToolTip(trayTooltip(w)));
        },
        Math.max(0, last + 5000 - Date.now()),
      );
    };
    conn.api.on('experiments.changed', refresh);
    conn.api.on('groups.changed', refresh);
    refresh();
    return t;
  } catch {
    return null; // no tray on this desktop: closing the window quits (lifecycle.closeAction)
  }
}

/** before-quit: ask when runs are in flight (lifecycle.quitPrompt), then close the engine and quit for real. */
async function confirmAndQuit(): Promise<void> {
  if (!conn) return app.exit(0);
  const current = await work();
  const prompt = quitWithoutAsking ? null : quitPrompt(current, conn.engine !== null);
  if (prompt) {
    const options = {
      type: 'question' as const,
      message: prompt.message,
      detail: prompt.detail,
      buttons: prompt.buttons,
      defaultId: prompt.keep,
      cancelId: prompt.cancel,
      noLink: true,
    };
    const { response } =
      win && !win.isDestroyed() && win.isVisible()
        ? await dialog.showMessageBox(win, options)
        : await dialog.showMessageBox(options);
    if (response === prompt.cancel) return;
    if (response === prompt.stop) await withTimeout(stopAll(conn.api, current), 20_000);
  }
  quitting = true;
  ipc?.dispose();
  tray?.destroy();
  // Jobs are not stopped: the next engine re-attaches them (DESIGN "Surviving a crash").
  await withTimeout(
    conn.close().catch(() => undefined),
    15_000,
  );
  app.quit();
}

async function start(): Promise<void> {
  // The login shell's PATH (bounded), asked while Electron gets ready; jobs inherit it.
  const loginPath = loginShellPath().then((p) => {
    if (p) process.env.PATH = mergePath(process.env.PATH, p);
  });
  await app.whenReady();
  source = rendererSource({
    appPath: app.getAppPath(),
    isPackaged: app.isPackaged,
    devUrl: process.env.AXON_DEV_URL,
  });
  harden();
  if (source.rendererDir) serveRenderer(source.rendererDir);
  await loginPath;
  // BO's suggestions are computed on a worker thread from the bundle's own suggest-worker.cjs.
  await useSuggestWorkerFile(suggestWorkerPath(app.getAppPath()));
  try {
    // The engine of AXON_HOME in this process, serving the API on loopback for the CLI and the jobs' SDK
    // (address and token in AXON_HOME/engine.json, 0600); or, when `axon serve` already runs, a client of it.
    conn = await connect({ serve: true });
  } catch (e) {
    dialog.showErrorBox('Axon could not start its engine', e instanceof Error ? e.message : String(e));
    app.exit(1);
    return;
  }
  ipc = registerIpc(ipcMain, conn.api, trustedFrame(source.appOrigin), {
    chooseFolder: async (sender) => {
      const owner = win && !win.isDestroyed() && win.webContents.id === sender.id ? win : null;
      const options = { title: 'Code folder of the project', properties: ['openDirectory' as const] };
      const r = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });
  tray = createTray();
  win = createWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit(); // another Axon runs: it shows its window (second-instance)
} else {
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);
  // Windows closing never quits by itself: closing is decided in the window's 'close' handler.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (e) => {
    if (quitting) return;
    e.preventDefault();
    if (quitInProgress) return;
    quitInProgress = true;
    void confirmAndQuit().finally(() => (quitInProgress = false));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      quitWithoutAsking = true;
      app.quit();
    });
  void start();
}
