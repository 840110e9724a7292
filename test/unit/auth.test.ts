// The pure parts of a shared engine (issue #14): password hashing, run tokens, the sign-in limiter, which
// `axon serve` options are refused, and the permission table covering the whole contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, tokenHash, newToken, verifyPassword } from '../../main/engine/auth/secrets';
import { runToken, verifyRunToken } from '../../main/engine/auth/run-token';
import { LoginLimiter } from '../../main/engine/auth/rate-limit';
import { RULES } from '../../main/engine/auth/permissions';
import { serveProblem } from '../../main/cli/commands/serve';
import { methods } from '../../shared/api';

test('passwords: scrypt with a salt each time; only the right password verifies', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.notEqual(a, b, 'salted');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('anything', null), false, 'an unknown user never verifies');
});

test('bearer tokens: prefixed, random, stored as sha256', () => {
  const t = newToken('axp');
  assert.match(t, /^axp_[\w-]{43}$/);
  assert.notEqual(newToken('axp'), t);
  assert.equal(tokenHash(t).length, 64);
  assert.equal(tokenHash(t).includes(t.slice(4, 20)), false);
});

test("run tokens name their run and verify only under the home's key", () => {
  const key = 'a'.repeat(64);
  const t = runToken(key, 42);
  assert.match(t, /^axr_42_[0-9a-f]{64}$/);
  assert.equal(verifyRunToken(key, t), 42);
  assert.equal(verifyRunToken('b'.repeat(64), t), null, 'another home');
  assert.equal(verifyRunToken(key, t.replace('axr_42_', 'axr_43_')), null, 'another run, same mac');
  assert.equal(verifyRunToken(key, 'axr_42_xyz'), null);
});

test('sign-in limiter: 5 failures per key a minute, then wait; a success clears; keys apart', () => {
  const l = new LoginLimiter(5, 60_000);
  const t0 = 1_000_000;
  for (let i = 0; i < 5; i++) {
    assert.equal(l.retryAfter('ann\n1.2.3.4', t0 + i), 0);
    l.fail('ann\n1.2.3.4', t0 + i);
  }
  assert.equal(l.retryAfter('ann\n1.2.3.4', t0 + 10), 60);
  assert.equal(l.retryAfter('ann\n5.6.7.8', t0 + 10), 0, 'another address');
  assert.equal(l.retryAfter('ann\n1.2.3.4', t0 + 60_001), 0, 'the window moved on');
  l.fail('bob\n1', t0);
  l.succeed('bob\n1');
  assert.equal(l.retryAfter('bob\n1', t0), 0);
});

test('axon serve: beyond loopback only with --auth; --auth not in the background; TLS files together', () => {
  assert.equal(serveProblem({ host: '127.0.0.1' }), null);
  assert.equal(serveProblem({ host: '::1' }), null);
  assert.match(serveProblem({ host: '0.0.0.0' })!, /add --auth/);
  assert.match(serveProblem({ host: '192.168.1.5' })!, /add --auth/);
  assert.equal(serveProblem({ host: '0.0.0.0', auth: true }), null);
  assert.match(serveProblem({ host: '127.0.0.1', auth: true, background: true })!, /not with --background/);
  assert.match(serveProblem({ host: '127.0.0.1', tlsCert: 'c.pem' })!, /go together/);
  assert.match(
    serveProblem({ host: '127.0.0.1', allowLocalJobs: true })!,
    /is for a shared engine \(--auth\)/,
  );
  assert.equal(serveProblem({ host: '127.0.0.1', auth: true, allowLocalJobs: true }), null);
});

test('every API method has a permission rule, and every rule a method', () => {
  assert.deepEqual(Object.keys(RULES).sort(), Object.keys(methods).sort());
  for (const [m, r] of Object.entries(RULES))
    if (r.who === 'project' && r.run && m !== 'experiments.track')
      assert.equal(r.need, 'read', `${m}: a run token only reads, but its own run's tracking`);
});
