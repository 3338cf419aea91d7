/**
 * A searcher: follows the segment manifest in PostgreSQL, keeps a copy of the live segments of
 * its shards on local disk, and answers the coordinator's per-shard requests over HTTP.
 *
 * Following the manifest: LISTEN on the channel every publish notifies (indexer/publish.ts), plus
 * a poll every `pollMs` (a notification can be lost when the connection breaks). A sync reads each
 * changed shard's checkpoint, live segments and deleted versions in one REPEATABLE READ snapshot
 * (a consistent cut, not SERIALIZABLE: segments and deletions of one generation), copies only
 * segments it does not hold yet, checks each file's SHA-256 against the manifest, checks that
 * the view holds exactly as many live versions as the manifest names (else it keeps the view it
 * has), and then swaps the shard's view in one assignment: a
 * query runs on the view it started with. Views replaced in the last `keepMs` stay answerable
 * by generation, so the two phases of one query (statistics, then search) see the same segments.
 *
 * Registration: a row in `searchers` (URL, shards, generations served) refreshed by a heartbeat
 * every `heartbeatMs`; the coordinator uses searchers whose heartbeat is recent, and the row is
 * removed on a clean stop.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, existsSync, openSync, fsyncSync, closeSync } from 'node:fs';
import pg from 'pg';
import type { Pool } from '../pg/connect.ts';
import type { BlobStore } from '../blob/store.ts';
import { Segment } from '../../engine/segment.ts';
import { collectCounts } from '../../engine/restore-model.ts';
import { Counter, Gauge, Histogram, Registry } from '../../server/metrics.ts';
import { ClusterError } from '../errors.ts';
import { MANIFEST_CHANNEL } from '../indexer/publish.ts';
import { shardSearch, shardStats } from './shard-query.ts';
import type { ShardSearchRequest, StatsRequest } from './protocol.ts';

export interface SearcherOptions {
  pool: Pool;
  pgUrl: string;
  blob: BlobStore;
  host: string;
  port: number;
  /** Local copies of segments (default: the system's temporary directory). */
  dir?: string;
  /** Serve only these shards (default: every shard). */
  shards?: string[];
  replicaGroup?: string;
  pollMs?: number;
  heartbeatMs?: number;
  keepMs?: number;
  /** Largest request body, bytes (default 4 MiB). */
  bodyLimit?: number;
  log?: (line: string) => void;
}

interface View {
  shard: string;
  generation: number;
  segments: Segment[];
  /** Segment id → its object, the number of deleted versions it was made with, and its checksum (the local file's name). */
  byId: Map<string, { seg: Segment; deleted: number; checksum: string }>;
}

