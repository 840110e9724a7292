// Which suggestions a group starts with. Grid, random and mapping are made eagerly at creation, in one
// transaction with the experiments, so a crash can neither lose nor repeat one; the iterative algorithms
// propose as results arrive (group-runner.ts).
import type { ParsedSpec, SearchSpec, SpecError } from '../../../shared/polyaxonfile';
import { sample } from '../../../shared/polyaxonfile';
import { Issues } from '../../../shared/polyaxonfile/errors';
import { locateFromMap } from '../../../shared/polyaxonfile/positions';
import { Rng } from '../../../shared/random';
import { gridSuggestions } from './grid';
import { randomSuggestions } from './random';
import { ITERATIVE, makeSearcher } from './group-runner';
import { runStep } from './make-searcher';
import { OptionError } from './options';

export function eagerSuggestions(search: SearchSpec, seed: number): Array<Record<string, unknown>> {
  switch (search.algorithm) {
    case 'grid':
      return gridSuggestions(search.matrix, search.nExperiments);
    case 'random':
      return randomSuggestions(search.matrix, search.nExperiments ?? 10, new Rng(seed));
    case 'mapping':
      return search.mapping ?? [];
    default:
      return [];
  }
}

/**
 * What the group's first experiment gets: the first of the eager suggestions `runs.create` makes, or the first
 * proposal of the searcher's first step (`group-runner.ts`). Proposals are drawn in order from the seeded
 * generator, so the first is the same however many slots are free. Throws on options the searcher refuses.
 */
export function firstSuggestion(
  search: SearchSpec,
  seed: number,
): { params: Record<string, unknown>; overrides?: Record<string, unknown> } {
  if (!ITERATIVE.has(search.algorithm)) return { params: eagerSuggestions(search, seed)[0] ?? {} };
  const first = runStep(search, seed, undefined, [], 1).proposals[0];
  return first ? { params: first.params, overrides: first.overrides } : { params: {} };
}

/** One suggestion to check that the templates render (Polyaxon validates a group the same way). */
export function sampleSuggestion(search: SearchSpec, seed: number): Record<string, unknown> {
  if (!ITERATIVE.has(search.algorithm)) return eagerSuggestions(search, seed)[0] ?? {};
  const rng = new Rng(seed);
  return Object.fromEntries(Object.entries(search.matrix).map(([k, v]) => [k, sample(v, rng)]));
}

/** Errors in the options of Axon's own algorithms, placed at the line that wrote them where possible. */
export function searchErrors(spec: ParsedSpec): SpecError[] {
  const search = spec.hptuning;
  if (!search || !ITERATIVE.has(search.algorithm)) return [];
  const issues = new Issues(locateFromMap(spec.positions, spec.files[0] ?? ''));
  try {
    makeSearcher(search, 1).init();
  } catch (e) {
    if (e instanceof OptionError) issues.add(e.path, e.expected, e.found);
    else issues.add(['hptuning', search.algorithm], 'valid options', (e as Error).message);
  }
  return issues.errors;
}
