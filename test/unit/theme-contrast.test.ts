// The dashboard's colours meet WCAG 2.1 contrast in both themes: renderer/src/styles/theme.css is parsed
// (postcss, which vite brings), each theme's custom properties are resolved (dark = the :root values with
// the dark overrides on top), and every foreground/background pair the stylesheets use is checked with the
// WCAG formula: 4.5:1 for text (1.4.3), 3:1 for the focus ring, form field borders, the selected-tab
// indicator and chart series (1.4.11). Lowering any of these colours below its threshold fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import postcss from 'postcss';
import { rampColor } from '../../renderer/src/lib/parcoords';
import { ROOT } from '../helpers';

const THEME_CSS = path.join(ROOT, 'renderer', 'src', 'styles', 'theme.css');

type Rgba = [number, number, number, number];

/** #rgb, #rgba, #rrggbb, #rrggbbaa, rgb() and rgba() (what theme.css uses); anything else throws. */
export function parseColor(text: string): Rgba {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (m) {
    let h = m[1];
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), h.length === 8 ? n(6) / 255 : 1];
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), a];
  }
  throw new Error(`not a colour this test understands: ${text}`);
}

/** `fg` drawn over an opaque `bg` (alpha compositing), as the eye sees it. */
function over(fg: Rgba, bg: Rgba): Rgba {
  const a = fg[3];
  return [0, 1, 2].map((i) => fg[i] * a + bg[i] * (1 - a)).concat(1) as Rgba;
}

