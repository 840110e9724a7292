// What a polyaxonfile may cost to read. A polyaxonfile comes from the user's folder, the dashboard's editor or
// the HTTP API, and is parsed by the engine (and by the renderer as the user types): a hostile or broken one
// must be refused with the limit it hit, never exhaust memory, the stack or the event loop. The limits are far
// above any real polyaxonfile (the largest in Polyaxon's examples is a few KiB).
//  - size: the text, before anything is parsed;
//  - depth: nesting of mappings and lists, measured on yaml's concrete syntax tree (built with an explicit
//    stack, unlike the composer, which recurses: 5,000 nested `[` overflowed the stack there);
//  - aliases: yaml's own maxAliasCount (an alias bomb, "billion laughs");
//  - values: the longest single scalar, and the number of values once aliases are expanded.
import { CST, Lexer, Parser } from 'yaml';

export const YAML_LIMITS = {
  /** Characters of one file. */
  maxChars: 1024 * 1024,
  /** Levels of nested mappings and lists. */
  maxDepth: 64,
  /** yaml's maxAliasCount: how much aliases may expand. */
  maxAliasCount: 1000,
  /** Characters of one scalar value. */
  maxValueChars: 256 * 1024,
  /** Values (keys, scalars, mappings, lists) of the document once aliases are expanded. */
  maxValues: 100_000,
} as const;

export interface LimitHit {
  /** Offset in the text where it was hit (0 when it concerns the whole text). */
  offset: number;
  expected: string;
  found: string;
}

const n = (x: number) => x.toLocaleString('en-US');

/** Checks the text before it is composed: size, then nesting depth, then the longest scalar. */
export function checkYamlText(text: string): LimitHit | null {
  if (text.length > YAML_LIMITS.maxChars)
    return {
      offset: 0,
      expected: `a file of at most ${n(YAML_LIMITS.maxChars)} characters (the size limit)`,
      found: `${n(text.length)} characters`,
    };
  // Flow nesting and the number of scalars first, from the lexer alone: a fraction of the parser's cost, and
  // composing 150,000 values took seconds. Every key, scalar and alias written counts; aliases can only add
  // to that once expanded (and maxAliasCount bounds what they add).
  let flow = 0;
  let scalars = 0;
  for (const tok of new Lexer().lex(text)) {
    const t = CST.tokenType(tok);
    if (t === 'scalar' || t === 'single-quoted-scalar' || t === 'double-quoted-scalar' || t === 'alias') {
      if (++scalars > YAML_LIMITS.maxValues) return valuesHit();
    } else if (t === 'flow-map-start' || t === 'flow-seq-start') {
      if (++flow > YAML_LIMITS.maxDepth) return depthHit(0);
    } else if (t === 'flow-map-end' || t === 'flow-seq-end') flow = Math.max(0, flow - 1);
  }
  const stack: Array<{ token: CST.Token | undefined; depth: number }> = [];
  for (const doc of new Parser().parse(text))
    if (doc.type === 'document') stack.push({ token: doc.value, depth: 0 });
  while (stack.length) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > YAML_LIMITS.maxDepth) return depthHit(token.offset);
      for (const item of token.items) {
        if ('key' in item && item.key) stack.push({ token: item.key as CST.Token, depth: depth + 1 });
        stack.push({ token: item.value, depth: depth + 1 });
      }
    } else if (
      (token.type === 'scalar' ||
        token.type === 'single-quoted-scalar' ||
        token.type === 'double-quoted-scalar' ||
        token.type === 'block-scalar') &&
      token.source.length > YAML_LIMITS.maxValueChars
    )
      return {
        offset: token.offset,
        expected: `a value of at most ${n(YAML_LIMITS.maxValueChars)} characters (the value size limit)`,
        found: `${n(token.source.length)} characters`,
      };
  }
  return null;
}

function valuesHit(): LimitHit {
  return {
    offset: 0,
    expected: `at most ${n(YAML_LIMITS.maxValues)} values (keys, scalars, mappings and lists, aliases expanded: the size limit)`,
    found: 'more',
  };
}

function depthHit(offset: number): LimitHit {
  return {
    offset,
    expected: `at most ${YAML_LIMITS.maxDepth} levels of nested mappings and lists (the depth limit)`,
    found: 'deeper nesting',
  };
}

/** Counts the values of a composed document (aliases expanded), stopping once over the limit. */
export function countValuesOver(value: unknown): LimitHit | null {
  let count = 0;
  // Iterative, and it stops at the limit, so neither a deep nor a huge (or cyclic) value can cost more.
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (++count > YAML_LIMITS.maxValues) return valuesHit();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else
      for (const x of Object.values(v as Record<string, unknown>)) {
        count++; // the key
        stack.push(x);
      }
  }
  return null;
}

/** The message yaml gives when maxAliasCount is passed, said with the limit. */
export function aliasLimitHit(message: string): LimitHit | null {
  if (!/excessive alias count/i.test(message)) return null;
  return {
    offset: 0,
    expected: `aliases that expand to at most ${n(YAML_LIMITS.maxAliasCount)} nodes (the alias limit, against alias bombs)`,
    found: 'more (an alias bomb?)',
  };
}
