// Every security decision of the Electron shell, as pure functions (no Electron at run time) so they are unit
// tested: window webPreferences, the Content-Security-Policy, which URLs belong to the app, what happens on
// navigation and window.open, and permission requests. main.ts only wires these into Electron.
import type { WebPreferences } from 'electron';

/** The renderer is served from this privileged, standard, secure custom scheme (see app-protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'axon';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The window's webPreferences (Electron's security checklist): the renderer is a sandboxed web page with no
 * Node, its preload runs in an isolated world, and web security stays on. The last four are Electron's
 * defaults, stated so that a future default change cannot loosen them.
 */
export function webPreferences(preload: string) {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    spellcheck: false,
    preload,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    experimentalFeatures: false,
  } satisfies WebPreferences;
}

/**
 * The production Content-Security-Policy, sent as a response header on every app response (a header, unlike
 * a <meta> tag, also enforces frame-ancestors).
 *
 * style-src keeps 'unsafe-inline': style changes through the CSSOM (React's `style` prop, uPlot's and the
 * virtualised lists' positioning, which all assign `el.style.x`) are not subject to CSP, but `style="…"`
 * attributes and <style> elements are, and libraries and Vite's CSS handling emit those. Inline *styles*
 * cannot run code; scripts stay 'self' only, with no 'unsafe-inline' and no 'unsafe-eval', and the app loads
 * no remote content in which an injected style could matter.
 */
const DIRECTIVES: ReadonlyArray<[string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['worker-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-src', "'none'"],
  ['frame-ancestors', "'none'"],
];

function policy(directives: ReadonlyArray<[string, string]>): string {
  return directives.map(([k, v]) => `${k} ${v}`).join('; ');
}

export const CSP = policy(DIRECTIVES);

/**
 * The policy for the window: the production CSP, or in development (AXON_DEV_URL, never in a packaged app)
 * the same with what Vite's dev server needs: its hot-reload WebSocket and the inline React-refresh preamble.
 */
export function contentSecurityPolicy(devServerUrl?: string): string {
  if (!devServerUrl) return CSP;
  const u = new URL(devServerUrl);
  const ws = `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}`;
  return policy(
    DIRECTIVES.map(([k, v]): [string, string] => {
      if (k === 'script-src') return [k, `${v} 'unsafe-inline'`];
      if (k === 'connect-src') return [k, `${v} ${ws}`];
      return [k, v];
    }),
  );
}

/** Response headers with our CSP in place of any the response had (names compared case-insensitively). */
export function withSecurityHeaders(
  headers: Record<string, string | string[]> | undefined,
  csp: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const lower = k.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'x-content-type-options') continue;
    out[k] = v;
  }
  out['Content-Security-Policy'] = [csp];
  out['X-Content-Type-Options'] = ['nosniff'];
  return out;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** scheme://host[:port], computed by hand because WHATWG gives non-special schemes (app:) an opaque origin. */
function originOf(u: URL): string {
  return `${u.protocol}//${u.host}`.toLowerCase();
}

/**
 * Whether `url` belongs to the app. `appOrigin` is the app's origin — `app://axon` (packaged and local
 * builds) or the dev server's `http://localhost:5173` — compared by parsed scheme, host and port, never by
 * string prefix (so `app://axon.evil`, `http://localhost:5173@evil.com` and `http://localhost:51730` are not
 * the app). A `file:///…/renderer/` base is also accepted: then the URL must be a file: URL inside that folder.
 */
export function isAppUrl(url: string, appOrigin: string): boolean {
  const u = parse(url);
  const base = parse(appOrigin);
  if (!u || !base) return false;
  if (u.username || u.password) return false;
  if (base.protocol === 'file:') {
    if (u.protocol !== 'file:' || u.host !== base.host) return false;
    // The parser has already resolved `.`/`..` (also %2e%2e); an encoded slash or backslash could still
    // name another folder once decoded, so refuse those outright.
    if (/%2f|%5c|\\/i.test(u.pathname)) return false;
    const dir = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return u.pathname.startsWith(dir);
  }
  if (!['http:', 'https:', `${APP_SCHEME}:`].includes(base.protocol)) return false;
  return originOf(u) === originOf(base);
}

export type NavigationDecision = 'allow' | 'deny' | 'open-external';

/**
 * What to do when the window is about to navigate to `url`: stay in the app; open https links in the system
 * browser; deny everything else (http, javascript:, data:, file:, other schemes, unparsable URLs).
 */
export function navigationDecision(url: string, appOrigin: string): NavigationDecision {
  if (isAppUrl(url, appOrigin)) return 'allow';
  const u = parse(url);
  if (u && u.protocol === 'https:' && u.hostname && !u.username && !u.password) return 'open-external';
  return 'deny';
}

/**
 * window.open / target=_blank: never a new Electron window (the app has one). An https link goes to the
 * system browser; anything else, app URLs included, is denied.
 */
export function windowOpenDecision(
  url: string,
  appOrigin: string,
): { action: 'deny'; openExternal?: string } {
  return navigationDecision(url, appOrigin) === 'open-external'
    ? { action: 'deny', openExternal: new URL(url).href }
    : { action: 'deny' };
}

/** The part of Electron's `Session` that permission handling uses. */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler:
      | ((
          webContents: unknown,
          permission: string,
          callback: (granted: boolean) => void,
          details: unknown,
        ) => void)
      | null,
  ): void;
  setPermissionCheckHandler(
    handler: ((webContents: unknown, permission: string, origin: string, details: unknown) => boolean) | null,
  ): void;
}

/**
 * Permission requests and checks (camera, microphone, notifications, geolocation, clipboard, HID, serial,
 * USB, fullscreen, …): a handler for each that denies all of them; the UI needs none. Without a handler
 * Electron grants most requests, so both are installed. Should the UI ever need one permission (say
 * `clipboard-sanitized-write` for a copy button), allow that one for app URLs here, with a test.
 */
export function denyAllPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
