// Reading the free-form options of Axon's own algorithms (`hptuning.asha`, `hptuning.tpe`, and the v1
// `matrix.kind: asha|tpe` fields), which accept snake_case and camelCase keys.

/** A bad option, with the field path so the error can point at the line that wrote it. */
export class OptionError extends Error {
  constructor(
    readonly path: Array<string | number>,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${path.join('.')}: expected ${expected}, found ${found}`);
  }
}

export function pick(raw: Record<string, unknown> | undefined, ...keys: string[]): unknown {
  for (const k of keys) if (raw && raw[k] !== undefined && raw[k] !== null) return raw[k];
  return undefined;
}

/** The key the user wrote (for the error path), else the first spelling. */
function written(raw: Record<string, unknown> | undefined, keys: string[]): string {
  return keys.find((k) => raw && k in raw) ?? keys[0];
}

export function numberOption(
  raw: Record<string, unknown> | undefined,
  where: Array<string | number>,
  keys: string[],
  opts: { default?: number; integer?: boolean; min?: number } = {},
): number {
  const v = pick(raw, ...keys);
  const what = `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}`;
  if (v === undefined) {
    if (opts.default !== undefined) return opts.default;
    throw new OptionError([...where, written(raw, keys)], what, 'nothing');
  }
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    (opts.integer && !Number.isInteger(v)) ||
    (opts.min !== undefined && v < opts.min)
  )
    throw new OptionError([...where, written(raw, keys)], what, JSON.stringify(v));
  return v;
}
