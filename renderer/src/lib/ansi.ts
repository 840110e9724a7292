// ANSI escape sequences in job logs: SGR colours are rendered (16 colours, 256-colour and true-colour
// foregrounds, bold, dim, italic, underline); every other escape sequence is dropped.

export interface Span {
  text: string;
  cls?: string;
  color?: string;
}

// CSI sequences (ESC [ ... final byte), OSC sequences (ESC ] ... BEL or ESC \), and lone two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const HAS_ESC = /\x1b/;

export function stripAnsi(s: string): string {
  return HAS_ESC.test(s) ? s.replace(ESCAPES, '') : s;
}

const BASIC = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

function xterm256(n: number): string | undefined {
  if (n < 16) return undefined;
  if (n >= 232) {
    const g = 8 + (n - 232) * 10;
    return `rgb(${g},${g},${g})`;
  }
  const i = n - 16;
  const c = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  return `rgb(${c(Math.floor(i / 36))},${c(Math.floor(i / 6) % 6)},${c(i % 6)})`;
}

interface State {
  fg?: string; // a class name (ansi-red, ansi-bright-red)
  color?: string; // an explicit colour (256 / true colour)
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

function apply(state: State, codes: number[]): State {
  const s = { ...state };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0)
      Object.assign(s, {
        fg: undefined,
        color: undefined,
        bold: false,
        dim: false,
        italic: false,
        underline: false,
      });
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) s.bold = s.dim = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c >= 30 && c <= 37) [s.fg, s.color] = [`ansi-${BASIC[c - 30]}`, undefined];
    else if (c >= 90 && c <= 97) [s.fg, s.color] = [`ansi-bright-${BASIC[c - 90]}`, undefined];
    else if (c === 39) s.fg = s.color = undefined;
    else if (c === 38 && codes[i + 1] === 5) {
      const n = codes[i + 2];
      s.fg = n < 8 ? `ansi-${BASIC[n]}` : n < 16 ? `ansi-bright-${BASIC[n - 8]}` : undefined;
      s.color = xterm256(n);
      i += 2;
    } else if (c === 38 && codes[i + 1] === 2) {
      s.fg = undefined;
      s.color = `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})`;
      i += 4;
    } else if (c === 48 && (codes[i + 1] === 5 || codes[i + 1] === 2)) i += codes[i + 1] === 5 ? 2 : 4;
  }
  return s;
}

function classes(s: State): string | undefined {
  const c = [
    s.fg,
    s.bold && 'ansi-bold',
    s.dim && 'ansi-dim',
    s.italic && 'ansi-italic',
    s.underline && 'ansi-underline',
  ]
    .filter(Boolean)
    .join(' ');
  return c || undefined;
}

/** Splits one line into styled spans. Styles do not carry across lines (each line is rendered alone). */
export function ansiSpans(line: string): Span[] {
  if (!HAS_ESC.test(line)) return [{ text: line }];
  const out: Span[] = [];
  let state: State = {};
  let last = 0;
  ESCAPES.lastIndex = 0;
  for (let m = ESCAPES.exec(line); m; m = ESCAPES.exec(line)) {
    if (m.index > last)
      out.push({ text: line.slice(last, m.index), cls: classes(state), color: state.color });
    const seq = m[0];
    if (seq.startsWith('\x1b[') && seq.endsWith('m')) {
      const body = seq.slice(2, -1);
      state = apply(state, body === '' ? [0] : body.split(/[;:]/).map((x) => Number(x) || 0));
    }
    last = m.index + seq.length;
  }
  if (last < line.length) out.push({ text: line.slice(last), cls: classes(state), color: state.color });
  return out;
}
