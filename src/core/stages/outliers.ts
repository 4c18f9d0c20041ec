import { median } from '../median';

/**
 * Off-spine masks out. A rib head, a scapula or an iliac wing that stage 1 took for a vertebra
 * sits well to the side of the column, and in the spine order it poisons fusion (its label votes
 * for its neighbours). The column bends smoothly: each vertebra lies close, in the axial plane, to
 * the line through its neighbours in the order (`spineDeviation`). The worst offender beyond
 * `maxMm` goes first, then the lines are redrawn, until none is left.
 */

const WINDOW = 4;
const FAR_PITCHES = 2.5;

/** Theil–Sen fit of coordinate `axis` against z over `pts`, evaluated at z. */
function robustAt(pts: readonly (readonly number[])[], axis: number, z: number): number {
  const slopes: number[] = [];
  for (let a = 0; a < pts.length; a++) for (let b = a + 1; b < pts.length; b++) {
    const dz = pts[b]![2]! - pts[a]![2]!;
    if (Math.abs(dz) > 1e-6) slopes.push((pts[b]![axis]! - pts[a]![axis]!) / dz);
  }
  const slope = slopes.length ? median(slopes) : 0;
  return median(pts.map((p) => p[axis]! - slope * p[2]!)) + slope * z;
}

/**
 * Axial (x, y) distance from `p` to the line through `a` and `b`, taken at p's z (all mm); 0 when
 * p lies too far beyond them for the line to say anything (two masks close together, p far off).
 */
function offLine(p: readonly number[], a: readonly number[], b: readonly number[]): number {
  const dz = b[2]! - a[2]!;
  const t = Math.abs(dz) < 1e-6 ? 0.5 : (p[2]! - a[2]!) / dz;
  if (Math.abs(t - 0.5) > 2.5) return 0;
  return Math.hypot(p[0]! - (a[0]! + t * (b[0]! - a[0]!)), p[1]! - (a[1]! + t * (b[1]! - a[1]!)));
}

/**
 * The axial miss of each centre (mm; 0 with fewer than 3): the smaller of its miss against the line
 * through its two nearest neighbours (exact on a sparsely sampled, strongly curved column) and
 * against the robust line through the four nearest (not bent by a second bad mask beside it).
 */
export function spineDeviation(centres: readonly (readonly number[])[]): number[] {
  const n = centres.length;
  if (n < 3) return centres.map(() => 0);
  // A neighbour farther along the spine than a few pitches does not draw the local line: two bad
  // masks close together far below the column (pelvis) would otherwise vouch for each other.
  const reach = FAR_PITCHES * median(centres.slice(1).map((p, i) => Math.abs(p[2]! - centres[i]![2]!)));
  return centres.map((p, i) => {
    const near2 = i === 0 ? [1, 2] : i === n - 1 ? [n - 2, n - 3] : [i - 1, i + 1];
    const far = near2.some((j) => Math.abs(centres[j]![2]! - p[2]!) > reach);
    const local = far ? Infinity : offLine(p, centres[near2[0]!]!, centres[near2[1]!]!);
    const lo = Math.max(0, Math.min(i - WINDOW / 2, n - 1 - WINDOW));
    const near = centres.filter((_, j) => j !== i && j >= lo && j <= lo + WINDOW);
    return Math.min(local, Math.hypot(p[0]! - robustAt(near, 0, p[2]!), p[1]! - robustAt(near, 1, p[2]!)));
  });
}

export const OFF_SPINE_MM = 20;

/**
 * Indices (into `centres`, mm) of the masks that lie on the spine; `centres` in spine order
 * (cranial → caudal). Removes one worst offender at a time, since an outlier also bends its
 * neighbours' lines.
 */
export function onSpine(centres: readonly (readonly number[])[], maxMm = OFF_SPINE_MM): number[] {
  let keep = centres.map((_, i) => i);
  for (;;) {
    const dev = spineDeviation(keep.map((i) => centres[i]!));
    let worst = -1;
    dev.forEach((d, k) => {
      if (d > maxMm && (worst < 0 || d > dev[worst]!)) worst = k;
    });
    if (worst < 0) return keep;
    keep = keep.filter((_, k) => k !== worst);
  }
}
