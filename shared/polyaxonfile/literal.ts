// A port of the part of Python's `ast.literal_eval` that Polyaxon's coercion relies on (SPEC §1.4):
// numbers, strings, True/False/None, lists, tuples, sets and dicts. Anything else is "not a literal",
// and the caller keeps the text as a string.
import { setKey } from './merge';
import { pyRepr } from './pyrepr';

export const NOT_LITERAL: unique symbol = Symbol('not a literal');

class Fail extends Error {}

const MAX_DEPTH = 100;

const INT_RE = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0(?:_?0)*)/;
const FLOAT_RE =
  /^(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*[eE][+-]?\d(?:_?\d)*)/;

class Reader {
  pos = 0;
  constructor(
    private readonly src: string,
    private readonly json: boolean,
  ) {}

  /** An expression statement: a bare `1, 2` is a tuple in Python. */
  top(): unknown {
    const first = this.value();
    if (this.peek() !== ',') return first;
    const out = [first];
    while (this.eat(',')) {
      if (this.done()) break;
      out.push(this.value());
    }
    return out;
  }

  done(): boolean {
    this.ws();
    return this.pos >= this.src.length;
  }

  private ws(): void {
    while (this.pos < this.src.length && ' \t\n\r\f\v'.includes(this.src[this.pos])) this.pos++;
  }

  private peek(): string {
    this.ws();
    return this.src[this.pos] ?? '';
  }

  private eat(ch: string): boolean {
    if (this.peek() === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  value(depth = 0): unknown {
    if (depth > MAX_DEPTH) throw new Fail();
    const ch = this.peek();
    if (ch === '[') return this.sequence(']', depth);
    if (ch === '(') return this.tuple(depth);
    if (ch === '{') return this.braces(depth);
    if (ch === '-' || ch === '+') {
      this.pos++;
      const v = this.value(depth + 1);
      if (typeof v !== 'number') throw new Fail();
      return ch === '-' ? -v : v;
    }
    if (ch === "'" || ch === '"') return this.strings();
    const rest = this.src.slice(this.pos);
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
    if (word !== undefined) {
      if (/^[rRuU]$/.test(word) && (rest[1] === "'" || rest[1] === '"')) return this.strings();
      this.pos += word.length;
      if (word === 'True' || (this.json && word === 'true')) return true;
      if (word === 'False' || (this.json && word === 'false')) return false;
      if (word === 'None' || (this.json && word === 'null')) return null;
      throw new Fail();
    }
    return this.number(rest);
  }

  private number(rest: string): number {
    const float = FLOAT_RE.exec(rest)?.[0];
    const int = INT_RE.exec(rest)?.[0];
    const text = float !== undefined && float.length >= (int?.length ?? 0) ? float : int;
    if (text === undefined) throw new Fail();
    const next = rest[text.length] ?? '';
    // `01`, `5j`, `1x` are not Python number literals.
    if (/[A-Za-z0-9_.]/.test(next)) throw new Fail();
    this.pos += text.length;
    const clean = text.replace(/_/g, '');
    if (text === float) return Number(clean);
    if (/^0[oO]/.test(clean)) return parseInt(clean.slice(2), 8);
    if (/^0[bB]/.test(clean)) return parseInt(clean.slice(2), 2);
    return Number(clean); // decimal and 0x… both parse with Number()
  }

  private sequence(close: string, depth: number): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    while (!this.eat(close)) {
      out.push(this.value(depth + 1));
      if (!this.eat(',')) {
        if (!this.eat(close)) throw new Fail();
        break;
      }
    }
    return out;
  }

  /** `(1)` is just 1; `(1,)` and `(1, 2)` are tuples, which become lists. */
  private tuple(depth: number): unknown {
    this.pos++;
    if (this.eat(')')) return [];
    const first = this.value(depth + 1);
    if (this.eat(')')) return first;
    if (!this.eat(',')) throw new Fail();
    const out = [first];
    while (!this.eat(')')) {
      out.push(this.value(depth + 1));
      if (!this.eat(',')) {
        if (!this.eat(')')) throw new Fail();
        break;
      }
    }
    return out;
  }

  /** A dict `{k: v}` or a set `{a, b}` (a list here); `{}` is an empty dict. */
  private braces(depth: number): unknown {
    this.pos++;
    if (this.eat('}')) return {};
    const first = this.value(depth + 1);
    if (this.eat(':')) {
      const out: Record<string, unknown> = {};
      setKey(out, keyOf(first), this.value(depth + 1));
      while (this.eat(',')) {
        if (this.peek() === '}') break;
        const k = this.value(depth + 1);
        if (!this.eat(':')) throw new Fail();
        setKey(out, keyOf(k), this.value(depth + 1));
      }
      if (!this.eat('}')) throw new Fail();
      return out;
    }
    const out = [first];
    while (this.eat(',')) {
      if (this.peek() === '}') break;
      out.push(this.value(depth + 1));
    }
    if (!this.eat('}')) throw new Fail();
    return out;
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(): string {
    let out = '';
    do {
      out += this.string();
    } while (/^[rRuU]?['"]/.test(this.src.slice(this.pos).trimStart()) && this.peek() !== '');
    return out;
  }

  private string(): string {
    this.ws();
    let raw = false;
    if (/[rRuU]/.test(this.src[this.pos])) {
      raw = /[rR]/.test(this.src[this.pos]);
      this.pos++;
    }
    const q = this.src[this.pos];
    const triple = this.src.startsWith(q.repeat(3), this.pos);
    const end = triple ? q.repeat(3) : q;
    this.pos += end.length;
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) throw new Fail();
      if (this.src.startsWith(end, this.pos)) {
        this.pos += end.length;
        return out;
      }
      const ch = this.src[this.pos];
      if (!triple && ch === '\n') throw new Fail();
      if (ch === '\\') {
        out += raw ? this.rawEscape() : this.escape();
        continue;
      }
      out += ch;
      this.pos++;
    }
  }

  private rawEscape(): string {
    const two = this.src.slice(this.pos, this.pos + 2);
    this.pos += two.length;
    return two;
  }

  private escape(): string {
    const c = this.src[this.pos + 1] ?? '';
    this.pos += 2;
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '0': '\0',
      '\n': '',
    };
    if (c in simple) return simple[c];
    const hexLen = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const hex = this.src.slice(this.pos, this.pos + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) throw new Fail();
      this.pos += hexLen;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new Fail();
      return String.fromCodePoint(code);
    }
    return `\\${c}`; // Python keeps unknown escapes as written
  }
}

function keyOf(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k !== null && typeof k === 'object') {
    if (!Array.isArray(k)) throw new Fail(); // dicts and sets are unhashable
  }
  return pyRepr(k);
}

/** Python's `ast.literal_eval`; `json` also accepts `true`, `false` and `null` (for `-P` values). */
export function literalEval(text: string, opts: { json?: boolean } = {}): unknown {
  const r = new Reader(text.replace(/^[ \t]+/, ''), opts.json ?? false);
  try {
    if (r.done()) return NOT_LITERAL;
    const v = r.top();
    return r.done() ? v : NOT_LITERAL;
  } catch (e) {
    if (e instanceof Fail) return NOT_LITERAL;
    throw e;
  }
}

/** Literal-eval a string, keeping it as it is when it is not a literal. */
export function coerceString(text: string, opts: { json?: boolean } = {}): unknown {
  const v = literalEval(text, opts);
  return v === NOT_LITERAL ? text : v;
}
