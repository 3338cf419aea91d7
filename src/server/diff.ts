/**
 * Word-level differences between two versions of a text (Myers' O((N+M)·D) algorithm), for
 * showing how an article changed after publication. Texts are split into words and the spaces
 * between them, so the output joins back to exactly the old and the new text.
 */
export type DiffOp = { op: 'same' | 'add' | 'del'; text: string };

/** Words and runs of whitespace, in order; joining them gives the text back. */
export function splitWords(text: string): string[] {
  return text.match(/\s+|[^\s]+/g) ?? [];
}

/**
 * The edit script turning `a` into `b`, with neighbouring pieces of the same kind merged.
 * When the texts differ in more than `maxEdits` words the result is one deletion and one
 * insertion (the versions are unrelated; a detailed diff would be noise and slow).
 */
export function diffWords(a: string, b: string, maxEdits = 4000): DiffOp[] {
  const x = splitWords(a);
  const y = splitWords(b);
  // Common prefix and suffix first: most revisions touch a few sentences.
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const ops: DiffOp[] = [];
  if (pre) ops.push({ op: 'same', text: x.slice(0, pre).join('') });
  const mid = myers(x.slice(pre, x.length - suf), y.slice(pre, y.length - suf), maxEdits);
  for (const o of mid) ops.push(o);
  if (suf) ops.push({ op: 'same', text: x.slice(x.length - suf).join('') });
  return merge(ops);
}

function merge(ops: DiffOp[]): DiffOp[] {
  const out: DiffOp[] = [];
  for (const o of ops) {
    if (!o.text) continue;
    const last = out[out.length - 1];
    if (last && last.op === o.op) last.text += o.text;
    else out.push({ ...o });
  }
  return out;
}

function myers(x: string[], y: string[], maxEdits: number): DiffOp[] {
  const n = x.length;
  const m = y.length;
  if (n === 0 && m === 0) return [];
  if (n === 0) return [{ op: 'add', text: y.join('') }];
  if (m === 0) return [{ op: 'del', text: x.join('') }];
  const max = Math.min(n + m, maxEdits);
  const off = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let px: number;
      if (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) px = v[off + k + 1];
      else px = v[off + k - 1] + 1;
      let py = px - k;
      while (px < n && py < m && x[px] === y[py]) {
        px++;
        py++;
      }
      next[off + k] = px;
      if (px >= n && py >= m) {
        found = d;
        break;
      }
    }
    v = next;
    if (found >= 0) break;
  }
  if (found < 0) return [{ op: 'del', text: x.join('') }, { op: 'add', text: y.join('') }];
  // Walk back through the saved frontiers.
  const ops: DiffOp[] = [];
  let px = n;
  let py = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d];
    const k = px - py;
    const down = k === -d || (k !== d && vd[off + k - 1] < vd[off + k + 1]);
    const pk = down ? k + 1 : k - 1;
    const sx = vd[off + pk];
    const sy = sx - pk;
    while (px > sx + (down ? 0 : 1) && py > sy + (down ? 1 : 0)) {
      ops.push({ op: 'same', text: x[--px] });
      py--;
    }
    if (down) ops.push({ op: 'add', text: y[--py] });
    else ops.push({ op: 'del', text: x[--px] });
  }
  while (px > 0 && py > 0) {
    ops.push({ op: 'same', text: x[--px] });
    py--;
  }
  ops.reverse();
  return ops;
}
