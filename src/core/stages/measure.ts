import { apply, det3 } from '../geometry/mat4';
import { axisOrientations } from '../geometry/orientation';
import type { Volume } from '../volume';

/** A face of the scan, by the direction it faces (world RAS: R, L, A, P, S = head, I = feet). */
export type ScanSide = 'R' | 'L' | 'A' | 'P' | 'S' | 'I';

export interface InstanceMeasure {
  id: number;
  voxels: number;
  /** Volume in millilitres (voxel count × voxel volume). */
  volumeMl: number;
  /** Centre of mass, world RAS mm. */
  centroid: [number, number, number];
  /** Faces of the scan the mask reaches: there the scan cuts it, so the volume counts only the part inside. */
  cutBy: ScanSide[];
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
  const cut = cutBySides(map);
  // |det| of the linear part is the voxel volume, oblique grids included.
  const voxelMm3 = Math.abs(det3(map.affine));
  const out: InstanceMeasure[] = [];
  for (let id = 1; 4 * id < acc.length; id++) {
    const n = acc[4 * id + 3]!;
    if (n) out.push({ id, voxels: n, volumeMl: (n * voxelMm3) / 1000, centroid: apply(map.affine, [acc[4 * id]! / n, acc[4 * id + 1]! / n, acc[4 * id + 2]! / n]), cutBy: cut.get(id) ?? [] });
  }
  return out;
}

/**
 * Per id, the faces of the scan its voxels lie on: only the six faces are read. A voxel axis's first
 * face looks towards its world axis's negative end when the axis runs positive (nearest orientation,
 * as the viewer shows it), else towards the positive end.
 */
function cutBySides(map: Volume<Uint8Array | Uint16Array>): Map<number, ScanSide[]> {
  const dims = map.dims;
  const stride = [1, dims[0], dims[0] * dims[1]];
  const out = new Map<number, ScanSide[]>();
  axisOrientations(map.affine).forEach(({ worldAxis, sign }, axis) => {
    const [neg, pos] = [(['L', 'P', 'I'] as const)[worldAxis], (['R', 'A', 'S'] as const)[worldAxis]];
    const [u, v] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
    for (const [at, side] of [[0, sign > 0 ? neg : pos], [dims[axis]! - 1, sign > 0 ? pos : neg]] as const) {
      const seen = new Set<number>();
      for (let b = 0; b < dims[v]!; b++) {
        for (let a = 0; a < dims[u]!; a++) {
          const id = map.data[at * stride[axis]! + a * stride[u]! + b * stride[v]!]!;
          if (id) seen.add(id);
        }
      }
      for (const id of seen) out.set(id, [...(out.get(id) ?? []), side]); // each side is one face
    }
  });
  for (const sides of out.values()) sides.sort((a, b) => SIDE_ORDER.indexOf(a) - SIDE_ORDER.indexOf(b));
  return out;
}

/** Head and feet first: the cut a scan's length makes, the usual one. */
const SIDE_ORDER: readonly ScanSide[] = ['S', 'I', 'A', 'P', 'R', 'L'];

const SIDE_WORD: Record<ScanSide, string> = { S: 'top (head)', I: 'bottom (feet)', A: 'front', P: 'back', R: "patient's right", L: "patient's left" };

/** What a radiologist reads beside a cut vertebra's volume. Empty when no edge cuts it. */
export function cutNote(sides: readonly ScanSide[]): string {
  if (!sides.length) return '';
  const words = sides.map((s) => SIDE_WORD[s]);
  const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0];
  return `The scan's ${list} edge${words.length > 1 ? 's cut' : ' cuts'} this vertebra: its volume counts only the part inside the scan.`;
}
