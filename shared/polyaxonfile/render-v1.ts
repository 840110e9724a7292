// The command line of a v1 container: `command` + `args`, rendered token by token.
import type { BuildSpec, ParsedSpec } from './types';
import { show, type Issues, type Path } from './errors';
import { renderTree } from './operators';
import { pyStr } from './pyrepr';
import { imageProblem } from './build';
import { shellQuote } from './template';

/** A string `command`/`args` is taken as a shell line; list items are separate argv entries, so they are
 *  quoted, which keeps the exec semantics of Kubernetes when the line runs under `bash -c`. */
export function renderV1Command(
  spec: ParsedSpec,
  context: Record<string, unknown>,
  issues: Issues,
): string | undefined {
  const raw = (spec.rawRun ?? {}) as { command?: unknown; args?: unknown };
  const base: Path = spec.containerPath ?? [];
  const parts: string[] = [];
  for (const key of ['command', 'args'] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    const rendered = renderTree(value, context, [...base, key], issues, { operators: false });
    if (Array.isArray(rendered)) parts.push(...rendered.map((t) => shellQuote(pyStr(t))));
    else parts.push(pyStr(rendered));
  }
  const line = parts.join(' ').trim();
  return line || undefined;
}

export function renderV1Build(
  spec: ParsedSpec,
  context: Record<string, unknown>,
  issues: Issues,
): BuildSpec | undefined {
  const raw = spec.rawBuild as { image?: unknown } | undefined;
  if (raw?.image === undefined) return undefined;
  const path: Path = [...(spec.containerPath ?? []), 'image'];
  const image = pyStr(renderTree(raw.image, context, path, issues, { operators: false }));
  const problem = imageProblem(image);
  if (problem) {
    issues.add(path, problem, show(image));
    return undefined;
  }
  return { image, buildSteps: [], envVars: [], nocache: false };
}
