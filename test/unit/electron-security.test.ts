// The Electron shell's security decisions (main/electron/security.ts, app-protocol.ts): the window's
// webPreferences, the CSP, which URLs are the app's, navigation, window.open, permissions, and how app://
// requests map to files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  APP_ORIGIN,
  CSP,
  contentSecurityPolicy,
  denyAllPermissions,
  isAppUrl,
  navigationDecision,
  type PermissionSession,
  webPreferences,
  windowOpenDecision,
  withSecurityHeaders,
} from '../../main/electron/security';
import { APP_SCHEME_PRIVILEGES, resolveAppRequest } from '../../main/electron/app-protocol';

const directives = (csp: string) =>
  new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

test('webPreferences: isolated, sandboxed, no Node, web security on, the given preload', () => {
  const p = webPreferences('/app/dist/electron/preload.cjs');
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.nodeIntegrationInWorker, false);
  assert.equal(p.nodeIntegrationInSubFrames, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.allowRunningInsecureContent, false);
  assert.equal(p.spellcheck, false);
  assert.equal(p.webviewTag, false);
  assert.equal(p.experimentalFeatures, false);
  assert.equal(p.preload, '/app/dist/electron/preload.cjs');
});

test('CSP: scripts from the app only, inline styles only, no objects, no framing, no base or form targets', () => {
  const d = directives(CSP);
  assert.deepEqual(d.get('default-src'), ["'self'"]);
  assert.deepEqual(d.get('script-src'), ["'self'"]);
  assert.deepEqual(d.get('style-src'), ["'self'", "'unsafe-inline'"]);
  assert.deepEqual(d.get('img-src'), ["'self'", 'data:']);
  assert.deepEqual(d.get('connect-src'), ["'self'"]);
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.deepEqual(d.get('base-uri'), ["'none'"]);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(d.get('form-action'), ["'none'"]);
  assert.ok(!CSP.includes('unsafe-eval'), "!CSP.includes('unsafe-eval')");
  assert.equal(CSP.match(/unsafe-inline/g)?.length, 1, 'unsafe-inline only for styles');
  assert.equal(contentSecurityPolicy(), CSP);
});

test('CSP in development adds only the dev server hot-reload socket and the inline refresh preamble', () => {
  const d = directives(contentSecurityPolicy('http://localhost:5173/'));
  assert.deepEqual(d.get('connect-src'), ["'self'", 'ws://localhost:5173']);
  assert.deepEqual(d.get('script-src'), ["'self'", "'unsafe-inline'"]);
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
});

test('withSecurityHeaders replaces any CSP the response had, whatever its case, and adds nosniff', () => {
  const h = withSecurityHeaders(
    {
      'content-security-policy': ['default-src *'],
      'Content-Type': ['text/html'],
      'X-Content-Type-Options': ['x'],
    },
    CSP,
  );
  assert.deepEqual(h['Content-Security-Policy'], [CSP]);
  assert.deepEqual(h['X-Content-Type-Options'], ['nosniff']);
  assert.deepEqual(h['Content-Type'], ['text/html']);
  assert.equal(h['content-security-policy'], undefined);
  assert.deepEqual(Object.keys(withSecurityHeaders(undefined, CSP)).sort(), [
    'Content-Security-Policy',
    'X-Content-Type-Options',
  ]);
});

