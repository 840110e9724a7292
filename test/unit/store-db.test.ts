// The store's connection (store/db.ts), on a real SQLite file. Db.write: inside a transaction, writes travel
// as one script with the next read or the COMMIT, their parameters written in as SQL literals; these tests hold
// it to what binding would have done (the same values back, reads that see the transaction's writes,
// all-or-nothing on error). Kept statements: errors still reach the caller, and many distinct ones still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Store } from '../../main/engine/store';
import { inlineParams, sqlLiteral } from '../../main/engine/store/inline';
import { insertExperiment, tmpDir } from '../helpers';

async function db() {
  const store = await Store.open(path.join(tmpDir(), 'axon.db'));
  await store.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)');
  return store.db;
}

test('parameters are written in as literals only where the literal is exact', () => {
  assert.equal(sqlLiteral(null), 'NULL');
  assert.equal(sqlLiteral(undefined), 'NULL');
  assert.equal(sqlLiteral(42), '42');
  assert.equal(sqlLiteral(-7), '-7');
  assert.equal(sqlLiteral(true), '1');
  assert.equal(sqlLiteral("it's"), "'it''s'");
  assert.equal(sqlLiteral(Buffer.from([0, 255])), "X'00ff'");
  assert.equal(sqlLiteral(0.1), null, 'a fractional number is bound, not printed');
  assert.equal(sqlLiteral(2 ** 60), null, 'an integer beyond 2^53 is bound');
  assert.equal(sqlLiteral(-0), null, '-0 is bound');
  assert.equal(sqlLiteral('a\0b'), null, 'text with NUL cannot be in SQL text');
  assert.equal(sqlLiteral({}), null);
});

test('only the ? outside quotes and comments are parameters; a count mismatch is an error', () => {
  assert.equal(
    inlineParams(`UPDATE t SET a = ?, b = '?' -- why?\nWHERE "id?" = ?`, ['x', 3]),
    `UPDATE t SET a = 'x', b = '?' \nWHERE "id?" = 3`,
  );
  assert.equal(inlineParams("SELECT 'it''s ?', ?", [1]), "SELECT 'it''s ?', 1");
  assert.equal(inlineParams("SELECT /* it's ? */ ?", [2]), 'SELECT  2');
  assert.equal(inlineParams('UPDATE t SET a = ?', [0.5]), null, 'falls back to binding');
  assert.throws(() => inlineParams('UPDATE t SET a = ?', []), /more \? than the 0 parameters/);
  assert.throws(() => inlineParams('UPDATE t SET a = ?', [1, 2]), /1 \? for 2 parameters/);
  assert.throws(() => inlineParams('UPDATE t SET a = ?1', [1]), /numbered parameter/);
  assert.throws(() => inlineParams('UPDATE t SET a = :a', [1]), /named parameter/);
});

test('values written inside a transaction read back exactly as bound ones do', async () => {
  const d = await db();
  const values: unknown[] = [
    'quote \' and " and ; -- not a comment',
    'line\nbreak, tab\t, emoji 🧪, accents é',
    0.1 + 0.2,
    1e-300,
    Number.MAX_SAFE_INTEGER,
    -12,
    null,
    Buffer.from('bytes\0with nul'),
    'text\0with nul',
  ];
  await d.transaction(async () => {
    for (const [i, v] of values.entries()) await d.write('INSERT INTO t (id, a) VALUES (?, ?)', [i + 1, v]);
  });
  const rows = await d.all<{ id: number; a: unknown }>('SELECT id, a FROM t ORDER BY id');
  assert.deepEqual(
    rows.map((r) => r.a),
    values,
    'each value comes back as it went in, whether written in or bound',
  );
});

test('a read inside the transaction sees its unsent writes; one outside does not see them before COMMIT', async () => {
  const d = await db();
  let inside: unknown[] = [];
  await d.transaction(async () => {
    await d.write('INSERT INTO t (id, a) VALUES (?, ?)', [1, 'one']);
    await d.write('UPDATE t SET b = ? WHERE id = ?', [2, 1]);
    inside = await d.all('SELECT id, a, b FROM t');
  });
  assert.deepEqual(inside, [{ id: 1, a: 'one', b: 2 }], 'the read ran after the writes before it');
  assert.deepEqual(await d.all('SELECT id, a, b FROM t'), [{ id: 1, a: 'one', b: 2 }], 'committed');
});

