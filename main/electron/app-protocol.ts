// The renderer build is served from app://axon/ (a privileged standard, secure scheme) instead of file://:
// the app gets a real origin, so CSP 'self' means "the app's files" rather than "any file on disk", ES module
// scripts load without file:// exceptions, and the GrantFileProtocolExtraPrivileges fuse can be turned off.
// This module maps a request URL to a file inside the renderer folder, pure and tested; main.ts serves it.
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './security';

/** What protocol.registerSchemesAsPrivileged gets (before app ready). */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: {
    standard: true, // real origin, relative URLs resolve as on the web
    secure: true, // a secure context (crypto.subtle, no mixed-content downgrade)
    supportFetchAPI: true,
    corsEnabled: true, // <script type="module" crossorigin> is a CORS fetch, even same-origin
    codeCache: true,
  },
} as const;

export type AppRequest = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404 };

/**
 * The file an app:// request names, confined to `rendererDir`. `/` and extension-less paths (client-side
 * routes) are index.html; `..` segments, encoded slashes or backslashes, NUL bytes and other hosts are
 * refused before any path is built.
 */
export function resolveAppRequest(url: string, rendererDir: string): AppRequest {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400 };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password)
    return { ok: false, status: 403 };
  let segments: string[];
  try {
    segments = u.pathname
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    return { ok: false, status: 400 };
  }
  if (segments.some((s) => s === '.' || s === '..' || /[/\\\0]/.test(s) || /^[a-zA-Z]:/.test(s)))
    return { ok: false, status: 403 };
  const last = segments[segments.length - 1] ?? '';
  if (!segments.length || !path.extname(last)) segments = ['index.html'];
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, ...segments);
  if (!file.startsWith(root + path.sep)) return { ok: false, status: 403 };
  return { ok: true, file };
}
