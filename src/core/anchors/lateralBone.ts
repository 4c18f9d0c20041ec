import type { Dims } from '../volume';
import type { BodySlab } from './bodySlab';

/** What lies beside a vertebra on one side, at the level of its body: a rib (or the sacral ala), or nothing. */
export interface LateralBone {
  /** Farthest bone reached from the body's centre (mm, along R–L), through bone outside every mask that touches this vertebra's mask at its body's level; 0 when none touches it. */
  reachMm: number;
  /** How far this vertebra's own mask reaches on that side (mm from the body's centre). */
  maskReachMm: number;
  /** Room the scan leaves on that side (mm from the body's centre to the scan's face). */
  roomMm: number;
  /** The bone reached runs to the scan's R or L face (a longer bone may continue outside). */
  atEdge: boolean;
  /** Volume of that bone (ml), within the search region. */
  volumeMl: number;
}

export interface LateralOptions {
  /** CT value (HU) from which a voxel is bone. */
  boneHu: number;
  /** A bone voxel within this distance (mm) of the mask touches it. */
  touchMm: number;
  /** The search follows bone this far (mm) above and below the body, and this far sideways. */
  upMm: number;
  downMm: number;
  sideMm: number;
}

export const LATERAL: LateralOptions = { boneHu: 180, touchMm: 4, upMm: 10, downMm: 20, sideMm: 100 };

/**
 * Per side (0 = right, canonical +x; 1 = left), the bone outside every vertebra mask that touches
 * this vertebra beside its body and how far sideways it runs: a rib leaves a thoracic vertebra at its
 * body and transverse process and runs far out; beside a lumbar vertebra there is only muscle.
 * Canonical grid (RAS, isotropic `spacing` mm).
 */
export function lateralBone(ct: ArrayLike<number>, ids: ArrayLike<number>, dims: Dims, spacing: number, v: BodySlab, opt: LateralOptions = LATERAL): [LateralBone, LateralBone] {
  return [1, -1].map((side) => oneSide(ct, ids, dims, spacing, v, side, opt)) as [LateralBone, LateralBone];
}

function oneSide(ct: ArrayLike<number>, ids: ArrayLike<number>, dims: Dims, sp: number, v: BodySlab, side: number, opt: LateralOptions): LateralBone {
  const [nx, ny, nz] = dims;
  const cx = v.centre[0];
  const z0 = Math.max(0, Math.floor(v.lo[2] - opt.downMm / sp)), z1 = Math.min(nz - 1, Math.ceil(v.hi[2] + opt.upMm / sp));
  const side0 = side > 0 ? Math.ceil(cx) : Math.floor(cx);
  const xEnd = side > 0 ? Math.min(nx - 1, Math.round(cx + opt.sideMm / sp)) : Math.max(0, Math.round(cx - opt.sideMm / sp));
  const y0 = v.maskLo[1], y1 = Math.min(ny - 1, v.hi[1] + Math.round(opt.touchMm / sp));
  const inRegion = (x: number, y: number, z: number): boolean => (side > 0 ? x >= side0 && x <= xEnd : x <= side0 && x >= xEnd) && y >= 0 && y < ny && z >= z0 && z <= z1;
  const bone = (o: number): boolean => ids[o] === 0 && ct[o]! >= opt.boneHu;
  // Seeds: bone outside the masks within touchMm of this mask, beside the body's own slab.
  const t = Math.max(1, Math.round(opt.touchMm / sp));
  const visited = new Set<number>();
  const stack: number[] = [];
  let maskReach = 0;
  for (let z = v.lo[2]; z <= v.hi[2]; z++)
    for (let y = y0; y <= Math.min(y1, v.maskHi[1]); y++)
      for (let x = v.maskLo[0]; x <= v.maskHi[0]; x++) {
        if (ids[x + nx * (y + ny * z)] !== v.id || (x - cx) * side <= 0) continue;
        maskReach = Math.max(maskReach, (x - cx) * side * sp);
        for (let dz = -t; dz <= t; dz++)
          for (let dy = -t; dy <= t; dy++)
            for (let dx = -t; dx <= t; dx++) {
              const X = x + dx, Y = y + dy, Z = z + dz;
              if (!inRegion(X, Y, Z)) continue;
              const o = X + nx * (Y + ny * Z);
              if (!visited.has(o) && bone(o)) {
                visited.add(o);
                stack.push(o);
              }
            }
      }
  let reach = 0, atEdge = false, n = 0;
  while (stack.length) {
    const o = stack.pop()!;
    n++;
    const x = o % nx, y = Math.floor(o / nx) % ny, z = Math.floor(o / (nx * ny));
    reach = Math.max(reach, (x - cx) * side * sp);
    if (x === 0 || x === nx - 1) atEdge = true;
    for (const [dx, dy, dz] of STEPS) {
      const X = x + dx, Y = y + dy, Z = z + dz;
      if (!inRegion(X, Y, Z)) continue;
      const q = X + nx * (Y + ny * Z);
      if (visited.has(q) || !bone(q)) continue;
      visited.add(q);
      stack.push(q);
    }
  }
  const room = side > 0 ? (nx - 1 - cx) * sp : cx * sp;
  return { reachMm: reach, maskReachMm: maskReach, roomMm: room, atEdge, volumeMl: (n * sp ** 3) / 1000 };
}

const STEPS: [number, number, number][] = [
  [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1],
];
