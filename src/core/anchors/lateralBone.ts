import type { BodyOf } from '../stages/bodyCentre';
import type { InstanceBox } from '../stages/idCrop';
import type { Dims } from '../volume';

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
 * Right then left (canonical +x, −x): the bone outside every vertebra mask that touches this
 * vertebra beside its body, and how far sideways it runs. A rib leaves a thoracic vertebra at its
 * body and transverse process and runs far out; beside a lumbar vertebra there is only muscle.
 * Canonical grid (RAS, isotropic `spacing` mm); `box` is the vertebra's mask box, `body` its body.
 */
export function lateralBone(ct: ArrayLike<number>, ids: ArrayLike<number>, dims: Dims, spacing: number, box: InstanceBox, body: BodyOf, opt: LateralOptions = LATERAL): [LateralBone, LateralBone] {
  return [1, -1].map((side) => oneSide(ct, ids, dims, spacing, box, body, side, opt)) as [LateralBone, LateralBone];
}

function oneSide(ct: ArrayLike<number>, ids: ArrayLike<number>, dims: Dims, sp: number, box: InstanceBox, body: BodyOf, side: number, opt: LateralOptions): LateralBone {
  const [nx, ny, nz] = dims;
  const cx = body.body[0];
  const slab = body.bodyBox;
  const z0 = Math.max(0, Math.floor(slab.lo[2] - opt.downMm / sp)), z1 = Math.min(nz - 1, Math.ceil(slab.hi[2] + opt.upMm / sp));
  const near = side > 0 ? Math.ceil(cx) : Math.floor(cx);
  const far = side > 0 ? Math.min(nx - 1, Math.round(cx + opt.sideMm / sp)) : Math.max(0, Math.round(cx - opt.sideMm / sp));
  const inRegion = (x: number, y: number, z: number): boolean => (side > 0 ? x >= near && x <= far : x <= near && x >= far) && y >= 0 && y < ny && z >= z0 && z <= z1;
  const bone = (o: number): boolean => ids[o] === 0 && ct[o]! >= opt.boneHu;
  const visited = new Set<number>();
  const stack: number[] = [];
  const visit = (x: number, y: number, z: number): void => {
    if (!inRegion(x, y, z)) return;
    const o = x + nx * (y + ny * z);
    if (visited.has(o) || !bone(o)) return;
    visited.add(o);
    stack.push(o);
  };
  // Seeds: bone outside the masks within touchMm of this mask, on this side, at the body's own level.
  const t = Math.max(1, Math.round(opt.touchMm / sp));
  let maskReach = 0;
  for (let z = slab.lo[2]; z <= slab.hi[2]; z++)
    for (let y = box.lo[1]; y <= box.hi[1]; y++)
      for (let x = box.lo[0]; x <= box.hi[0]; x++) {
        if (ids[x + nx * (y + ny * z)] !== box.id || (x - cx) * side <= 0) continue;
        maskReach = Math.max(maskReach, (x - cx) * side * sp);
        for (let dz = -t; dz <= t; dz++) for (let dy = -t; dy <= t; dy++) for (let dx = -t; dx <= t; dx++) visit(x + dx, y + dy, z + dz);
      }
  // Then the bone they are part of (6-connected), within the region.
  let reach = 0, atEdge = false;
  while (stack.length) {
    const o = stack.pop()!;
    const x = o % nx, y = Math.floor(o / nx) % ny, z = Math.floor(o / (nx * ny));
    reach = Math.max(reach, (x - cx) * side * sp);
    if (x === 0 || x === nx - 1) atEdge = true;
    visit(x + 1, y, z), visit(x - 1, y, z), visit(x, y + 1, z), visit(x, y - 1, z), visit(x, y, z + 1), visit(x, y, z - 1);
  }
  const room = side > 0 ? (nx - 1 - cx) * sp : cx * sp;
  return { reachMm: reach, maskReachMm: maskReach, roomMm: room, atEdge, volumeMl: (visited.size * sp ** 3) / 1000 };
}