const LATENCY = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class Searcher {
  readonly id = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly o: SearcherOptions;
  private readonly dir: string;
  private views = new Map<string, View>();
  private old = new Map<string, { view: View; until: number }>();
  /** Local segment files (names) this process copied or opened. */
  private readonly mine = new Set<string>();
  private server: http.Server | undefined;
  private listener: pg.Client | undefined;
  private timers: NodeJS.Timeout[] = [];
  private syncing: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  url = '';
  private readonly registry = new Registry();
  private readonly requests = this.registry.add(new Counter('tra_searcher_requests_total', 'Requests answered, by endpoint and status.'));
  private readonly latency = this.registry.add(new Histogram('tra_searcher_request_duration_seconds', 'Time to answer a request, by endpoint.', LATENCY));
  private readonly syncs = this.registry.add(new Counter('tra_searcher_syncs_total', 'Manifest syncs, by outcome.'));
  private readonly copied = this.registry.add(new Counter('tra_searcher_segment_bytes_copied_total', 'Bytes of segments copied from blob storage.'));
  private readonly removed = this.registry.add(new Counter('tra_searcher_segments_removed_total', 'Local copies of segments deleted once no view held them.'));

  constructor(o: SearcherOptions) {
    this.o = o;
    this.dir = o.dir ?? path.join(os.tmpdir(), `tra-searcher-${o.host}-${o.port}`);
    this.registry.add(new Gauge('tra_searcher_shards', 'Shards served.', () => this.views.size));
    this.registry.add(new Gauge('tra_searcher_segments', 'Live segments held.', () => [...this.views.values()].reduce((n, v) => n + v.segments.length, 0)));
    this.registry.add(new Gauge('tra_searcher_documents', 'Live documents held.', () => [...this.views.values()].reduce((n, v) => n + v.segments.reduce((m, s) => m + s.liveCount, 0), 0)));
  }

  /** Sync once, start serving, register, and follow the manifest. */
  async start(): Promise<string> {
    mkdirSync(this.dir, { recursive: true });
    await this.sync();
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
    const addr = this.server.address() as { port: number };
    const host = this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
    this.url = `http://${host}:${addr.port}`;
    await this.heartbeat();
    await this.listen().catch(() => undefined);
    this.timers.push(setInterval(() => void this.requestSync(), this.o.pollMs ?? 2_000));
    this.timers.push(setInterval(() => void this.heartbeat().catch((e) => this.o.log?.(`heartbeat: ${(e as Error).message}`)), this.o.heartbeatMs ?? 2_000));
    return this.url;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.listener?.end().catch(() => undefined);
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
    await this.o.pool.query('DELETE FROM searchers WHERE id = $1', [this.id]).catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.listener || this.stopped) return;
    const c = new pg.Client({ connectionString: this.o.pgUrl, connectionTimeoutMillis: 10_000, keepAlive: true });
    c.on('error', () => {
      // The poll goes on; the next one reconnects.
      if (this.listener === c) this.listener = undefined;
    });
    c.on('end', () => {
      if (this.listener === c) this.listener = undefined;
    });
    c.on('notification', () => void this.requestSync());
    await c.connect();
    await c.query(`LISTEN ${MANIFEST_CHANNEL}`);
    this.listener = c;
  }

  private async heartbeat(): Promise<void> {
    const gens = Object.fromEntries([...this.views.values()].map((v) => [v.shard, v.generation]));
    await this.o.pool.query(
      `INSERT INTO searchers (id, url, replica_group, shards, generations, pid) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET url = $2, shards = $4, generations = $5, heartbeat_at = now()`,
      [this.id, this.url, this.o.replicaGroup ?? 'default', Object.keys(gens).sort(), JSON.stringify(gens), process.pid],
    );
  }

  /** Sync now, or right after the sync in progress. */
  requestSync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.listener) void this.listen().catch(() => undefined);
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.again = false;
          await this.sync();
        } while (this.again && !this.stopped);
      } catch (e) {
        this.syncs.inc({ outcome: 'error' });
        this.o.log?.(`đồng bộ danh mục phân đoạn thất bại (manifest sync failed): ${(e as Error).message}`);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Bring every shard's view to its published generation. */
  async sync(): Promise<void> {
    const client = await this.o.pool.connect();
    const plans: { shard: string; generation: number; segs: { id: string; key: string; checksum: string; bytes: string; doc_count: number }[]; deleted: Map<string, number[]>; live: number }[] = [];
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows } = await client.query<{ shard: string; generation: string }>(
        'SELECT shard, generation FROM shard_checkpoints WHERE $1::text[] IS NULL OR shard = ANY($1::text[]) ORDER BY shard',
        [this.o.shards ?? null],
      );
      for (const r of rows) {
        const gen = Number(r.generation);
        if (this.views.get(r.shard)?.generation === gen) continue;
        const segs = (await client.query<{ id: string; key: string; checksum: string; bytes: string; doc_count: number }>(
          "SELECT id, segment_key AS key, checksum, bytes, doc_count FROM segments WHERE shard = $1 AND state = 'live' ORDER BY min_seq, id",
          [r.shard],
        )).rows;
        const del = (await client.query<{ segment_id: string; seq: string }>(
          'SELECT segment_id, seq FROM version_segments WHERE shard = $1 AND deleted_generation IS NOT NULL AND segment_id = ANY($2::bigint[])',
          [r.shard, segs.map((s) => s.id)],
        )).rows;
        const deleted = new Map<string, number[]>();
        for (const d of del) {
          let l = deleted.get(d.segment_id);
          if (!l) deleted.set(d.segment_id, (l = []));
          l.push(Number(d.seq));
        }
        // Live versions: every version a live segment holds (publish and merge commit only when
        // the versions pointed at a segment are exactly its doc_count) less the deleted ones read
        // above. Counting the shard's version rows instead cost a scan of the whole shard on
        // every generation: ~1M rows per publish at 2M documents on 2 shards.
        const live = segs.reduce((n, s) => n + s.doc_count, 0) - del.length;
        plans.push({ shard: r.shard, generation: gen, segs, deleted, live });
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    let refused: Error | undefined;
    for (const p of plans) {
      const prev = this.views.get(p.shard);
      const byId = new Map<string, { seg: Segment; deleted: number; checksum: string }>();
      const segments: Segment[] = [];
      for (const s of p.segs) {
        const dels = p.deleted.get(s.id) ?? [];
        const had = prev?.byId.get(s.id);
        let seg: Segment;
        if (had && had.deleted === dels.length) seg = had.seg;
        else {
          seg = new Segment(s.key, had ? had.seg.bytes : await this.segmentBytes(s.key, s.checksum, Number(s.bytes)));
          if (dels.length) {
            const bits = new Uint8Array((seg.docCount + 7) >> 3);
            let n = 0;
            for (const q of dels) {
              const d = seg.docOfSeq(q);
              if (d >= 0 && !(bits[d >> 3] & (1 << (d & 7)))) {
                bits[d >> 3] |= 1 << (d & 7);
                n++;
              }
            }
            seg.deleted = bits;
            seg.deletedCount = n;
          }
        }
        byId.set(s.id, { seg, deleted: dels.length, checksum: s.checksum });
        segments.push(seg);
      }
      // The view must hold exactly the versions the manifest says are live at this generation
      // (every deletion found in its segment, every segment complete); otherwise it is never
      // served: the previous view stays and the sync is reported as failed.
      const held = segments.reduce((n, s) => n + s.liveCount, 0);
      if (held !== p.live) {
        refused ??= new ClusterError(`shard ${p.shard} generation ${p.generation}: ${held} tài liệu trong các phân đoạn nhưng danh mục ghi ${p.live} (view does not match the manifest) — giữ bản cũ`);
        continue;
      }
      const view: View = { shard: p.shard, generation: p.generation, segments, byId };
      if (prev) this.old.set(`${prev.shard}@${prev.generation}`, { view: prev, until: Date.now() + (this.o.keepMs ?? 60_000) });
      this.views.set(p.shard, view);
      this.syncs.inc({ outcome: 'swapped' });
    }
    // Advertise the new generations at once, not at the next heartbeat.
    if (plans.length && this.url) void this.heartbeat().catch(() => undefined);
    const now = Date.now();
    for (const [k, v] of this.old) if (v.until < now) this.old.delete(k);
    this.removeUnused();
    if (refused) throw refused;
  }

  /**
   * Delete local copies of segments no view holds any more (merged away or retired, and past
   * `keepMs`): the local directory holds what is served, not every segment ever copied. Only
   * files this process copied or opened are deleted (`mine`): another searcher given the same
   * directory keeps its own.
   */
  private removeUnused(): void {
    const held = new Set<string>();
    for (const v of [...this.views.values(), ...[...this.old.values()].map((o) => o.view)]) for (const e of v.byId.values()) held.add(`${e.checksum}.tseg`);
    for (const n of this.mine) {
      if (held.has(n)) continue;
      this.mine.delete(n);
      try {
        unlinkSync(path.join(this.dir, n));
        this.removed.inc();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.o.log?.(`không xoá được bản sao cũ ${n} (cannot remove an unused local segment): ${(e as Error).message}`);
      }
    }
  }

  /** A segment's bytes: the local copy if its checksum is right, else copied from blob storage and checked. */
  private async segmentBytes(key: string, checksum: string, size: number): Promise<Uint8Array> {
    const file = path.join(this.dir, `${checksum}.tseg`);
    this.mine.add(`${checksum}.tseg`);
    if (existsSync(file)) {
      const b = readFileSync(file);
      if (createHash('sha256').update(b).digest('hex') === checksum) return b;
    }
    const b = await this.o.blob.get(key, Math.max(size, 1) + 1);
    if (!b) throw new ClusterError(`${this.o.blob.location}: thiếu phân đoạn ${key} mà danh mục ghi là đang dùng (segment missing from blob storage)`);
    if (createHash('sha256').update(b).digest('hex') !== checksum) {
      throw new ClusterError(`${this.o.blob.location}: phân đoạn ${key} sai mã kiểm (checksum mismatch) — tệp hỏng, không dùng`);
    }
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, b);
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
    this.copied.inc({}, b.length);
    return b;
  }

  private viewOf(shard: string, generation?: number): View | undefined {
    const cur = this.views.get(shard);
    if (generation === undefined || cur?.generation === generation) return cur;
    return this.old.get(`${shard}@${generation}`)?.view;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = performance.now();
    const url = new URL(req.url ?? '/', 'http://x');
    const route = url.pathname;
    let status = 200;
    let body: unknown;
    try {
      if (req.method === 'POST' && route === '/shard/stats') {
        const r = (await readJson(req, this.o.bodyLimit)) as StatsRequest;
        const v = this.viewOf(r.shard, r.generation);
        if (!v) [status, body] = [409, { error: `shard ${r.shard} generation ${r.generation ?? 'current'} not held` }];
        else body = { ...shardStats(v.segments, v.generation, r), current: this.views.get(r.shard)?.generation };
      } else if (req.method === 'POST' && route === '/shard/search') {
        const r = (await readJson(req, this.o.bodyLimit)) as ShardSearchRequest;
        const v = this.viewOf(r.shard, r.generation);
        if (!v) [status, body] = [409, { error: `shard ${r.shard} generation ${r.generation} not held` }];
        else body = { ...shardSearch(v.segments, v.generation, r), current: this.views.get(r.shard)?.generation };
      } else if (req.method === 'GET' && route === '/shard/restore-counts') {
        const shard = url.searchParams.get('shard') ?? '';
        const v = this.viewOf(shard, url.searchParams.has('generation') ? Number(url.searchParams.get('generation')) : undefined);
        if (!v) [status, body] = [409, { error: `shard ${shard} not held` }];
        else {
          const c = collectCounts(v.segments);
          body = { shard, generation: v.generation, unigrams: [...c.unigrams], bigrams: [...c.bigrams] };
        }
      } else if (req.method === 'GET' && route === '/healthz') {
        body = { status: 'ok', id: this.id, shards: Object.fromEntries([...this.views.values()].map((v) => [v.shard, v.generation])), documents: [...this.views.values()].reduce((n, v) => n + v.segments.reduce((m, s) => m + s.liveCount, 0), 0) };
      } else if (req.method === 'GET' && route === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(this.registry.render());
        return;
      } else [status, body] = [404, { error: 'not found' }];
    } catch (e) {
      [status, body] = [(e as { status?: number }).status ?? 500, { error: (e as Error).message }];
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    const known = ['/shard/stats', '/shard/search', '/shard/restore-counts', '/healthz'].includes(route) ? route : 'other';
    this.requests.inc({ route: known, status: String(status) });
    this.latency.observe({ route: known }, (performance.now() - t0) / 1000);
  }
}

function readJson(req: http.IncomingMessage, limit = 4 << 20): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(Object.assign(new Error('request body is not JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}
