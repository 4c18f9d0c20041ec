import type { Dims } from '../volume';
import type { BodyOf } from '../stages/bodyCentre';

/**
 * Share of bone (outside this mask) in a small column just under the body's centre, `depthMm` deep:
 * under a free vertebra lies its disc (soft tissue); under a sacral segment the bone goes on. Null
 * when the column leaves the scan. Canonical grid (RAS, isotropic `spacing` mm).
 */
export function boneBelow(ct: ArrayLike<number>, ids: ArrayLike<number>, dims: Dims, spacing: number, id: number, body: BodyOf, boneHu = 200, depthMm = 6, halfMm = 6): number | null {
  const [nx, ny] = dims;
  const z1 = body.bodyBox.lo[2] - 1, z0 = body.bodyBox.lo[2] - Math.max(1, Math.round(depthMm / spacing));
  if (z0 < 0) return null;
  const h = Math.max(1, Math.round(halfMm / spacing));
  const cx = Math.round(body.body[0]), cy = Math.round(body.body[1]);
  let bone = 0, n = 0;
  for (let z = z0; z <= z1; z++)
    for (let y = Math.max(0, cy - h); y <= Math.min(ny - 1, cy + h); y++)
      for (let x = Math.max(0, cx - h); x <= Math.min(nx - 1, cx + h); x++) {
        const o = x + nx * (y + ny * z);
        n++;
        if (ids[o] !== id && ct[o]! >= boneHu) bone++;
      }
  return n ? bone / n : null;
}
