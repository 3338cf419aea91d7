/**
 * Comparing a sharded answer with the single-node oracle's: everything but `took_ms` equal, the
 * same hits in the same order, scores within 1e-9 (sums of 32-bit floats; docs/SCALE.md
 * "Exactness").
 */
import assert from 'node:assert/strict';

export function sameAnswer(a: object, b: object, what: string): void {
  const strip = (x: object) => {
    const { took_ms: _t, hits, ...rest } = x as Record<string, unknown>;
    return { rest, hits: (hits as { score: number }[] | undefined) ?? [] };
  };
  const x = strip(a);
  const y = strip(b);
  assert.deepEqual(x.rest, y.rest, `${what}: everything but hits`);
  assert.equal(x.hits.length, y.hits.length, `${what}: number of hits`);
  x.hits.forEach((h, i) => {
    const { score: s1, ...r1 } = h;
    const { score: s2, ...r2 } = y.hits[i];
    assert.deepEqual(r1, r2, `${what}: hit ${i}`);
    assert.ok(Math.abs(s1 - s2) <= 1e-9, `${what}: hit ${i} score ${s1} vs ${s2}`);
  });
}
