// One experiment of a parsed spec: its params (matrix suggestion under the declarations), command, build
// and environment, with the templates rendered.
import type { ParsedSpec, RenderedExperiment, Result } from './types';
import { Issues, internalError, show, type Path } from './errors';
import { deepMerge, has } from './merge';
import { renderTree } from './operators';
import { templateContext } from './io';
import { locateFromMap } from './positions';
import { parseBuild, parseRun } from './build';
import { parseEnvironment } from './environment';
import { isPlainObject } from './pyrepr';
import { renderV1Build, renderV1Command } from './render-v1';
import { staticParams } from './params';

export interface RenderOptions {
  /** Extra template variables such as v1's `globals` (`{{ globals.run_outputs_path }}`); params win. */
  context?: Record<string, unknown>;
  /** Params that win even over static declarations: the resource a hyperband/ASHA round injects
   *  (Polyaxon patches that declaration, SPEC §1.11). */
  overrides?: Record<string, unknown>;
}

function paramsPath(spec: ParsedSpec): Path {
  return [
    spec.format === 'v0' && !has(spec.raw, 'params') && has(spec.raw, 'declarations')
      ? 'declarations'
      : 'params',
  ];
}

/**
 * Renders one experiment. `suggestion` is the matrix suggestion ({} for a plain experiment); static
 * params override matrix values of the same name: `deep_update(suggestion, declarations)` (SPEC §1.4).
 */
export function renderExperiment(
  spec: ParsedSpec,
  suggestion: Record<string, unknown>,
  opts: RenderOptions = {},
): Result<RenderedExperiment> {
  try {
    const issues = new Issues(locateFromMap(spec.positions, spec.files[0] ?? ''));
    const merged = deepMerge(
      deepMerge(suggestion ?? {}, staticParams(spec, suggestion ?? {})),
      opts.overrides ?? {},
    ) as Record<string, unknown>;
    const params = renderTree(merged, merged, paramsPath(spec), issues, { operators: false }) as Record<
      string,
      unknown
    >;
    const context = { ...opts.context, ...templateContext(params, spec.inputs) };
    const out: RenderedExperiment = { params };
    if (spec.framework) out.framework = spec.framework;

    if (spec.format === 'v1') {
      const cmd = renderV1Command(spec, context, issues);
      if (cmd) out.cmd = cmd;
      const build = renderV1Build(spec, context, issues);
      if (build) out.build = build;
      if (spec.environment) out.environment = spec.environment;
    } else {
      const buildPath: Path = spec.kind === 'build' ? [] : ['build'];
      if (spec.rawBuild !== undefined && spec.rawBuild !== null) {
        const rendered = renderTree(spec.rawBuild, context, buildPath, issues, { operators: true });
        if (isPlainObject(rendered)) {
          const build = parseBuild(rendered, buildPath, issues);
          if (build) out.build = build;
        } else {
          issues.add(buildPath, 'a mapping', show(rendered));
        }
      }
      if (spec.rawRun !== undefined && spec.rawRun !== null) {
        const cmd = parseRun(
          renderTree(spec.rawRun, context, ['run'], issues, { operators: true }),
          ['run'],
          issues,
        );
        if (cmd !== undefined) out.cmd = cmd;
      }
      if (spec.raw.environment != null) {
        const rendered = renderTree(spec.raw.environment, context, ['environment'], issues, {
          operators: false,
        });
        const env = parseEnvironment(rendered, ['environment'], issues, {
          framework: spec.framework,
          backend: spec.backend,
          allowReplicas: spec.kind === 'experiment' || spec.kind === 'group',
        });
        if (env) out.environment = env;
      }
    }
    return issues.errors.length ? { ok: false, errors: issues.errors } : { ok: true, value: out };
  } catch (e) {
    return { ok: false, errors: [internalError(spec?.files?.[0] ?? '', e)] };
  }
}
