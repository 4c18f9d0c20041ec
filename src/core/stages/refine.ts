import type { Piece } from './assemble';

/**
 * Stage 2 made robust to imperfect candidates: a candidate off the vertebra's box centre (or a
 * second candidate on the same vertebra) still yields that vertebra's mask, so the mask itself
 * says where the vertebra is (re-segment there once) and which pieces are the same vertebra.
 */

/** Bounding-box centre (canonical voxels) and size of a piece's mask above `threshold`; null if empty. */
export function maskBox(p: Piece, threshold: number): { centre: [number, number, number]; voxels: number } | null {
  const s = p.size;
  const lo = [s, s, s], hi = [-1, -1, -1];
  let voxels = 0;
  let c = 0;
  for (let k = 0; k < s; k++) for (let j = 0; j < s; j++) for (let i = 0; i < s; i++, c++) {
    if (p.prob[c]! < threshold) continue;
    voxels++;
    if (i < lo[0]!) lo[0] = i;
    if (i > hi[0]!) hi[0] = i;
    if (j < lo[1]!) lo[1] = j;
    if (j > hi[1]!) hi[1] = j;
    if (k < lo[2]!) lo[2] = k;
    if (k > hi[2]!) hi[2] = k;
  }
  if (!voxels) return null;
  return { centre: [0, 1, 2].map((a) => p.origin[a]! + (lo[a]! + hi[a]!) / 2) as [number, number, number], voxels };
}

/** Voxels above threshold in both pieces (global canonical grid). */
function common(a: Piece, b: Piece, threshold: number): number {
  const s = a.size;
  const d = [0, 1, 2].map((k) => b.origin[k]! - a.origin[k]!) as [number, number, number];
  if (d.some((x) => Math.abs(x) >= s)) return 0;
  // Only the two cubes' intersection can hold voxels in both.
  const [lo0, lo1, lo2] = d.map((x) => Math.max(0, x));
  const [hi0, hi1, hi2] = d.map((x) => Math.min(s, s + x));
  let both = 0;
  for (let k = lo2!; k < hi2!; k++) for (let j = lo1!; j < hi1!; j++) {
    const ra = s * (j + s * k), rb = s * (j - d[1] + s * (k - d[2])) - d[0];
    for (let i = lo0!; i < hi0!; i++) if (a.prob[ra + i]! >= threshold && b.prob[rb + i]! >= threshold) both++;
  }
  return both;
}

/** Voxels above threshold in both pieces, over those in either. */
export function overlap(a: Piece, b: Piece, threshold: number): number {
  const both = common(a, b, threshold);
  return both ? both / (above(a, threshold) + above(b, threshold) - both) : 0;
}

/** Share of `a`'s voxels above threshold that `b` holds too. */
export function containedIn(a: Piece, b: Piece, threshold: number): number {
  const both = common(a, b, threshold);
  return both ? both / above(a, threshold) : 0;
}

/**
 * Per candidate, the piece to keep: its re-segmented one (`again`, null where it was not
 * re-segmented), unless that has drifted onto another candidate's vertebra: it overlaps another
 * candidate's piece by more than `maxIou` where the first mask lay mostly outside that piece. A
 * fragment at a scan's edge does so: its mask's box centre, clipped by the edge, pulls the new
 * cube onto the next vertebra, and `dedupe` would then drop the neighbour's own piece or this
 * one, losing a vertebra. A first mask that was mostly inside the other piece (two candidates on
 * one vertebra) keeps its re-segmentation and is left to `dedupe`.
 */
export function ownVertebra(first: readonly Piece[], again: readonly (Piece | null)[], threshold: number, maxIou = 0.3): Piece[] {
  return first.map((p, i) => {
    const a = again[i];
    if (!a) return p;
    const drifted = first.some((q, j) => j !== i && [q, again[j]].some((o) => o && overlap(a, o, threshold) > maxIou && containedIn(p, o, threshold) < 0.5));
    return drifted ? p : a;
  });
}

const above = (p: Piece, threshold: number): number => {
  let n = 0;
  for (let c = 0; c < p.prob.length; c++) if (p.prob[c]! >= threshold) n++;
  return n;
};

/** Keeps one piece per vertebra: of pieces overlapping by more than `maxIou`, the larger mask wins. */
export function dedupe(pieces: readonly Piece[], threshold: number, maxIou = 0.3): Piece[] {
  const sized = pieces.map((p) => ({ p, n: maskBox(p, threshold)?.voxels ?? 0 })).filter((x) => x.n > 0).sort((a, b) => b.n - a.n);
  const kept: Piece[] = [];
  for (const { p } of sized) if (!kept.some((k) => overlap(k, p, threshold) > maxIou)) kept.push(p);
  return kept;
}
