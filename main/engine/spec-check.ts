// What `axon check` and `runs.create` find beyond the parser: template names nothing defines (an error: Jinja
// would render them empty), `-P` names the file neither declares nor uses (an error: a typo), `-P` fixing a
// matrix param (a warning: every experiment then runs with that value), and what would run (the planned number
// of experiments and the first rendered command).
import type { ParsedSpec, SpecError } from '../../shared/polyaxonfile';
import { formatError, parsePolyaxonfiles, renderExperiment } from '../../shared/polyaxonfile';
import { COMMAND_LINE } from '../../shared/polyaxonfile/errors';
import { namesIn, undefinedTemplateNames } from '../../shared/polyaxonfile/template-names';
import { firstResource, plannedExperiments } from './sweeps/planned';
import { sampleSuggestion } from './sweeps/suggest';

export interface SpecFindings {
  errors: SpecError[];
  warnings: string[];
  /** The planned number of experiments (1 for an experiment). */
  experiments?: number | string;
  /** The first experiment's command, rendered. */
  command?: string;
}

/** Every name a template of the file reads. */
function templateNames(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) for (const n of namesIn(m[1])) out.add(n);
  } else if (Array.isArray(value)) value.forEach((v) => templateNames(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => templateNames(v, out));
  return out;
}

export function checkSpec(
  spec: ParsedSpec,
  files: Array<{ name: string; text: string }>,
  params: Record<string, string>,
  seed = 1,
): SpecFindings {
  const errors = undefinedTemplateNames(spec);
  const warnings: string[] = [];
  const overrides = Object.keys(params ?? {});
  if (overrides.length) {
    const plain = parsePolyaxonfiles(files, {});
    const declared = new Set([
      ...Object.keys(plain.ok ? (plain.value.rawParams ?? plain.value.params) : {}),
      ...(spec.inputs ?? []).map((i) => i.name),
    ]);
    const used = templateNames(spec.raw);
    const matrix = new Set(Object.keys(spec.hptuning?.matrix ?? {}));
    for (const name of overrides) {
      if (matrix.has(name))
        warnings.push(
          `-P ${name}=${params[name]} fixes the matrix param ${name}: every experiment of the group runs with ${name}=${params[name]}`,
        );
      else if (!declared.has(name) && !used.has(name)) {
        const e = {
          file: COMMAND_LINE,
          line: 0,
          column: 0,
          path: `-P ${name}`,
          expected: `a param the file declares or uses (${[...new Set([...declared, ...used])].sort().join(', ') || 'none'})`,
          found: `"${name}", which it neither declares nor uses`,
        };
        errors.push({ ...e, message: formatError(e) });
      }
    }
  }
  const out: SpecFindings = { errors, warnings };
  if (spec.hptuning) {
    const p = plannedExperiments(spec.hptuning);
    if (p) out.experiments = p.atMost ? `at most ${p.total}` : p.total;
  } else out.experiments = 1;
  if (!errors.length && (spec.kind === 'experiment' || spec.kind === 'job' || spec.kind === 'group')) {
    const r = spec.hptuning
      ? renderExperiment(spec, sampleSuggestion(spec.hptuning, seed), {
          overrides: firstResource(spec.hptuning),
        })
      : renderExperiment(spec, {});
    if (r.ok && r.value.cmd) out.command = r.value.cmd;
  }
  return out;
}
