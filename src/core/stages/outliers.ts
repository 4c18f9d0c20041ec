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

/**
 * Two masks more than this apart across the axial plane (mm), and less than half as far apart
 * along S–I, cannot both be vertebrae: the column between them would run within 27° of the
 * horizontal. They lie side by side, at one level.
 */
export const SIDE_MM = 30;

const sideBySide = (a: readonly number[], b: readonly number[]): boolean => {
  const across = Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
  return across > SIDE_MM && Math.abs(a[2]! - b[2]!) < across / 2;
};

/**
 * Indices (into `centres`, mm) left when, of two masks side by side at one level, the one that is
 * not a vertebra goes: the one farther from the line through the nearest masks at other levels
 * (up to `WINDOW`, themselves side by side with nothing), else — no such line, as in a scan a
 * vertebra or two tall — the one stage 1 supported less. Runs before `onSpine`, whose lines along
 * the column mean nothing while several masks share a level (a humerus beside T11 in a 40 mm
 * series took T11's place).
 */
export function oneAtEachLevel(centres: readonly (readonly number[])[], support: readonly number[]): number[] {
  let keep = centres.map((_, i) => i);
  for (;;) {
    let pair: [number, number] | null = null;
    const alone: number[] = [];
    for (const i of keep) {
      const rival = keep.find((j) => j !== i && sideBySide(centres[i]!, centres[j]!));
      if (rival === undefined) alone.push(i);
      else if (!pair) pair = i < rival ? [i, rival] : [rival, i];
    }
    if (!pair) return keep;
    const [a, b] = pair;
    const z = (centres[a]![2]! + centres[b]![2]!) / 2;
    const ref = alone.sort((i, j) => Math.abs(centres[i]![2]! - z) - Math.abs(centres[j]![2]! - z)).slice(0, WINDOW).map((i) => centres[i]!);
    const zs = ref.map((p) => p[2]!);
    let drop: number;
    if (ref.length >= 2 && Math.max(...zs) - Math.min(...zs) > 1) {
      const off = (p: readonly number[]): number => Math.hypot(p[0]! - robustAt(ref, 0, p[2]!), p[1]! - robustAt(ref, 1, p[2]!));
      drop = off(centres[a]!) > off(centres[b]!) ? a : b;
    } else drop = (support[a] ?? 0) < (support[b] ?? 0) ? a : b;
    keep = keep.filter((i) => i !== drop);
  }
}