test('isAppUrl compares parsed scheme, host and port, never string prefixes', () => {
  assert.ok(isAppUrl('app://axon/index.html', APP_ORIGIN), "isAppUrl('app://axon/index.html', APP_ORIGIN)");
  assert.ok(
    isAppUrl('app://axon/experiments/12?tab=logs#x', APP_ORIGIN),
    "isAppUrl('app://axon/experiments/12?tab=logs#x', APP_ORIGIN)",
  );
  assert.ok(isAppUrl('APP://AXON/index.html', APP_ORIGIN), "isAppUrl('APP://AXON/index.html', APP_ORIGIN)");
  for (const url of [
    'app://axon.evil/index.html',
    'app://evil/index.html',
    'app://user@axon/index.html',
    'https://axon/index.html',
    'file:///index.html',
    'not a url',
    '',
  ])
    assert.ok(!isAppUrl(url, APP_ORIGIN), url);
  const dev = 'http://localhost:5173';
  assert.ok(isAppUrl('http://localhost:5173/', dev), "isAppUrl('http://localhost:5173/', dev)");
  assert.ok(
    isAppUrl('http://localhost:5173/src/main.tsx', dev),
    "isAppUrl('http://localhost:5173/src/main.tsx', dev)",
  );
  for (const url of [
    'http://localhost:51730/',
    'http://localhost:5174/',
    'https://localhost:5173/',
    'http://localhost:5173@evil.com/',
    'http://evil.com/?http://localhost:5173',
    'http://127.0.0.1:5173/',
  ])
    assert.ok(!isAppUrl(url, dev), url);
});

test('isAppUrl with a file:// renderer folder: only files inside it', () => {
  const base = 'file:///opt/Axon/resources/app.asar/dist/renderer/';
  assert.ok(
    isAppUrl('file:///opt/Axon/resources/app.asar/dist/renderer/index.html', base),
    "isAppUrl('file:///opt/Axon/resources/app.asar/dist/renderer/index.html', base)",
  );
  assert.ok(
    isAppUrl('file:///opt/Axon/resources/app.asar/dist/renderer/assets/a.js', base),
    "isAppUrl('file:///opt/Axon/resources/app.asar/dist/renderer/assets/a.js', base)",
  );
  for (const url of [
    'file:///etc/passwd',
    'file:///opt/Axon/resources/app.asar/dist/renderer/../../../../etc/passwd',
    'file:///opt/Axon/resources/app.asar/dist/renderer/%2e%2e/%2e%2e/secret',
    'file:///opt/Axon/resources/app.asar/dist/renderer/..%2f..%2fsecret',
    'file:///opt/Axon/resources/app.asar/dist/renderer-evil/index.html',
    'file://remote-host/opt/Axon/resources/app.asar/dist/renderer/index.html',
    'app://axon/index.html',
  ])
    assert.ok(!isAppUrl(url, base), url);
});

test('navigationDecision: app URLs stay, https goes to the browser, everything else is denied', () => {
  const o = APP_ORIGIN;
  assert.equal(navigationDecision('app://axon/index.html', o), 'allow');
  assert.equal(navigationDecision('app://axon/projects/mnist', o), 'allow');
  assert.equal(navigationDecision('https://github.com/polyaxon/polyaxon', o), 'open-external');
  assert.equal(navigationDecision('https://docs.example.org/a?b#c', o), 'open-external');
  for (const url of [
    'http://example.com/',
    'http://localhost:5173/',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'file:///opt/Axon/resources/app.asar/dist/renderer/index.html',
    'app://evil/index.html',
    'https://user:pass@example.com/',
    'mailto:someone@example.com',
    'smb://host/share',
    'vbscript:msgbox',
    'blob:app://axon/1234',
    'about:blank',
    'not a url',
  ])
    assert.equal(navigationDecision(url, o), 'deny', url);
  // In development the dev server is the app; the packaged origin is then foreign.
  assert.equal(navigationDecision('http://localhost:5173/x', 'http://localhost:5173'), 'allow');
  assert.equal(navigationDecision('app://axon/index.html', 'http://localhost:5173'), 'deny');
});

test('windowOpenDecision: never a new window; https opens in the system browser', () => {
  assert.deepEqual(windowOpenDecision('https://example.com/x', APP_ORIGIN), {
    action: 'deny',
    openExternal: 'https://example.com/x',
  });
  assert.deepEqual(windowOpenDecision('app://axon/index.html', APP_ORIGIN), { action: 'deny' });
  assert.deepEqual(windowOpenDecision('http://example.com/', APP_ORIGIN), { action: 'deny' });
  assert.deepEqual(windowOpenDecision('javascript:alert(1)', APP_ORIGIN), { action: 'deny' });
  assert.deepEqual(windowOpenDecision('file:///etc/passwd', APP_ORIGIN), { action: 'deny' });
});

