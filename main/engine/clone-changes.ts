// A restart or resume with changes (`-P name=value`, `-f override.yml` as Polyaxon's `restart -f`): the run's
// polyaxonfile as recorded, read again with the changes merged over it (later wins), then rendered with the run's
// own params (a sweep's suggestion, a hyperband round's resource, the `-P` values it was started with) except the
// ones the change sets and the declarations that are templates (they follow the params they are made from).
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../../shared/api';
import {
  formatError,
  parsePolyaxonfiles,
  renderExperiment,
  type BuildSpec,
  type EnvironmentSpec,
  type ParsedSpec,
  type SpecError,
} from '../../shared/polyaxonfile';
import { checkSpec, imageProblems, kubernetesProblems } from './spec-check';

export interface RunChange {
  params?: Record<string, string>;
  files?: Array<{ name: string; text: string }>;
}

export interface ChangedRun {
  /** The merged polyaxonfile, recorded with the new run so that its own restart starts from it. */
  raw: Record<string, unknown>;
  cmd: string;
  params: Record<string, unknown>;
  build: BuildSpec | undefined;
  environment: EnvironmentSpec | undefined;
  framework: string | undefined;
  /** The params whose values the change set, for the caller to say. */
  changed: string[];
  /** What `axon check` warns of in the changed file (a value that renders NaN, shell syntax in a value). */
  warnings: string[];
}

export function hasChanges(change: RunChange): boolean {
  return Object.keys(change.params ?? {}).length > 0 || (change.files?.length ?? 0) > 0;
}

function refuse(errors: SpecError[]): never {
  throw new ApiError('invalid_spec', errors.map(formatError).join('\n'), errors);
}

function parse(files: Array<{ name: string; text: string }>, params: Record<string, string>): ParsedSpec {
  const r = parsePolyaxonfiles(files, { params });
  if (!r.ok) refuse(r.errors);
  return r.value;
}

const isTemplate = (v: unknown) => typeof v === 'string' && v.includes('{{');

export function changedRun(
  id: number,
  recorded: { raw: unknown; params: Record<string, unknown>; backend: string },
  change: RunChange,
): ChangedRun {
  // JSON is YAML: the recorded file is read again as it was merged and checked when the run was created.
  const base = { name: `experiment ${id}'s polyaxonfile`, text: JSON.stringify(recorded.raw) };
  const files = [base, ...(change.files ?? [])];
  const params = change.params ?? {};
  const before = parse([base], {});
  const after = parse(files, params);
  const found = checkSpec(after, files, params);
  if (found.errors.length) refuse(found.errors);
  if (after.kind !== before.kind)
    throw new ApiError(
      'invalid_spec',
      `${files
        .slice(1)
        .map((f) => f.name)
        .join(', ')}: a restart or resume runs the same kind of file (${before.kind}), ` +
        `found kind ${after.kind}`,
    );
  const changed = Object.keys(after.params).filter(
    (k) => k in params || !isDeepStrictEqual(after.params[k], before.params[k]),
  );
  const declared = after.rawParams ?? {};
  const kept = Object.fromEntries(
    Object.entries(recorded.params).filter(([k]) => !changed.includes(k) && !isTemplate(declared[k])),
  );
  const overrides = { ...kept, ...Object.fromEntries(changed.map((k) => [k, after.params[k]])) };
  const r = renderExperiment(after, {}, { overrides });
  if (!r.ok) refuse(r.errors);
  if (!r.value.cmd)
    throw new ApiError('invalid_spec', `${base.name}: run.cmd is required to run an experiment`);
  const problems = [
    ...imageProblems(after, r.value.build, recorded.backend),
    ...(recorded.backend === 'kubernetes' ? kubernetesProblems(after, r.value.environment) : []),
  ];
  if (problems.length) refuse(problems);
  return {
    raw: after.raw,
    cmd: r.value.cmd,
    params: r.value.params,
    build: r.value.build,
    environment: r.value.environment,
    framework: r.value.framework,
    changed,
    // "-P fixes the matrix param" speaks of a whole sweep; here one run is changed, as asked.
    warnings: found.warnings.filter((w) => !w.includes('fixes the matrix param')),
  };
}
