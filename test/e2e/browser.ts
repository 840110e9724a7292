// Shared pieces of the browser tests: Debian's Chromium through playwright-core, the renderer build, and a
// page that records console errors and saves full-page screenshots under test-results/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../helpers';

export const CHROMIUM = process.env.AXON_CHROMIUM ?? '/usr/bin/chromium';
export const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
export const SHOTS_DIR = path.join(ROOT, 'test-results');

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return fs.existsSync(CHROMIUM)
    ? null
    : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set AXON_CHROMIUM); playwright's own browser download is not used`;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/renderer when it is missing or older than renderer/; returns why it could not, or null. */
export function ensureRendererBuild(): string | null {
  const index = path.join(RENDERER_DIR, 'index.html');
  const src = path.join(ROOT, 'renderer');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestMtime(src)) return null;
  try {
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        'renderer/vite.config.ts',
      ],
      {
        cwd: ROOT,
        stdio: 'pipe',
        timeout: 120_000,
      },
    );
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return `the renderer could not be built (npm run build:renderer): ${err.stderr?.toString().slice(-500) ?? err.message}`;
  }
  return fs.existsSync(index) ? null : 'the renderer build wrote no dist/renderer/index.html';
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught page errors so far. */
  errors: string[];
  shot(name: string): Promise<string>;
}

export async function watchedPage(browser: Browser, prefix: string): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  return {
    page,
    errors,
    async shot(name: string) {
      const file = path.join(SHOTS_DIR, `${prefix}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}