test('denyAllPermissions installs a request and a check handler, and both deny every permission', () => {
  type Handlers = Parameters<PermissionSession['setPermissionRequestHandler']>[0];
  type Checks = Parameters<PermissionSession['setPermissionCheckHandler']>[0];
  let request: Handlers | undefined;
  let check: Checks | undefined;
  denyAllPermissions({
    setPermissionRequestHandler: (h) => (request = h),
    setPermissionCheckHandler: (h) => (check = h),
  });
  // Electron grants most permissions when no handler is set: both must be there.
  assert.ok(typeof request === 'function', 'a permission request handler is installed');
  assert.ok(typeof check === 'function', 'a permission check handler is installed');
  for (const p of [
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'fullscreen',
    'openExternal',
    'pointerLock',
    'hid',
    'serial',
    'usb',
    'fileSystem',
    'unknown',
  ]) {
    const answers: boolean[] = [];
    request({}, p, (granted) => answers.push(granted), { requestingUrl: 'app://axon/index.html' });
    assert.deepEqual(answers, [false], `request ${p}: answered once, denied`);
    assert.equal(check({}, p, 'app://axon', { requestingUrl: 'app://axon/index.html' }), false, `check ${p}`);
  }
});

test('app:// scheme privileges: standard and secure, no CSP bypass, no service workers', () => {
  const p = APP_SCHEME_PRIVILEGES.privileges as Record<string, boolean>;
  assert.equal(APP_SCHEME_PRIVILEGES.scheme, 'app');
  assert.equal(p.standard, true);
  assert.equal(p.secure, true);
  assert.equal(p.bypassCSP, undefined);
  assert.equal(p.allowServiceWorkers, undefined);
});

test('resolveAppRequest maps app:// URLs to files inside the renderer folder only', () => {
  const dir = path.resolve('/opt/axon/dist/renderer');
  const file = (...p: string[]) => ({ ok: true, file: path.join(dir, ...p) });
  assert.deepEqual(resolveAppRequest('app://axon/', dir), file('index.html'));
  assert.deepEqual(resolveAppRequest('app://axon/index.html', dir), file('index.html'));
  assert.deepEqual(resolveAppRequest('app://axon/assets/index-abc.js', dir), file('assets', 'index-abc.js'));
  assert.deepEqual(resolveAppRequest('app://axon/assets/a%20b.css?v=1#x', dir), file('assets', 'a b.css'));
  // Client-side routes (no extension) get the app.
  assert.deepEqual(resolveAppRequest('app://axon/projects/mnist/experiments', dir), file('index.html'));
  // The URL parser resolves .. before we see it: still inside.
  assert.deepEqual(
    resolveAppRequest('app://axon/assets/../../../../etc/passwd.txt', dir),
    file('etc', 'passwd.txt'),
  );
  assert.deepEqual(resolveAppRequest('app://axon/%2e%2e/%2E%2E/secret.txt', dir), file('secret.txt'));
  for (const [url, status] of [
    ['app://axon/..%2F..%2Fetc%2Fpasswd', 403],
    ['app://axon/assets/..%5c..%5csecret.txt', 403],
    ['app://axon/a%00.js', 403],
    ['app://axon/C:%5Cwindows%5Cwin.ini', 403],
    ['app://evil/index.html', 403],
    ['app://u:p@axon/index.html', 403],
    ['https://axon/index.html', 403],
    ['app://axon/%E0%A4%A.js', 400],
    ['::not a url', 400],
  ] as const)
    assert.deepEqual(resolveAppRequest(url, dir), { ok: false, status }, url);
});
