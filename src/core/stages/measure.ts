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
  // Sums of i, j, k and the count per id, in one flat array indexed by id (no map look-up per voxel).
  const acc = new Float64Array(4 * (map.data instanceof Uint8Array ? 256 : 65536));
  const data = map.data;
  let o = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, o++) {
        const id = data[o]!;
        if (!id) continue;
        const a = 4 * id;
        acc[a] = acc[a]! + i;
        acc[a + 1] = acc[a + 1]! + j;
        acc[a + 2] = acc[a + 2]! + k;
        acc[a + 3] = acc[a + 3]! + 1;
      }
    }
  }
  // |det| of the linear part is the voxel volume, oblique grids included.
  const voxelMm3 = Math.abs(det3(map.affine));
  const out: InstanceMeasure[] = [];
  for (let id = 1; 4 * id < acc.length; id++) {
    const n = acc[4 * id + 3]!;
    if (n) out.push({ id, voxels: n, volumeMl: (n * voxelMm3) / 1000, centroid: apply(map.affine, [acc[4 * id]! / n, acc[4 * id + 1]! / n, acc[4 * id + 2]! / n]) });
  }
  return out;
}