/** WCAG 2.x relative luminance of an opaque sRGB colour. */
export function luminance([r, g, b]: Rgba): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2.x contrast ratio, from 1 to 21; a translucent foreground is composited over the background. */
export function contrast(fg: string, bg: string): number {
  const b = parseColor(bg);
  assert.equal(b[3], 1, `a background must be opaque: ${bg}`);
  const l1 = luminance(over(parseColor(fg), b));
  const l2 = luminance(b);
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

type Theme = 'light' | 'dark';

/** Each theme's custom properties, with var() references resolved. */
export function themeVariables(css: string): Record<Theme, Record<string, string>> {
  const raw: Record<Theme, Record<string, string>> = { light: {}, dark: {} };
  const dark: Record<string, string> = {};
  postcss.parse(css).walkRules((rule) => {
    // Only the top-level variable blocks; a :root rule inside @media would need its own treatment.
    if (rule.parent?.type !== 'root') return;
    const selectors = rule.selectors.map((x) => x.replace(/\s+/g, '').replace(/"/g, "'"));
    const isDark = selectors.includes(":root[data-theme='dark']");
    const isBase = selectors.includes(':root') || selectors.includes(":root[data-theme='light']");
    if (!isDark && !isBase) return;
    rule.walkDecls(/^--/, (d) => {
      if (isBase) raw.light[d.prop] = d.value;
      if (isDark) dark[d.prop] = d.value;
    });
  });
  // :root applies in the dark theme too; the dark block overrides it.
  raw.dark = { ...raw.light, ...dark };
  const resolve = (vars: Record<string, string>) => {
    const out: Record<string, string> = {};
    const get = (name: string, seen: string[]): string => {
      assert.ok(!seen.includes(name), `var() cycle: ${[...seen, name].join(' → ')}`);
      assert.ok(name in vars, `${name} is used but not defined`);
      return vars[name].replace(
        /var\(\s*(--[\w-]+)\s*(?:,\s*([^)]*))?\)/g,
        (_m, ref: string, fallback?: string) =>
          ref in vars || fallback === undefined ? get(ref, [...seen, name]) : fallback.trim(),
      );
    };
    for (const k of Object.keys(vars)) out[k] = get(k, []);
    return out;
  };
  return { light: resolve(raw.light), dark: resolve(raw.dark) };
}

interface Pair {
  fg: string;
  bg: string[];
  min: number;
  /** Where the stylesheets use it. */
  why: string;
}

const TEXT = 4.5;
const NON_TEXT = 3;
const CHART_SERIES = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `--chart-${i}`);

/** Every foreground/background combination of the UI (theme.css, layout.css, status.css, viewers.css). */
const PAIRS: Pair[] = [
  {
    fg: '--text',
    bg: [
      '--bg',
      '--surface',
      '--surface-2',
      '--row-hover',
      '--row-selected',
      '--info-bg',
      '--warning-bg',
      '--danger-bg',
      '--match',
      '--match-current',
      '--diff-add',
      '--diff-del',
    ],
    min: TEXT,
    why: 'body text; table heads and code on --surface-2; hovered/selected rows; notices; pressed buttons; differing compare rows; log matches; diffs',
  },
  {
    fg: '--text-muted',
    bg: [
      '--bg',
      '--surface',
      '--surface-2',
      '--muted-bg',
      '--row-hover',
      '--row-selected',
      '--match',
      '--match-current',
      '--diff-add',
      '--diff-del',
    ],
    min: TEXT,
    why: '.muted, crumbs, unselected tabs, states, chart axes, editor gutter, neutral/muted badges, log line numbers',
  },
  {
    fg: '--accent',
    bg: ['--bg', '--surface', '--surface-2', '--row-hover', '--row-selected'],
    min: TEXT,
    why: 'links and link buttons, on the page, in cards and in table rows',
  },
  { fg: '--placeholder', bg: ['--surface'], min: TEXT, why: '::placeholder (fields are --surface)' },
  { fg: '--accent-text', bg: ['--accent'], min: TEXT, why: 'button.primary' },
  { fg: '--surface', bg: ['--danger'], min: TEXT, why: 'button.danger text' },
  {
    fg: '--info',
    bg: ['--info-bg', '--surface'],
    min: TEXT,
    why: 'info badges (running, scheduled…), the current sidebar link, diff hunks',
  },
  {
    fg: '--success',
    bg: ['--success-bg', '--surface', '--bg'],
    min: TEXT,
    why: 'succeeded/done badges, ok text',
  },
  {
    fg: '--danger',
    bg: ['--danger-bg', '--surface', '--bg'],
    min: TEXT,
    why: 'failed badges, form errors, error states, the error list and gutter mark',
  },
  {
    fg: '--warning',
    bg: ['--warning-bg', '--surface'],
    min: TEXT,
    why: 'warning badges (stopping, unschedulable…), the mark on a differing compare row',
  },
  {
    fg: '--focus',
    bg: ['--bg', '--surface', '--surface-2', '--row-hover', '--row-selected', '--info-bg'],
    min: NON_TEXT,
    why: 'the 3 px :focus-visible outline, outside controls and inside table rows',
  },
  {
    fg: '--control-border',
    bg: ['--bg', '--surface', '--surface-2'],
    min: NON_TEXT,
    why: 'the boundary of inputs, selects and textareas',
  },
  {
    fg: '--accent',
    bg: ['--bg', '--surface'],
    min: NON_TEXT,
    why: 'the selected tab underline, checkbox and radio fill, spinner',
  },
  ...CHART_SERIES.map((fg) => ({ fg, bg: ['--surface'], min: NON_TEXT, why: 'chart series on a card' })),
];

const vars = themeVariables(fs.readFileSync(THEME_CSS, 'utf8'));

test('the contrast function follows WCAG', () => {
  assert.equal(contrast('#000000', '#ffffff').toFixed(2), '21.00');
  assert.equal(contrast('#fff', '#fff'), 1);
  assert.equal(contrast('#767676', '#ffffff').toFixed(2), '4.54');
  assert.equal(contrast('#777777', '#ffffff').toFixed(2), '4.48');
  assert.equal(contrast('#ffffff', '#777777'), contrast('#777777', '#ffffff'), 'symmetric');
  const half = contrast('rgba(0, 0, 0, 0.5)', '#ffffff');
  assert.ok(Math.abs(half - contrast('#808080', '#ffffff')) < 0.05, `50 % black on white: ${half}`);
});

test('theme.css: both themes define every colour the pairs use, as colours', () => {
  for (const theme of ['light', 'dark'] as const) {
    for (const p of PAIRS)
      for (const name of [p.fg, ...p.bg]) {
        assert.ok(name in vars[theme], `${theme}: ${name} is not defined`);
        assert.doesNotThrow(() => parseColor(vars[theme][name]), `${theme}: ${name}`);
      }
    // The chart band appends an alpha byte to a series colour, so they must be six-digit hex.
    for (const name of CHART_SERIES)
      assert.match(vars[theme][name], /^#[0-9a-f]{6}$/i, `${theme}: ${name} must be #rrggbb`);
  }
  assert.notEqual(vars.dark['--bg'], vars.light['--bg'], 'the dark block overrides :root');
});

for (const theme of ['light', 'dark'] as const) {
  test(`${theme} theme: every text and UI colour pair reaches its WCAG contrast`, () => {
    const failures: string[] = [];
    let checked = 0;
    for (const p of PAIRS)
      for (const bg of p.bg) {
        const fg = vars[theme][p.fg];
        const back = vars[theme][bg];
        const ratio = contrast(fg, back);
        checked++;
        if (ratio < p.min)
          failures.push(`${p.fg} ${fg} on ${bg} ${back}: ${ratio.toFixed(2)}:1, needs ${p.min}:1 (${p.why})`);
      }
    assert.ok(checked >= 59, `only ${checked} pairs were checked`);
    assert.equal(failures.length, 0, `${theme} theme, below WCAG contrast:\n${failures.join('\n')}`);
  });
}

test('a colour lowered below its threshold is caught', () => {
  const css = fs
    .readFileSync(THEME_CSS, 'utf8')
    .replace(/(:root\[data-theme='dark'\]\s*\{[^}]*--text-muted:\s*)#[0-9a-f]+/i, '$1#5a6270');
  const v = themeVariables(css);
  assert.equal(v.dark['--text-muted'], '#5a6270', 'the replacement took');
  assert.ok(contrast(v.dark['--text-muted'], v.dark['--surface']) < TEXT, 'and it is below 4.5:1');
  assert.equal(v.light['--text-muted'], vars.light['--text-muted'], 'the light theme is unchanged');
});

test('parallel coordinates: every line colour of the ramp keeps 3:1 against the card in both themes', () => {
  for (const theme of ['light', 'dark'] as const) {
    const surface = vars[theme]['--surface'];
    for (let i = 0; i <= 100; i++) {
      const q = i / 100;
      const [r, g, b] = rampColor(q, theme).match(/\d+/g)!.map(Number);
      const hex = `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
      const ratio = contrast(hex, surface);
      assert.ok(ratio >= NON_TEXT, `${theme}: quality ${q} is ${hex}, ${ratio.toFixed(2)}:1 on ${surface}`);
    }
  }
});
