import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSocialStore } from './index.ts';
import { openSocialDb, SCHEMA_VERSION } from './db.ts';
import { idAtTime, newId, normalizeId, timeOfId } from './ids.ts';

function withStore(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-social-store-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ids sort by time as text, are unique within a millisecond, and give their time back', () => {
  const ids = Array.from({ length: 2000 }, () => newId(1_760_000_000_000));
  assert.equal(new Set(ids).size, ids.length);
  const later = newId(1_760_000_000_001);
  assert.ok(ids.every((id) => id < later && id.length === 18));
  assert.equal(timeOfId(later), 1_760_000_000_001);
  assert.ok(idAtTime(1_760_000_000_001) <= later);
  assert.equal(normalizeId('117743260038421939'), '117743260038421939');
  assert.equal(normalizeId('5'), '000000000000000005');
  assert.equal(normalizeId('abc'), undefined);
  assert.equal(normalizeId('9'.repeat(30)), '9'.repeat(18));
});

test('migrations are recorded once; reopening applies nothing twice', () => {
  withStore((dir) => {
    openSocialDb(dir).close();
    const db = openSocialDb(dir);
    try {
      const rows = db.all<{ version: number }>('SELECT version FROM migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => r.version), Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    } finally {
      db.close();
    }
  });
});

test('text is stored NFC; every change to a status takes the next change sequence number', () => {
  withStore((dir) => {
    const store = openSocialStore(dir);
    try {
      const a = store.accounts.createLocal({ username: 'lan', passwordHash: 'x', displayName: 'Lan Phương'.normalize('NFD') });
      assert.equal(a.displayName, 'Lan Phương'.normalize('NFC'));
      const s1 = store.statuses.create({ accountId: a.id, text: 'Hoà bình'.normalize('NFD'), content: '<p>Hoà bình</p>'.normalize('NFD'), visibility: 'public' });
      assert.equal(s1.text, 'Hoà bình'.normalize('NFC'));
      assert.equal(s1.content, '<p>Hoà bình</p>'.normalize('NFC'));
      const s2 = store.statuses.create({ accountId: a.id, text: 'hai', content: '<p>hai</p>', visibility: 'public' });
      assert.ok(s2.seq > s1.seq);
      const edited = store.statuses.edit(s1.id, { text: 'Hòa bình', content: '<p>Hòa bình</p>' });
      assert.ok(edited.seq > s2.seq);
      store.statuses.delete(s2.id);
      const changes = store.statuses.changesSince(s2.seq - 1, 10);
      // s2's creation is superseded by its deletion: one row per status, in change order.
      assert.deepEqual(changes.map((c) => c.id), [s1.id, s2.id]);
      assert.ok(changes[1].deletedAt !== null);
      assert.equal(store.statuses.lastSeq(), changes[1].seq);
    } finally {
      store.close();
    }
  });
});

test('a remote account fits beside local ones: same username on another domain, found by its actor id', () => {
  withStore((dir) => {
    const store = openSocialStore(dir);
    try {
      const local = store.accounts.createLocal({ username: 'minh', passwordHash: 'x' });
      const remote = store.accounts.upsertRemote({ uri: 'https://mastodon.example/users/minh', username: 'minh', domain: 'Mastodon.Example', inboxUrl: 'https://mastodon.example/users/minh/inbox', displayName: 'Minh ở xa' });
      assert.notEqual(local.id, remote.id);
      assert.equal(remote.domain, 'mastodon.example');
      assert.equal(store.accounts.byHandle('MINH', 'mastodon.example')!.id, remote.id);
      assert.equal(store.accounts.byUri('https://mastodon.example/users/minh')!.id, remote.id);
      const again = store.accounts.upsertRemote({ uri: 'https://mastodon.example/users/minh', username: 'minh', domain: 'mastodon.example', displayName: 'Minh (đổi tên)' });
      assert.equal(again.id, remote.id);
      assert.equal(again.displayName, 'Minh (đổi tên)');
      const st = store.statuses.create({ accountId: remote.id, uri: 'https://mastodon.example/users/minh/statuses/1', url: 'https://mastodon.example/@minh/1', content: '<p>xin chào</p>', visibility: 'public' });
      assert.equal(store.statuses.byUri('https://mastodon.example/users/minh/statuses/1')!.id, st.id);
      assert.deepEqual(store.statuses.publicTimeline({ limit: 10 }, 'remote').map((x) => x.id), [st.id]);
      assert.deepEqual(store.statuses.publicTimeline({ limit: 10 }, 'local'), []);
    } finally {
      store.close();
    }
  });
});

test('timelines page newest first with max_id, since_id and min_id', () => {
  withStore((dir) => {
    const store = openSocialStore(dir);
    try {
      const a = store.accounts.createLocal({ username: 'a', passwordHash: 'x' });
      const ids = Array.from({ length: 6 }, (_, i) => store.statuses.create({ accountId: a.id, content: `<p>${i}</p>`, visibility: 'public', createdAt: 1_760_000_000_000 + i }).id);
      const home = (p: Parameters<typeof store.statuses.home>[1]) => store.statuses.home(a.id, p).map((s) => s.id);
      assert.deepEqual(home({ limit: 2 }), [ids[5], ids[4]]);
      assert.deepEqual(home({ limit: 2, maxId: ids[4] }), [ids[3], ids[2]]);
      assert.deepEqual(home({ limit: 2, sinceId: ids[1] }), [ids[5], ids[4]]);
      assert.deepEqual(home({ limit: 2, minId: ids[1] }), [ids[3], ids[2]]);
    } finally {
      store.close();
    }
  });
});
