// Jinja-style templating with Polyaxon's coercion rules (SPEC §1.4), on nunjucks.
import nunjucks from 'nunjucks';
import { coerceString } from './literal';
import { pyStr } from './pyrepr';
import { namesIn } from './template-names';

/** Quotes a token for `bash -c` when it holds anything but plainly safe characters. */
export function shellQuote(token: string): string {
  if (/^[A-Za-z0-9_\-+=.,:/@%^]+$/.test(token)) return token;
  return `'${token.replace(/'/g, `'\\''`)}'`;
}

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
env.addFilter('__py', pyStr);
// Axon's addition (Ansible's name): `{{ name | quote }}` passes a value to the shell as one argument, whatever
// it holds (spaces, quotes, `;`), where `{{ name }}` pastes it in as text, as Polyaxon does.
env.addFilter('quote', (v: unknown) => shellQuote(pyStr(v)));
env.addFilter('__isnan', (v: unknown) => typeof v === 'number' && Number.isNaN(v));
// Jinja spells its constants True/False/None; nunjucks only knows true/false/none.
env.addGlobal('True', true);
env.addGlobal('False', false);
env.addGlobal('None', null);

const RAW_BLOCK = /(\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\})/;
const TAG = /\{\{(-?)([\s\S]*?)(-?)\}\}|\{%([\s\S]*?)%\}/g;

/** Jinja reads `jobs.1.outputs` as an item lookup; nunjucks needs `jobs[1]`. String literals are left alone. */
function numericAttributes(expr: string): string {
  return expr
    .split(/('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/(\b[A-Za-z_][A-Za-z0-9_]*|\]|\))\.(\d+)\b/g, '$1[$2]'),
    )
    .join('');
}

/** nunjucks prints values the JS way (`true`, `1,2`); route every `{{ … }}` through a filter that prints
 *  them as Jinja does (`True`, `[1, 2]`), so the output literal-evals back to the same value. */
function jinjaSource(src: string): string {
  return src
    .split(RAW_BLOCK)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(TAG, (all, open: string, expr: string, close: string, stmt: string | undefined) => {
            if (stmt !== undefined) return `{%${numericAttributes(stmt)}%}`;
            return expr.trim() ? `{{${open} (${numericAttributes(expr)}) | __py ${close}}}` : all;
          }),
    )
    .join('');
}

const cache = new Map<string, nunjucks.Template>();
const CACHE_SIZE = 1000;

function compile(src: string): nunjucks.Template {
  let t = cache.get(src);
  if (!t) {
    t = new nunjucks.Template(jinjaSource(src), env, undefined, true);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(src, t);
  }
  return t;
}

export function hasTemplate(src: string): boolean {
  return src.includes('{{') || src.includes('{%') || src.includes('{#');
}

export type Rendered = { ok: true; text: string } | { ok: false; error: string };

/** Renders one template string; undefined variables print as nothing, like Jinja's default. */
export function renderString(src: string, context: Record<string, unknown>): Rendered {
  if (!hasTemplate(src)) return { ok: true, text: src };
  try {
    return { ok: true, text: compile(src).render(context) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // nunjucks prefixes "(unknown path)" and spreads the reason over lines.
    const reason = msg
      .replace(/\(unknown path\)/g, '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    return { ok: false, error: reason || 'a template error' };
  }
}

const MAX_RERENDER = 10;

/**
 * Polyaxon's `_evaluate_expression`: render; when nothing changed, literal-eval the text; when it changed,
 * evaluate the output again (a value may itself hold a template).
 */
export function evaluateString(
  src: string,
  context: Record<string, unknown>,
  onError: (message: string) => void,
): unknown {
  let current = src;
  for (let i = 0; i < MAX_RERENDER; i++) {
    const r = renderString(current, context);
    if (!r.ok) {
      onError(r.error);
      return current;
    }
    if (r.text === current) return coerceString(current);
    current = r.text;
  }
  return current;
}

/**
 * The `{{ … }}` expressions of `src` that evaluate to NaN in `context` although no value they read is NaN:
 * arithmetic on a non-number (`{{ lr * 2 }}` with lr 'abc'), which nunjucks does the JavaScript way where Jinja
 * raises or repeats the string. An expression reading a name the context lacks (a loop variable) is not judged.
 */
export function nanExpressions(src: string, context: Record<string, unknown>): string[] {
  if (!src.includes('{{')) return [];
  const out: string[] = [];
  for (const m of src
    .split(RAW_BLOCK)
    .filter((_, i) => i % 2 === 0)
    .join('')
    .matchAll(TAG)) {
    const expr = m[2]?.trim();
    if (!expr) continue;
    const names = namesIn(expr);
    if (!names.every((n) => Object.prototype.hasOwnProperty.call(context, n))) continue;
    if (names.some((n) => typeof context[n] === 'number' && Number.isNaN(context[n]))) continue;
    const r = renderString(`{{ (${expr}) | __isnan }}`, context);
    if (r.ok && r.text === 'True') out.push(expr);
  }
  return out;
}
