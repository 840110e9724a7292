// Polyaxon renders templates with Jinja2, which prints Python objects: True, None, [1, 2], {'a': 1}.
// Rendering the same way keeps commands identical and lets values round-trip through literal-eval.

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Python's float repr: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
 *  JS numbers do not remember whether they were written `1.0`: integral values print as ints. */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    const sign = e < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}

function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return q + out + q;
}

/** Python `repr()` of a JSON-like value. */
export function pyRepr(v: unknown, depth = 0): string {
  if (depth > 50) return '...';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map((x) => pyRepr(x, depth + 1)).join(', ')}]`;
  if (isPlainObject(v)) {
    const items = Object.keys(v).map((k) => `${quote(k)}: ${pyRepr(v[k], depth + 1)}`);
    return `{${items.join(', ')}}`;
  }
  return quote(String(v));
}

/** Python `str()`: what `{{ value }}` prints. */
export function pyStr(v: unknown): string {
  if (v === undefined) return ''; // Jinja prints undefined variables as nothing
  if (typeof v === 'string') return v;
  return pyRepr(v);
}
