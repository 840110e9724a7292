/** Builds a WHERE clause from the conditions that apply (falsy entries are skipped). */
export function where(conds: Array<[string, ...unknown[]] | false>): { sql: string; args: unknown[] } {
  const used = conds.filter((c): c is [string, ...unknown[]] => !!c);
  return {
    sql: used.length ? 'WHERE ' + used.map((c) => c[0]).join(' AND ') : '',
    args: used.flatMap((c) => c.slice(1)),
  };
}
