// A statement with its `?` parameters written in as SQL literals, so that many can travel as one script
// (Db.write). Only values whose literal means exactly what binding them would are written in: integers,
// text without NUL, booleans, null and byte buffers. Anything else (a fractional number, whose decimal text
// SQLite might round differently from the bound double) gives null, and the caller binds it instead.

/** The SQL literal for a parameter value, or null when it has none that is exact. */
export function sqlLiteral(v: unknown): string | null {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : null;
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return v.includes('\0') ? null : `'${v.replace(/'/g, "''")}'`;
  if (Buffer.isBuffer(v)) return `X'${v.toString('hex')}'`;
  return null;
}

/**
 * `sql` with each `?` outside quotes and comments replaced by its parameter's literal; null when a value has
 * no exact literal. Numbered or named parameters (`?1`, `:x`) are not supported here: an error, as is a count
 * that does not match, since both are mistakes in Axon's own SQL.
 */
export function inlineParams(sql: string, params: readonly unknown[]): string | null {
  let out = '';
  let next = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = sql.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated ${c} in SQL: ${sql}`);
      out += sql.slice(i, end + 1);
      i = end + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '?') {
      if (/[0-9]/.test(sql[i + 1] ?? '')) throw new Error(`numbered parameter in SQL: ${sql}`);
      if (next >= params.length)
        throw new Error(`SQL has more ? than the ${params.length} parameters: ${sql}`);
      const lit = sqlLiteral(params[next++]);
      if (lit === null) return null;
      out += lit;
      i++;
    } else if ((c === ':' || c === '@' || c === '$') && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      throw new Error(`named parameter in SQL: ${sql}`);
    } else {
      out += c;
      i++;
    }
  }
  if (next !== params.length) throw new Error(`SQL has ${next} ? for ${params.length} parameters: ${sql}`);
  return out;
}
