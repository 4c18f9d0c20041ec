import { nearbyMedian } from '../median';
import type { Piece } from './assemble';

/**
 * Stage 2 closes stage 1's gaps. Neighbouring vertebrae sit about one body height plus a disc
 * apart, so a gap of two or more bodies between consecutive segmented vertebrae means the
 * detector missed one there (the commonest stage-1 failure: mid-thoracic vertebrae whose tall
 * whole-vertebra boxes chain together). The segmenter, asked at the gap's midpoint, settles it:
 * a mask that is a new vertebra between the two is kept, one that repeats a neighbour is not.
 */

/** A segmented vertebra's body: centre (canonical voxels) and S–I height (voxels). */
export interface Body {
  centre: [number, number, number];
  height: number;
  voxels: number;
}

/**
 * The body of a piece's mask: its anterior 40 % (canonical y runs posterior → anterior), as
 * bodyCentre does on the instance map; null for an empty mask.
 */
export function pieceBody(p: Piece, threshold: number): Body | null {
  const s = p.size;
  let ylo = s, yhi = -1, voxels = 0;
  for (let c = 0; c < p.prob.length; c++) {
    if (p.prob[c]! < threshold) continue;
    const j = Math.floor(c / s) % s;
    voxels++;
    if (j < ylo) ylo = j;
    if (j > yhi) yhi = j;
  }
  if (!voxels) return null;
  const cut = yhi - 0.4 * (yhi - ylo);
  let x = 0, y = 0, z = 0, n = 0, zlo = s, zhi = -1;
  for (let c = 0; c < p.prob.length; c++) {
    if (p.prob[c]! < threshold) continue;
    const i = c % s, j = Math.floor(c / s) % s, k = Math.floor(c / (s * s));
    if (j < cut) continue;
    x += i; y += j; z += k; n++;
    if (k < zlo) zlo = k;
    if (k > zhi) zhi = k;
  }
  return { centre: [p.origin[0] + x / n, p.origin[1] + y / n, p.origin[2] + z / n], height: zhi - zlo + 1, voxels };
}

/**
 * Gaps are checked when wider than this many body heights of the shorter of the two vertebrae
 * (consecutive ones measured 0.8–1.3 on the validation phantoms, one missed between them 1.8–2.1).
 */
export const GAP_FACTOR = 1.6;

/**
 * Midpoints (canonical voxels) of the gaps between consecutive bodies that are wider than
 * `factor` times the local scale — the shorter body's height, or the median of the nearby gaps
 * (±3) when that is smaller (a body measured too tall, e.g. L5 beside the sacrum) — cranial →
 * caudal (canonical z runs I → S). Points already tried are skipped.
 */
export function gapMidpoints(bodies: readonly Body[], factor = GAP_FACTOR, tried: ReadonlySet<string> = new Set()): [number, number, number][] {
  const sorted = [...bodies].sort((a, b) => b.centre[2] - a.centre[2]);
  const gaps = sorted.slice(1).map((b, k) => Math.hypot(...b.centre.map((c, i) => c - sorted[k]!.centre[i]!)));
  const out: [number, number, number][] = [];
  gaps.forEach((gap, k) => {
    const a = sorted[k]!, b = sorted[k + 1]!;
    const local = nearbyMedian(gaps, k) ?? Infinity;
    if (gap <= factor * Math.min(a.height, b.height, local)) return;
    const mid = a.centre.map((c, i) => (c + b.centre[i]!) / 2) as [number, number, number];
    if (!tried.has(key(mid))) out.push(mid);
  });
  return out;
}

export const key = (p: readonly number[]): string => p.map((x) => Math.round(x)).join(',');

/**
 * Whether a body found at a gap is a new vertebra: big enough (a third of its smaller neighbour),
 * and clearly between the two — not a repeat of either (each at least 30 % of the gap away).
 */
export function fillsGap(found: Body, above: Body, below: Body): boolean {
  const d = (p: Body, q: Body): number => Math.hypot(...p.centre.map((c, i) => c - q.centre[i]!));
  const gap = d(above, below);
  return found.voxels >= Math.min(above.voxels, below.voxels) / 3 && d(found, above) >= 0.3 * gap && d(found, below) >= 0.3 * gap;
}

/** The two bodies whose gap a point falls in (nearest above and below along S–I), if any. */
export function neighboursOf(p: readonly number[], bodies: readonly Body[]): [Body, Body] | null {
  const above = bodies.filter((b) => b.centre[2] > p[2]!).sort((a, b) => a.centre[2] - b.centre[2])[0];
  const below = bodies.filter((b) => b.centre[2] <= p[2]!).sort((a, b) => b.centre[2] - a.centre[2])[0];
  return above && below ? [above, below] : null;
}
