/**
 * Actor key pairs, made once per actor and kept: an RSA key (RSASSA-PKCS1-v1_5, 2048 bits) for
 * HTTP signatures, which every fediverse server checks, and an Ed25519 key for Object Integrity
 * Proofs (FEP-8b32). Regenerating keys would make every server that cached the old public key
 * reject our signatures, so keys are never replaced at boot.
 *
 *   actor_keys(identifier, algorithm, private_jwk, public_jwk, created_at)
 *
 * Two processes asking for a new actor's keys at once both generate, but only the first INSERT
 * wins and both then read that one row, so an actor never has two different keys.
 */
import type { webcrypto } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { exportJwk, generateCryptoKeyPair, importJwk } from '@fedify/fedify';
import { openFederationDb } from './sqlite.ts';

type KeyPair = webcrypto.CryptoKeyPair;

const ALGORITHMS = ['RSASSA-PKCS1-v1_5', 'Ed25519'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

interface Row {
  algorithm: Algorithm;
  private_jwk: string;
  public_jwk: string;
}

export class ActorKeyStore {
  private readonly db: DatabaseSync;
  private readonly cache = new Map<string, Promise<KeyPair[]>>();
  private readonly sql: { read: StatementSync; insert: StatementSync };

  constructor(file: string) {
    this.db = openFederationDb(file, { synchronous: 'FULL' });
    this.db.exec(`CREATE TABLE IF NOT EXISTS actor_keys (
      identifier TEXT NOT NULL,
      algorithm TEXT NOT NULL,
      private_jwk TEXT NOT NULL,
      public_jwk TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (identifier, algorithm)
    )`);
    this.sql = {
      read: this.db.prepare('SELECT algorithm, private_jwk, public_jwk FROM actor_keys WHERE identifier = ?'),
      insert: this.db.prepare(`INSERT INTO actor_keys(identifier, algorithm, private_jwk, public_jwk, created_at)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    };
  }

  /** The actor's key pairs, RSA first then Ed25519, made and stored the first time they are asked for. */
  keyPairs(identifier: string): Promise<KeyPair[]> {
    let p = this.cache.get(identifier);
    if (!p) {
      p = this.load(identifier);
      this.cache.set(identifier, p);
      p.catch(() => this.cache.delete(identifier));
    }
    return p;
  }

  private async load(identifier: string): Promise<KeyPair[]> {
    let rows = this.sql.read.all(identifier) as unknown as Row[];
    const missing = ALGORITHMS.filter((a) => !rows.some((r) => r.algorithm === a));
    if (missing.length > 0) {
      for (const algorithm of missing) {
        const pair = await generateCryptoKeyPair(algorithm);
        const [priv, pub] = await Promise.all([exportJwk(pair.privateKey), exportJwk(pair.publicKey)]);
        this.sql.insert.run(identifier, algorithm, JSON.stringify(priv), JSON.stringify(pub), Date.now());
      }
      rows = this.sql.read.all(identifier) as unknown as Row[];
    }
    return Promise.all(
      ALGORITHMS.map(async (a) => {
        const r = rows.find((x) => x.algorithm === a)!;
        return {
          privateKey: await importJwk(JSON.parse(r.private_jwk), 'private'),
          publicKey: await importJwk(JSON.parse(r.public_jwk), 'public'),
        };
      }),
    );
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
