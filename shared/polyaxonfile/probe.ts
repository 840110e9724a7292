// One representative suggestion of a search space, used to check the templates of a group at parse time
// (Polyaxon validates a group by rendering one sampled suggestion: `matrix_declaration_test`).
import type { SearchSpec } from './types';
import { enumerate, sample } from './matrix';
import { Rng } from '../random';
import { setKey } from './merge';

export function probeSuggestion(search: SearchSpec): Record<string, unknown> {
  if (search.algorithm === 'mapping') return { ...(search.mapping?.[0] ?? {}) };
  const rng = new Rng(1);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(search.matrix)) {
    const values = enumerate(v);
    setKey(out, key, values && values.length ? values[0] : sample(v, rng));
  }
  return out;
}
