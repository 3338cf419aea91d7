import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { openPool } from '../pg/connect.ts';
import { MachineSlots } from './slots.ts';

test('machine slots: at most N holders per machine, a freed or dead holder lets a standby in, machines and schemas apart', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema();
  const other = await testSchema();
  const pools = Array.from({ length: 4 }, () => openPool(s.url, { max: 2 }));
  try {
    const [a, b, c] = pools.slice(0, 3).map((p) => new MachineSlots(p, { slots: 2, machine: 'may-1' }));
    assert.equal(await a.acquire(), true);
    assert.equal(await b.acquire(), true);
    assert.deepEqual([a.number, b.number].sort(), [0, 1]);
    assert.equal(await c.acquire(), false, 'a third indexer on a 2-slot machine waits');
    assert.equal(c.held, false);
    assert.equal(await a.acquire(), true, 'acquiring a held slot again is a no-op');

    // Another machine, and the same machine name in another schema (another cluster), have slots of their own.
    const may2 = new MachineSlots(pools[3], { slots: 2, machine: 'may-2' });
    assert.equal(await may2.acquire(), true);
    await may2.release();
    const elsewhere = new MachineSlots(other.pool, { slots: 2, machine: 'may-1' });
    assert.equal(await elsewhere.acquire(), true);
    await elsewhere.release();

    const freed = a.number;
    await a.release();
    assert.equal(await c.acquire(), true, 'a released slot is taken by the standby');
    assert.equal(c.number, freed);

    // A holder whose session dies (kill -9, a broken connection) frees its slot with it.
    const pid = (await s.pool.query<{ pid: number }>(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid::int = hashtext('tra-indexer-slot:' || current_schema() || ':may-1')",
      [b.number],
    )).rows[0]?.pid;
    assert.ok(pid, 'the slot is an advisory lock held by the holder\'s session');
    await s.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    const d = new MachineSlots(s.pool, { slots: 2, machine: 'may-1' });
    for (let i = 0; i < 50 && !(await d.acquire()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(d.held, true, 'the dead holder\'s slot is free again');
    await d.release();
    await c.release();

    // 0: no limit.
    const free = new MachineSlots(s.pool, { slots: 0, machine: 'may-1' });
    assert.equal(free.held, true);
    assert.equal(await free.acquire(), true);
  } finally {
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
    await other.drop();
    await s.drop();
  }
});
