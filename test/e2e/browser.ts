// Shared pieces of the browser tests: Debian's Chromium through playwright-core, the renderer build, a
// page that records console errors and saves full-page screenshots under test-results/, and an axe-core
// accessibility audit of the page as it is.
//
// Without Chromium the browser tests skip and say why, except under CI=true, where they fail naming it
// (test/requirements.ts). A renderer that cannot be built fails them everywhere: buildRenderer throws.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, waitFor } from '../helpers';

export const CHROMIUM = process.env.AXON_CHROMIUM ?? '/usr/bin/chromium';
export const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
export const SHOTS_DIR = path.join(ROOT, 'test-results');

/** Why the browser tests cannot run here (no Chromium), or null when they can. */
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
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      },
    );
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    // vite's error (file, line, what), without colours or the bundler's stack
    const said = (err.stderr?.toString() ?? '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n')
      .filter((l) => !/^\s+at /.test(l))
      .join('\n')
      .trim();
    return `the renderer could not be built (npm run build:renderer): ${said.slice(0, 1500) || err.message}`;
  }
  return fs.existsSync(index) ? null : 'the renderer build wrote no dist/renderer/index.html';
}

/**
 * ensureRendererBuild for the tests: throws when dist/renderer could not be built. A failed or missing build is a
 * failure of the browser tests, inside CI or out, never a reason to skip them.
 */
export function buildRenderer(): void {
  const why = ensureRendererBuild();
  if (why) throw new Error(why);
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

const AXE_SOURCE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
/** The WCAG 2.0 and 2.1 level A and AA rules (axe's tags). */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: string[]; summary: string }>;
}

export interface AxeResult {
  violations: AxeViolation[];
  /** Checks axe could not decide (e.g. text over a gradient or a canvas): for a person to look at. */
  incomplete: AxeViolation[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now.
 *
 * The page's Content-Security-Policy allows scripts from 'self' only (no inline scripts, no eval), so
 * `page.addScriptTag({ content })` would be refused. `page.evaluate` with a string is sent over CDP
 * (Runtime.evaluate), which the page's CSP does not govern, so axe is injected that way and the context needs
 * no `bypassCSP`: the audit sees the page under its real policy. axe itself needs no eval.
 */
export async function axeAudit(page: Page): Promise<AxeResult> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') {
    await page.evaluate(fs.readFileSync(AXE_SOURCE, 'utf8'));
  }
  const options = { runOnly: { type: 'tag', values: AXE_TAGS }, resultTypes: ['violations', 'incomplete'] };
  const json = await page.evaluate(
    `axe.run(document, ${JSON.stringify(options)}).then((r) => {
      const brief = (list) => list.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary ?? '' })),
      }));
      return JSON.stringify({ violations: brief(r.violations), incomplete: brief(r.incomplete) });
    })`,
  );
  return JSON.parse(json as string) as AxeResult;
}

/** Rule id, impact, help, then (up to `maxNodes`) each node's selector and axe's summary of what is wrong. */
export function formatViolations(where: string, violations: AxeViolation[], maxNodes = 5): string {
  return violations
    .map(
      (v) =>
        `${where}: [${v.impact ?? 'n/a'}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes
          .slice(0, maxNodes)
          .map((n) => `    ${n.target.join(' ')}\n      ${n.summary.replace(/\n/g, '\n      ')}`)
          .join('\n') +
        (v.nodes.length > maxNodes ? `\n    … and ${v.nodes.length - maxNodes} more like these` : ''),
    )
    .join('\n');
}

export interface FocusStyle {
  /** `tag#id.class "text"` of document.activeElement. */
  element: string;
  outlineWidth: number;
  outlineStyle: string;
  outlineColor: string;
}

/** The focused element and its computed outline: the visible focus indicator. */
export async function focusStyle(page: Page): Promise<FocusStyle> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    const text = (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40);
    return {
      element: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' "' + text + '"',
      outlineWidth: parseFloat(cs.outlineWidth) || 0,
      outlineStyle: cs.outlineStyle,
      outlineColor: cs.outlineColor,
    };
  })()`);
}

/**
 * Waits until `expression` is true in the page. Each check is a `page.evaluate` (run by the browser's
 * debugger protocol, outside the page's CSP); `page.waitForFunction` polls with an eval inside the page,
 * which the dashboard's CSP refuses whenever the first check is false (seen in CI as a flaky EvalError).
 */
export async function waitForTrue(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => !!(await page.evaluate(expression)), timeoutMs, expression);
}
