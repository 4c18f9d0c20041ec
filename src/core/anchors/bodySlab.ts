import type { Dims } from '../volume';

/** A vertebra's body on the canonical (RAS) grid, in voxels: its box, and the centre of its anterior 40 %. */
export interface BodySlab {
  id: number;
  centre: [number, number, number];
  /** Box of the body (anterior 40 % of the mask): lo/hi per axis, inclusive. */
  lo: [number, number, number];
  hi: [number, number, number];
  /** Box of the whole mask. */
  maskLo: [number, number, number];
  maskHi: [number, number, number];
}

/**
 * Body boxes of every instance of a canonical instance map (ids 1…n), in one pass for the mask boxes
 * and one for the bodies. Canonical y runs posterior → anterior, so the body is the mask's largest y.
 */
export function bodySlabs(ids: ArrayLike<number>, dims: Dims): BodySlab[] {
  const [nx, ny, nz] = dims;
  const boxes = new Map<number, { lo: number[]; hi: number[] }>();
  for (let z = 0, o = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, o++) {
        const id = ids[o]!;
        if (!id) continue;
        const b = boxes.get(id) ?? { lo: [x, y, z], hi: [x, y, z] };
        const p = [x, y, z];
        for (let a = 0; a < 3; a++) {
          if (p[a]! < b.lo[a]!) b.lo[a] = p[a]!;
          if (p[a]! > b.hi[a]!) b.hi[a] = p[a]!;
        }
        boxes.set(id, b);
      }
  const out: BodySlab[] = [];
  for (const [id, b] of [...boxes].sort((p, q) => p[0] - q[0])) {
    const cut = b.hi[1]! - 0.4 * (b.hi[1]! - b.lo[1]!);
    const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity], sum = [0, 0, 0];
    let n = 0;
    for (let z = b.lo[2]!; z <= b.hi[2]!; z++)
      for (let y = Math.ceil(cut); y <= b.hi[1]!; y++)
        for (let x = b.lo[0]!; x <= b.hi[0]!; x++) {
          if (ids[x + nx * (y + ny * z)] !== id) continue;
          const p = [x, y, z];
          for (let a = 0; a < 3; a++) {
            lo[a] = Math.min(lo[a]!, p[a]!);
            hi[a] = Math.max(hi[a]!, p[a]!);
            sum[a] = sum[a]! + p[a]!;
          }
          n++;
        }
    if (!n) continue;
    out.push({ id, centre: sum.map((s) => s / n) as [number, number, number], lo: lo as [number, number, number], hi: hi as [number, number, number], maskLo: b.lo as [number, number, number], maskHi: b.hi as [number, number, number] });
  }
  return out;
}
