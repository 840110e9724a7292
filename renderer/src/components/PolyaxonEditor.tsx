// A polyaxonfile editor that validates as you type with the engine's own parser (shared/polyaxonfile), so
// the errors are the ones `axon check` gives, at the same line and column. Clicking an error moves the
// cursor there.
//
// Where it runs: files without templates are parsed right here, offline, on every pause in typing. The
// parser renders `{{ … }}` templates with nunjucks, which compiles them with `new Function` — forbidden by
// the page's Content-Security-Policy (no 'unsafe-eval'), in the browser and in Electron alike. So files
// with templates (most runnable ones: `cmd: python3 train.py --lr={{ lr }}`) are checked by the same parser
// in the engine (`runs.check`), which answers in milliseconds and also checks the search (matrix) fully.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ParsedSpec, SpecError } from '../../../shared/polyaxonfile';
import { call, errorMessage } from '../api';

// The parser (with its YAML and template engines) loads with the first editor, not with the app.
type Parser = typeof import('../../../shared/polyaxonfile').parsePolyaxonfiles;
let parserPromise: Promise<Parser> | null = null;
const loadParser = () =>
  (parserPromise ??= import('../../../shared/polyaxonfile').then((m) => m.parsePolyaxonfiles));

const TEMPLATE = /\{\{|\{%|\{#/;

export interface SpecSummary {
  kind: string;
  format?: string;
  params?: Record<string, unknown>;
  algorithm?: string;
  concurrency?: number;
  matrix?: string[];
}

export type Validation =
  | { ok: true; summary: SpecSummary; by: 'renderer' | 'engine' }
  | { ok: false; errors: SpecError[]; by: 'renderer' | 'engine'; failure?: string }
  | null;

function summarize(spec: ParsedSpec): SpecSummary {
  const h = spec.hptuning;
  return {
    kind: spec.kind,
    format: spec.format,
    params: spec.params,
    ...(h ? { algorithm: h.algorithm, concurrency: h.concurrency, matrix: Object.keys(h.matrix) } : {}),
  };
}

interface Props {
  id: string;
  fileName: string;
  text: string;
  params: Record<string, string>;
  onChange(text: string): void;
  onValidated(v: Validation): void;
}

export function PolyaxonEditor({ id, fileName, text, params, onChange, onValidated }: Props) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const [result, setResult] = useState<Validation>(null);
  const [parse, setParse] = useState<Parser | null>(null);

  useEffect(() => {
    let alive = true;
    void loadParser().then((p) => alive && setParse(() => p));
    return () => {
      alive = false;
    };
  }, []);

  useEffect(() => {
    if (!text.trim()) {
      setResult(null);
      onValidated(null);
      return;
    }
    let alive = true;
    const done = (v: Validation) => {
      if (!alive) return;
      setResult(v);
      onValidated(v);
    };
    const files = [{ name: fileName, text }];
    const templated = TEMPLATE.test(text) || Object.values(params).some((v) => TEMPLATE.test(v));
    if (!templated && !parse) return;
    const t = setTimeout(
      () => {
        if (!templated && parse) {
          const r = parse(files, { params });
          done(
            r.ok
              ? { ok: true, summary: summarize(r.value), by: 'renderer' }
              : { ok: false, errors: r.errors, by: 'renderer' },
          );
          return;
        }
        call('runs.check', { files, params }).then(
          (r) =>
            done(
              r.ok
                ? {
                    ok: true,
                    summary: { ...(r.summary as Omit<SpecSummary, 'kind'>), kind: r.kind },
                    by: 'engine',
                  }
                : { ok: false, errors: r.errors, by: 'engine' },
            ),
          (e) => done({ ok: false, errors: [], by: 'engine', failure: errorMessage(e) }),
        );
      },
      templated ? 250 : 120,
    );
    return () => {
      alive = false;
      clearTimeout(t);
    };
    // onValidated is a callback prop; validation depends on the text, the file name and the params.
  }, [text, fileName, params, parse]);

  const lineCount = useMemo(() => text.split('\n').length, [text]);
  const errorLines = useMemo(() => {
    const m = new Map<number, string>();
    if (result && !result.ok)
      for (const e of result.errors) if (e.line > 0 && !m.has(e.line)) m.set(e.line, e.message);
    return m;
  }, [result]);

  function goTo(line: number, column: number) {
    const el = area.current;
    if (!el || line < 1) return;
    const lines = text.split('\n');
    let pos = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    pos += Math.max(0, Math.min(column - 1, (lines[line - 1] ?? '').length));
    el.focus();
    el.setSelectionRange(pos, pos);
    const lh = parseFloat(getComputedStyle(el).lineHeight) || 18;
    el.scrollTop = Math.max(0, (line - 3) * lh);
  }

  const errorsId = `${id}-errors`;
  return (
    <div className="editor">
      <div className="editor-frame">
        <div className="editor-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => (
            <div
              key={i}
              className={errorLines.has(i + 1) ? 'gutter-line has-error' : 'gutter-line'}
              title={errorLines.get(i + 1)}
            >
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          id={id}
          ref={area}
          className="editor-text"
          value={text}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          wrap="off"
          aria-describedby={errorsId}
          aria-invalid={!!result && !result.ok}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
          onKeyDown={(e) => {
            // Tab inserts two spaces (YAML); Escape then Tab leaves the editor.
            if (
              e.key === 'Tab' &&
              !e.shiftKey &&
              !e.altKey &&
              !e.ctrlKey &&
              !e.metaKey &&
              e.currentTarget.dataset.escaped !== '1'
            ) {
              e.preventDefault();
              const el = e.currentTarget;
              const { selectionStart: s, selectionEnd: end } = el;
              onChange(text.slice(0, s) + '  ' + text.slice(end));
              requestAnimationFrame(() => el.setSelectionRange(s + 2, s + 2));
            }
            e.currentTarget.dataset.escaped = e.key === 'Escape' ? '1' : '0';
          }}
        />
      </div>
      <div id={errorsId} className="editor-status" aria-live="polite">
        {result === null ? (
          <p className="muted">
            Paste or write a polyaxonfile. It is checked as you type. (Tab indents; Esc then Tab leaves the
            editor.)
          </p>
        ) : result.ok ? (
          <p className="ok-text">
            ✓ Valid {result.summary.format} <strong>{result.summary.kind}</strong>
            {result.summary.algorithm
              ? ` · ${result.summary.algorithm} search over ${result.summary.matrix?.join(', ') || 'a mapping'}, concurrency ${result.summary.concurrency}`
              : ''}
          </p>
        ) : result.failure ? (
          <p className="form-error">The engine could not check this file: {result.failure}</p>
        ) : (
          <ul className="error-list" aria-label="Errors in the polyaxonfile">
            {result.errors.map((e, i) => (
              <li key={i}>
                <button type="button" className="link" onClick={() => goTo(e.line, e.column)}>
                  {e.line > 0 ? `line ${e.line}, column ${e.column}` : e.file || 'file'}
                </button>{' '}
                <span>
                  {e.path ? <code>{e.path}</code> : null} expected {e.expected}, found {e.found}
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
