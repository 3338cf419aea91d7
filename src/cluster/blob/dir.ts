/**
 * Blobs as files under one directory (a local disk, or a volume every machine mounts: NFS).
 *
 * A put writes a temporary file under `.tmp/`, fsyncs it, then hard-links it to its key: link()
 * fails if the name exists, so two writers racing on one key cannot overwrite each other (on NFS
 * too), and a reader sees either no file or the whole file. The directory is fsynced after, so
 * a blob whose put returned survives a power cut. When the key exists, its content is compared:
 * the same content refreshes its time, another content is refused (BlobConflict).
 *
 * Temporary files left by a crashed writer are removed by `sweepTemp` (the janitor calls it).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { ClusterError } from '../errors.ts';
import { BlobConflict, checkKey, DEFAULT_MAX_GET_BYTES, type BlobInfo, type BlobStore } from './store.ts';

const TEMP = '.tmp';

async function fsyncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class DirBlobStore implements BlobStore {
  readonly location: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.location = this.root;
  }

  /** Create the directory (and its temporary area) if missing. */
  async open(): Promise<this> {
    try {
      await fsp.mkdir(path.join(this.root, TEMP), { recursive: true });
    } catch (e) {
      throw new ClusterError(`${this.root}: không tạo được thư mục blob (${(e as Error).message})`, { cause: e });
    }
    return this;
  }

  private file(key: string): string {
    checkKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<{ created: boolean }> {
    const target = this.file(key);
    const tmp = path.join(this.root, TEMP, `${randomBytes(8).toString('hex')}.part`);
    const h = await fsp.open(tmp, 'wx');
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    try {
      const dir = path.dirname(target);
      await fsp.mkdir(dir, { recursive: true });
      try {
        await fsp.link(tmp, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const [mine, theirs] = await Promise.all([sha256File(tmp), sha256File(target)]);
        if (mine !== theirs) throw new BlobConflict(this.location, key);
        const now = new Date();
        await fsp.utimes(target, now, now);
        return { created: false };
      }
      await fsyncDir(dir);
      return { created: true };
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  async get(key: string, maxBytes = DEFAULT_MAX_GET_BYTES): Promise<Buffer | undefined> {
    const file = this.file(key);
    let h: fsp.FileHandle;
    try {
      h = await fsp.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const { size } = await h.stat();
      if (size > maxBytes) throw new ClusterError(`${this.location}: blob ${key} dài ${size} byte, quá giới hạn ${maxBytes} byte`);
      return await h.readFile();
    } finally {
      await h.close();
    }
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    try {
      const st = await fsp.stat(this.file(key));
      return st.isFile() ? { key, bytes: st.size, modified: st.mtime } : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async *list(prefix = ''): AsyncIterable<BlobInfo> {
    // Depth first, names sorted in each directory.
    const walk = async function* (this: DirBlobStore, dir: string, keyPrefix: string): AsyncGenerator<BlobInfo> {
      let entries: fs.Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const key = keyPrefix + e.name;
        if (e.isDirectory()) {
          const sub = key + '/';
          if (sub.startsWith(prefix) || prefix.startsWith(sub)) yield* walk.call(this, path.join(dir, e.name), sub);
        } else if (e.isFile() && key.startsWith(prefix)) {
          const info = await this.stat(key).catch(() => undefined);
          if (info) yield info;
        }
      }
    };
    yield* walk.call(this, this.root, '');
  }

  async delete(key: string): Promise<boolean> {
    try {
      await fsp.unlink(this.file(key));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /** Remove temporary files of puts that died, older than `olderThanMs`; how many. */
  async sweepTemp(olderThanMs: number): Promise<number> {
    const dir = path.join(this.root, TEMP);
    let n = 0;
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      return 0;
    }
    const cutoff = Date.now() - olderThanMs;
    for (const name of names) {
      const st = await fsp.stat(path.join(dir, name)).catch(() => undefined);
      if (st && st.mtimeMs < cutoff) {
        await fsp.rm(path.join(dir, name), { force: true });
        n++;
      }
    }
    return n;
  }
}
