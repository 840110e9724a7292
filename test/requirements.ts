// Tests that need something this machine may not have (Docker, Chromium, scikit-learn, openssl, …): outside CI
// such a test skips and says why; under CI=true it FAILS with an error naming what is missing. CI installs all of
// these, so there a missing one means CI is broken. It is never a reason to skip. test/kubernetes/helpers.ts does
// the same for the test cluster (skipOrFail, needKube), and test/python/helpers.py for the Python tests
// (requires_module, import_or_skip).
//
//   const noDocker = await dockerAvailable();     // null, or why there is no Docker here
//   test('…', { skip: skipOrFail(noDocker) }, async (t) => {
//     if (!need(t, 'Docker', noDocker)) return;   // throws under CI=true; t.skip(reason) outside CI
//     …
//   });
//
// `skipOrFail` in the options puts the reason in the runner's listing without running the body (outside CI);
// under CI it gives false, the body runs, and `need` throws. In a before() hook, `available(what, missing)` throws
// under CI and returns false outside it (the tests then skip through their own `skip` option). Never call
// `test.skip()` in a body: that registers another, empty test that passes (ESLint forbids it).
import type { TestContext } from 'node:test';

/** Why something a test needs is missing, or null/undefined/false/'' when it is there. */
export type Missing = string | null | undefined | false;

/** True under CI=true (what .ci/run and CI services set). */
export const isCI = (): boolean => process.env.CI === 'true';

/**
 * node:test's `skip` option for a test that needs something: the reason when it is missing, outside CI; false when
 * it is there, and under CI=true (the test then runs and fails in `need`).
 */
export function skipOrFail(missing: Missing): string | false {
  return missing && !isCI() ? missing : false;
}

/** The error a test fails with under CI=true when `what` is missing. */
export function missingError(what: string, reason: string): Error {
  return new Error(`CI=true but ${what} is missing: ${reason}`);
}

/**
 * For hooks: true when nothing is missing; false outside CI when `what` is missing; throws missingError under
 * CI=true (a throwing before() hook fails every test of its file or suite, with that error).
 */
export function available(what: string, missing: Missing): boolean {
  if (!missing) return true;
  if (isCI()) throw missingError(what, missing);
  return false;
}

/**
 * In a test body: true when nothing is missing; otherwise `t.skip(reason)` and false outside CI (return at once),
 * and a thrown missingError under CI=true.
 */
export function need(t: TestContext, what: string, missing: Missing): boolean {
  if (!missing) return true;
  if (isCI()) throw missingError(what, missing);
  t.skip(missing);
  return false;
}
