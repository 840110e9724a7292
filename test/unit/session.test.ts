// The dashboard's start-up decision (renderer/src/lib/session.ts): which engine answers lead to the login
// page, the old "open the address with the token" message, or the app as it always was; the login page's
// error wording; and the quota form's parsing (renderer/src/lib/quota.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootPhase, needsHealth, signInError } from '../../renderer/src/lib/session';
import { formatLimit, limitText, parseQuota } from '../../renderer/src/lib/quota';
import type { WhoAmI } from '../../shared/auth';

const alice: WhoAmI = {
  kind: 'user',
  auth: true,
  organizations: [{ name: 'lab', role: 'member' }],
  user: { id: 2, username: 'alice', email: null, superuser: false, createdAt: '2026-01-01T00:00:00Z' },
};

test('the desktop app and serve without --auth stay local; a session under --auth is signed in', () => {
  assert.equal(bootPhase({ transport: 'ipc' }), 'local');
  assert.equal(bootPhase({ transport: 'http', who: { ...alice, kind: 'local', auth: false } }), 'local');
  // The home's own token under --auth is the machine's owner: the app as before, no user menu.
  assert.equal(bootPhase({ transport: 'http', who: { ...alice, kind: 'local', user: null } }), 'local');
  assert.equal(bootPhase({ transport: 'http', who: alice }), 'signed-in');
});

test('no credential or a refused one: the login page only when the engine asks for sign-in', () => {
  assert.equal(needsHealth({ transport: 'none' }), true);
  assert.equal(needsHealth({ transport: 'http', whoError: 'unauthorized' }), true);
  assert.equal(needsHealth({ transport: 'http', whoError: 'unavailable' }), false);
  assert.equal(bootPhase({ transport: 'none', healthAuth: true }), 'sign-in');
  assert.equal(bootPhase({ transport: 'http', whoError: 'unauthorized', healthAuth: true }), 'sign-in');
  assert.equal(bootPhase({ transport: 'none', healthAuth: false }), 'no-token');
  assert.equal(bootPhase({ transport: 'http', whoError: 'unauthorized', healthAuth: false }), 'no-token');
  // An engine that cannot be asked (stopped): no login page on a guess.
  assert.equal(bootPhase({ transport: 'none', healthAuth: null }), 'no-token');
  assert.equal(bootPhase({ transport: 'http', whoError: 'unavailable' }), 'local');
});

test('a failed sign-in never says whether the username exists', () => {
  assert.equal(
    signInError({ code: 'unauthorized', message: 'wrong username or password' }),
    'Wrong username or password.',
  );
  assert.equal(
    signInError({
      code: 'rate_limited',
      message: 'too many failed sign-ins for bob',
      details: { retryAfterS: 29.2 },
    }),
    'Too many failed sign-ins. Try again in 30 s.',
  );
  assert.match(signInError({ code: 'rate_limited', message: 'x' }), /Too many failed sign-ins/);
  assert.match(signInError({ code: 'unavailable', message: 'cannot reach the Axon engine' }), /cannot reach/);
});

test('quota form: empty is no limit, memory in GiB, bad values name the field and what it expects', () => {
  const text = { experiments: '4', gpus: '', cpu: '2.5', memoryBytes: '1.5' };
  assert.deepEqual(parseQuota(text), {
    quota: { experiments: 4, gpus: null, cpu: 2.5, memoryBytes: 1.5 * 1024 ** 3 },
  });
  const bad = parseQuota({ ...text, gpus: '1.5' });
  assert.ok('error' in bad);
  assert.equal(bad.field, 'gpus');
  assert.match(bad.error, /GPUs: “1\.5” is not a limit; expected a whole number of 0 or more/);
  const neg = parseQuota({ ...text, memoryBytes: '-1' });
  assert.ok('error' in neg && neg.field === 'memoryBytes' && /\(GiB\)/.test(neg.error));
  assert.equal(limitText('memoryBytes', 2 * 1024 ** 3), '2');
  assert.equal(limitText('gpus', null), '');
  assert.equal(formatLimit('memoryBytes', 2 * 1024 ** 3), '2.00 GiB');
  assert.equal(formatLimit('cpu', 1), '1 core');
  assert.equal(formatLimit('experiments', null), 'no limit');
});
