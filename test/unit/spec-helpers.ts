// Helpers of the polyaxonfile tests: parse expecting success or rejection, and find an error by path.
import assert from 'node:assert/strict';
import { parsePolyaxonfiles, type ParsedSpec, type SpecError } from '../../shared/polyaxonfile';

export function ok(text: string, params?: Record<string, string>): ParsedSpec {
  const r = parsePolyaxonfiles([{ name: 'polyaxonfile.yml', text }], { params });
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

export function errors(text: string, params?: Record<string, string>): SpecError[] {
  const r = parsePolyaxonfiles([{ name: 'polyaxonfile.yml', text }], { params });
  assert.ok(!r.ok, 'expected a rejection');
  for (const e of r.errors) assert.ok(!/internal error/.test(e.found), e.message);
  return r.errors;
}

export function hasError(errs: SpecError[], path: string, says: RegExp): void {
  assert.ok(
    errs.some((e) => e.path === path && says.test(`${e.expected}, found ${e.found}`)),
    `no error at ${path} matching ${says}:\n${errs.map((e) => e.message).join('\n')}`,
  );
}
