/**
 * Story clusters: articles about the same story across outlets, with who published first and who
 * followed, and when.
 *
 * Single-pass clustering in publication order, as in topic detection and tracking (Allan,
 * Carbonell, Doddington, Yamron and Yang, "Topic Detection and Tracking Pilot Study", 1998): each
 * article joins the most similar open story if the similarity reaches a threshold, else it starts
 * a new one. A story stays open while its last article is younger than the time window.
 *
 * - An article is its set of terms (./terms.ts: syllables and syllable pairs, stopwords out) from
 *   title and summary, weighted by inverse document frequency over everything counted (rare names
 *   weigh more than "việt nam"); similarity is the cosine with the story's centroid.
 * - Candidate stories are found through the article's informative terms only (those in under 2%
 *   of documents), so the cost stays proportional to what the article shares with others.
 * - Near-duplicates (the same text under two URLs, or one outlet republishing another) have a
 *   cosine with the story's first article of 0.8 or more and are marked as such.
 */
import { observedText, termsOf } from './terms.ts';
import { outletOf } from './outlets.ts';

export interface ClusterDoc {
  id: string;
  title?: unknown;
  summary?: unknown;
  source?: unknown;
  url?: unknown;
  /** Publication time (ms since epoch), already repaired (src/ingest/timestamps.ts). */
  time: number;
}

export interface ClusterOptions {
  /** Cosine with a story's centroid needed to join it (default 0.25, chosen on hand-labelled pairs: docs/OBSERVATORY.md). */
  threshold?: number;
  /** Hours a story stays open after its last article (default 36). */
  windowHours?: number;
  /** Documents mentioning a term, for its weight; and the number of documents counted. */
  df: (term: string) => number;
  documents: number;
}

export interface ClusterMember {
  id: string;
  source: string;
  title: string;
  url?: string;
  published: string;
  /** Minutes after the story's first article. */
  delayMinutes: number;
  /** Cosine with the story's first article ≥ 0.8: the same text, not just the same story. */
  nearDuplicate: boolean;
  /** Published by the first article's own outlet: a follow-up, not another outlet repeating it. */
  sameOutlet: boolean;
}

export interface Cluster {
  /** The first article's title. */
  label: string;
  size: number;
  sources: string[];
  first: ClusterMember;
  /** Every article after the first, in publication order. */
  followers: ClusterMember[];
}

interface Vec {
  terms: string[];
  weights: Float64Array;
  norm: number;
}

function vectorOf(doc: ClusterDoc, opts: ClusterOptions): Vec {
  const terms = [...termsOf(observedText({ title: doc.title, summary: doc.summary }))];
  const weights = new Float64Array(terms.length);
  let norm = 0;
  terms.forEach((t, i) => {
    const w = Math.log((opts.documents + 1) / (Math.max(0, opts.df(t)) + 1));
    weights[i] = w;
    norm += w * w;
  });
  return { terms, weights, norm: Math.sqrt(norm) };
}

function cosine(a: Vec, b: Vec): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  const small = a.terms.length <= b.terms.length ? a : b;
  const big = small === a ? b : a;
  const idx = new Map<string, number>();
  big.terms.forEach((t, i) => idx.set(t, i));
  let dot = 0;
  small.terms.forEach((t, i) => {
    const j = idx.get(t);
    if (j !== undefined) dot += small.weights[i] * big.weights[j];
  });
  return dot / (a.norm * b.norm);
}

interface Open {
  members: { doc: ClusterDoc; vec: Vec; nearDuplicate: boolean }[];
  centroid: Map<string, number>;
  norm2: number;
  last: number;
}

function centroidCosine(v: Vec, c: Open): number {
  if (v.norm === 0 || c.norm2 === 0) return 0;
  let dot = 0;
  v.terms.forEach((t, i) => {
    const w = c.centroid.get(t);
    if (w !== undefined) dot += v.weights[i] * w;
  });
  return dot / (v.norm * Math.sqrt(c.norm2));
}

function addTo(c: Open, v: Vec): void {
  // Centroid = sum of unit vectors; its squared norm is kept up to date.
  v.terms.forEach((t, i) => {
    const u = v.norm > 0 ? v.weights[i] / v.norm : 0;
    const old = c.centroid.get(t) ?? 0;
    c.centroid.set(t, old + u);
    c.norm2 += (old + u) * (old + u) - old * old;
  });
}

const iso = (ms: number) => {
  const d = new Date(ms + 7 * 3_600_000);
  return d.toISOString().slice(0, 19) + '+07:00';
};

/** Cluster `docs` into stories. Stories are returned largest first (ties: earliest first). */
export function clusterStories(docs: ClusterDoc[], opts: ClusterOptions): Cluster[] {
  const threshold = opts.threshold ?? 0.25;
  const windowMs = (opts.windowHours ?? 36) * 3_600_000;
  const informative = (t: string) => opts.df(t) < 0.02 * opts.documents;
  const sorted = docs.filter((d) => Number.isFinite(d.time)).sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
  const all: Open[] = [];
  const byTerm = new Map<string, Open[]>();
  for (const doc of sorted) {
    const vec = vectorOf(doc, opts);
    const seen = new Set<Open>();
    let best: Open | undefined;
    let bestSim = 0;
    for (const t of vec.terms) {
      if (!informative(t)) continue;
      for (const c of byTerm.get(t) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        if (doc.time - c.last > windowMs) continue;
        const s = centroidCosine(vec, c);
        if (s > bestSim) {
          bestSim = s;
          best = c;
        }
      }
    }
    let target: Open;
    if (best && bestSim >= threshold) {
      target = best;
      target.members.push({ doc, vec, nearDuplicate: cosine(vec, target.members[0].vec) >= 0.8 });
      target.last = doc.time;
    } else {
      target = { members: [{ doc, vec, nearDuplicate: false }], centroid: new Map(), norm2: 0, last: doc.time };
      all.push(target);
    }
    addTo(target, vec);
    for (const t of vec.terms) {
      if (!informative(t)) continue;
      const list = byTerm.get(t);
      if (!list) byTerm.set(t, [target]);
      else if (list[list.length - 1] !== target && !list.includes(target)) list.push(target);
    }
  }
  const out: Cluster[] = all.map((c) => {
    const t0 = c.members[0].doc.time;
    const member = (m: Open['members'][number]): ClusterMember => ({
      id: m.doc.id,
      source: String(m.doc.source ?? ''),
      title: String(m.doc.title ?? ''),
      ...(typeof m.doc.url === 'string' ? { url: m.doc.url } : {}),
      published: iso(m.doc.time),
      delayMinutes: Math.round((m.doc.time - t0) / 60_000),
      nearDuplicate: m.nearDuplicate,
      sameOutlet: outletOf(m.doc.source) === outletOf(c.members[0].doc.source),
    });
    const first = member(c.members[0]);
    return {
      label: first.title,
      size: c.members.length,
      sources: [...new Set(c.members.map((m) => String(m.doc.source ?? '')))],
      first,
      followers: c.members.slice(1).map(member),
    };
  });
  out.sort((a, b) => b.size - a.size || a.first.published.localeCompare(b.first.published));
  return out;
}
