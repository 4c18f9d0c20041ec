import { type Mat4, columnNorm } from './mat4';

/** For each voxel axis: which world axis (0 = x/R, 1 = y/A, 2 = z/S) it runs along, and its sign. */
export interface AxisOrientation {
  worldAxis: 0 | 1 | 2;
  sign: 1 | -1;
}

const POSITIVE = ['R', 'A', 'S'] as const;
const NEGATIVE = ['L', 'P', 'I'] as const;

/**
 * The closest orthogonal orientation of an affine's voxel axes, as nibabel's `io_orientation`:
 * normalise each column, then repeatedly take the largest remaining |entry| so that every voxel
 * axis gets a distinct world axis even for strongly oblique scans.
 */
export function axisOrientations(affine: Mat4): [AxisOrientation, AxisOrientation, AxisOrientation] {
  const cols = [0, 1, 2].map((c) => {
    const n = columnNorm(affine, c) || 1;
    return [affine[c]! / n, affine[4 + c]! / n, affine[8 + c]! / n];
  });
  const out: (AxisOrientation | undefined)[] = [undefined, undefined, undefined];
  const usedWorld = new Set<number>();
  for (let step = 0; step < 3; step++) {
    let best = -1;
    let bi = 0;
    let bw = 0;
    for (let i = 0; i < 3; i++) {
      if (out[i]) continue;
      for (let w = 0; w < 3; w++) {
        if (usedWorld.has(w)) continue;
        const v = Math.abs(cols[i]![w]!);
        if (v > best) [best, bi, bw] = [v, i, w];
      }
    }
    out[bi] = { worldAxis: bw as 0 | 1 | 2, sign: cols[bi]![bw]! < 0 ? -1 : 1 };
    usedWorld.add(bw);
  }
  return out as [AxisOrientation, AxisOrientation, AxisOrientation];
}

/** Orientation code such as "RAS", "LPS" or "PIR" (the direction each voxel axis increases toward). */
export function axisCodes(affine: Mat4): string {
  return axisOrientations(affine)
    .map((o) => (o.sign > 0 ? POSITIVE : NEGATIVE)[o.worldAxis])
    .join('');
}

/** Parses an orientation code ("PIR") into per-axis orientations; null when it is not a valid code. */
export function parseAxisCodes(code: readonly string[] | string): AxisOrientation[] | null {
  const letters = Array.from(code).map((c) => c.toUpperCase());
  if (letters.length !== 3) return null;
  const out: AxisOrientation[] = [];
  for (const l of letters) {
    const p = POSITIVE.indexOf(l as (typeof POSITIVE)[number]);
    const n = NEGATIVE.indexOf(l as (typeof NEGATIVE)[number]);
    if (p >= 0) out.push({ worldAxis: p as 0 | 1 | 2, sign: 1 });
    else if (n >= 0) out.push({ worldAxis: n as 0 | 1 | 2, sign: -1 });
    else return null;
  }
  return new Set(out.map((o) => o.worldAxis)).size === 3 ? out : null;
}
