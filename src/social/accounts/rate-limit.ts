/**
 * A bounded in-memory limiter for sign-in attempts: at most `max` attempts per key in a sliding
 * window. Keys are "ip:ADDRESS" and "account:USERNAME"; the map holds at most `maxKeys` entries
 * (the oldest are dropped first), so a flood of addresses cannot grow it without bound. State is
 * per process and lost on restart, which is fine for slowing guessing down.
 */
export interface LimitRule {
  max: number;
  windowMs: number;
}

export class AttemptLimiter {
  private readonly rule: LimitRule;
  private readonly maxKeys: number;
  private readonly hits = new Map<string, number[]>();

  constructor(rule: LimitRule, maxKeys = 10_000) {
    this.rule = rule;
    this.maxKeys = maxKeys;
  }

  private recent(key: string, now: number): number[] {
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.rule.windowMs);
    if (list.length === 0) this.hits.delete(key);
    else this.hits.set(key, list);
    return list;
  }

  /** Milliseconds until another attempt is allowed for `key`, or 0 when one is allowed now. */
  retryAfter(key: string, now = Date.now()): number {
    if (this.rule.max <= 0) return 0;
    const list = this.recent(key, now);
    if (list.length < this.rule.max) return 0;
    return Math.max(1, list[list.length - this.rule.max] + this.rule.windowMs - now);
  }

  /** Count one attempt for `key`. */
  hit(key: string, now = Date.now()): void {
    if (this.rule.max <= 0) return;
    const list = this.recent(key, now);
    list.push(now);
    if (list.length > this.rule.max) list.splice(0, list.length - this.rule.max);
    this.hits.delete(key);
    this.hits.set(key, list);
    while (this.hits.size > this.maxKeys) this.hits.delete(this.hits.keys().next().value!);
  }

  /** Forget a key (a successful sign-in clears the account's failures). */
  clear(key: string): void {
    this.hits.delete(key);
  }

  get size(): number {
    return this.hits.size;
  }
}
