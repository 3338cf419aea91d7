/**
 * Machine slots: indexers on one machine run at most as many jobs at once as the machine has
 * cores (or `--slots N`). An indexer claims a job only while it holds a slot; the others wait as
 * standbys and take over within a poll when a holder stops or dies.
 *
 * Why: building a segment, merging and counting are CPU-bound and single-threaded in an indexer,
 * and PostgreSQL needs CPU beside them. Measured on 2 cores at 500k documents (docs/SCALE.md,
 * session 8): 2 indexers publish 5,228 documents a second, 4 only 4,162 — their CPU per document
 * rose by a quarter (more processes switching on two cores, each with its own heap and caches).
 * Lucene's ConcurrentMergeScheduler bounds its merge threads by the cores for the same reason.
 *
 * A slot is a session-level PostgreSQL advisory lock, keyed by the schema, the machine's name and
 * the slot's number, on a connection held for as long as the slot: a holder that dies (even
 * kill -9) frees its slot when PostgreSQL closes its session. Slots are about throughput only,
 * never correctness: jobs are fenced by their leases whatever the slots do, so a slot lost with
 * a broken connection (two jobs running where one should) costs speed, nothing else.
 */
import os from 'node:os';
import type { Pool, PoolClient } from '../pg/connect.ts';

/** The advisory lock's first key: this schema's slots of the machine named by $1. */
const KEY = "hashtext('tra-indexer-slot:' || current_schema() || ':' || $1)";

export interface SlotOptions {
  /** Slots on this machine (default: its cores, `os.availableParallelism()`; 0: no limit). */
  slots?: number;
  /** The machine's name (default `os.hostname()`): indexers with the same name share slots. */
  machine?: string;
}

export class MachineSlots {
  readonly slots: number;
  readonly machine: string;
  private readonly pool: Pool;
  private client: PoolClient | undefined;
  private slot = -1;

  constructor(pool: Pool, o: SlotOptions = {}) {
    this.pool = pool;
    this.slots = o.slots ?? os.availableParallelism();
    this.machine = o.machine ?? os.hostname();
  }

  /** Whether this process may run a job now (it holds a slot, or slots are unlimited). */
  get held(): boolean {
    return this.slots === 0 || this.slot >= 0;
  }

  /** The slot held (0-based), or -1. */
  get number(): number {
    return this.slot;
  }

  /** Take a free slot if there is one; true when held (already, or now). Never waits. */
  async acquire(): Promise<boolean> {
    if (this.held) return true;
    const client = await this.pool.connect();
    try {
      // One slot at a time, client-side: a single statement trying every slot could take several.
      let slot = -1;
      for (let s = 0; s < this.slots && slot < 0; s++) {
        const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${KEY}, $2) AS ok`, [this.machine, s]);
        if (rows[0].ok) slot = s;
      }
      if (slot < 0) {
        client.release();
        return false;
      }
      this.client = client;
      this.slot = slot;
      // A connection that breaks loses the lock with it: forget the slot, so the next acquire
      // takes one again instead of running on a slot nobody holds.
      client.once('error', this.onError);
      return true;
    } catch (e) {
      client.release(true);
      throw e;
    }
  }

  /** Give the slot back (a standby on this machine may take it). */
  async release(): Promise<void> {
    const client = this.client;
    const slot = this.slot;
    if (!client || slot < 0) return;
    this.client = undefined;
    this.slot = -1;
    client.off('error', this.onError);
    try {
      await client.query(`SELECT pg_advisory_unlock(${KEY}, $2)`, [this.machine, slot]);
      client.release();
    } catch {
      client.release(true); // a broken session holds no lock anyway
    }
  }

  private readonly onError = (): void => {
    const client = this.client;
    this.client = undefined;
    this.slot = -1;
    client?.release(true);
  };
}
