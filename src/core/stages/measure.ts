import { apply, det3 } from '../geometry/mat4';
import type { Volume } from '../volume';

export interface InstanceMeasure {
  id: number;
  voxels: number;
  /** Volume in millilitres (voxel count × voxel volume). */
  volumeMl: number;
  /** Centre of mass, world RAS mm. */
  centroid: [number, number, number];
}

/** Volume and centre of mass of every non-zero id of an instance map, on its own grid. */
export function measureInstances(map: Volume<Uint8Array | Uint16Array>): InstanceMeasure[] {
  const [nx, ny, nz] = map.dims;
  const acc = new Map<number, [number, number, number, number]>();
  let o = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, o++) {
        const id = map.data[o]!;
        if (!id) continue;
        const a = acc.get(id) ?? [0, 0, 0, 0];
        a[0] += i;
        a[1] += j;
        a[2] += k;
        a[3] += 1;
        acc.set(id, a);
      }
    }
  }
  // |det| of the linear part is the voxel volume, oblique grids included.
  const voxelMm3 = Math.abs(det3(map.affine));
  return [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, [si, sj, sk, n]]) => ({ id, voxels: n, volumeMl: (n * voxelMm3) / 1000, centroid: apply(map.affine, [si / n, sj / n, sk / n]) }));
}
