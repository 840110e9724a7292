// The suggestions a group's experiments are created from. Grid and random are made eagerly at creation, in
// one transaction with the experiments, so a crash can neither lose nor repeat one.
import { ApiError } from '../../../shared/api';
import type { SearchSpec } from '../../../shared/polyaxonfile';
import { Rng } from '../../../shared/random';
import { gridSuggestions } from './grid';
import { randomSuggestions } from './random';

export function suggestionsFor(search: SearchSpec): Array<Record<string, unknown>> {
  switch (search.algorithm) {
    case 'grid':
      return gridSuggestions(search.matrix, search.nExperiments);
    case 'random':
      return randomSuggestions(search.matrix, search.nExperiments ?? 10, new Rng(search.seed || Date.now()));
    case 'mapping':
      return search.mapping ?? [];
    default:
      throw new ApiError(
        'invalid_spec',
        `the ${search.algorithm} search algorithm is not available yet in this Axon (grid, random and mapping are)`,
      );
  }
}