test('a failing write fails its transaction where it is sent, and nothing of the transaction is kept', async () => {
  const d = await db();
  await d.write('INSERT INTO t (id, a) VALUES (?, ?)', [1, 'before']);
  await assert.rejects(
    d.transaction(async () => {
      await d.write('UPDATE t SET a = ? WHERE id = ?', ['changed', 1]);
      await d.write('INSERT INTO t (id, a) VALUES (?, ?)', [1, 'duplicate id']);
      await d.write('INSERT INTO t (id, a) VALUES (?, ?)', [2, 'after']);
    }),
    /UNIQUE constraint failed/,
  );
  assert.deepEqual(await d.all('SELECT id, a FROM t'), [{ id: 1, a: 'before' }], 'rolled back whole');
  // The connection is usable and not left inside a transaction.
  await d.transaction(() => d.write('INSERT INTO t (id, a) VALUES (?, ?)', [3, 'next']));
  assert.equal((await d.all('SELECT id FROM t')).length, 2);
});

test('an error thrown by the transaction body drops its unsent writes', async () => {
  const d = await db();
  await assert.rejects(
    d.transaction(async () => {
      await d.write('INSERT INTO t (id, a) VALUES (?, ?)', [1, 'x']);
      throw new Error('body failed');
    }),
    /body failed/,
  );
  assert.deepEqual(await d.all('SELECT * FROM t'), [], 'nothing written');
});

test('a status change read twice in one transaction is read from the database once', async () => {
  const store = await Store.open(path.join(tmpDir(), 'axon.db'));
  const id = await insertExperiment(store);
  const reads: string[] = [];
  const all = store.db.all.bind(store.db);
  store.db.all = ((sql: string, params?: unknown[]) => {
    reads.push(sql);
    return all(sql, params);
  }) as typeof store.db.all;
  const applied = await store.db.transaction(async () => [
    (await store.statuses.experimentIn(id, 'scheduled')).applied,
    (await store.statuses.experimentIn(id, 'starting')).applied,
    (await store.statuses.experimentIn(id, 'created')).applied,
  ]);
  assert.deepEqual(applied, [true, true, false], 'starting → created is still refused from what was written');
  assert.equal(reads.filter((s) => s.startsWith('SELECT status FROM experiments')).length, 1);
  const hist = await store.statuses.history('experiment', id);
  assert.deepEqual(
    hist.map((h) => h.status),
    ['created', 'scheduled', 'starting'],
  );
});

test('kept statements: a bad one rejects every time, over 128 distinct ones still run, close finalizes them', async () => {
  const d = await db();
  for (let i = 0; i < 2; i++) {
    await assert.rejects(d.all('SELEC 1'), /syntax error/, 'a statement that cannot be prepared rejects');
    await assert.rejects(d.run('INSERT INTO nope VALUES (1)'), /no such table: nope/);
  }
  await d.run('INSERT INTO t (id, a) VALUES (?, ?)', [1, 'x']);
  await assert.rejects(d.run('INSERT INTO t (id, a) VALUES (?, ?)', [1, 'y']), /UNIQUE constraint failed/);
  // The same statement after its error: prepared afresh, it works.
  assert.deepEqual(await d.run('INSERT INTO t (id, a) VALUES (?, ?)', [2, 'y']), { lastID: 2, changes: 1 });
  const sums = await Promise.all(
    Array.from({ length: 300 }, (_, i) => d.get<{ v: number }>(`SELECT ${i} + count(*) AS v FROM t`)),
  );
  assert.deepEqual(
    sums.map((r) => r!.v),
    Array.from({ length: 300 }, (_, i) => i + 2),
    'each of 300 distinct statements (more than are kept) answers its own query',
  );
  await d.close();
});
