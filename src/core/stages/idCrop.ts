import type { Dims } from '../volume';

/** Per instance id: bounding box in canonical voxels (inclusive) and voxel count. */
export interface InstanceBox {
  id: number;
  lo: [number, number, number];
  hi: [number, number, number];
  voxels: number;
}

/** Bounding boxes of every non-zero id of an instance map, in one pass. */
export function instanceBoxes(ids: ArrayLike<number>, dims: Dims): InstanceBox[] {
  const [nx, ny, nz] = dims;
  const boxes = new Map<number, InstanceBox>();
  let o = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, o++) {
        const id = ids[o]!;
        if (!id) continue;
        const b = boxes.get(id);
        if (!b) {
          boxes.set(id, { id, lo: [i, j, k], hi: [i, j, k], voxels: 1 });
          continue;
        }
        b.voxels++;
        if (i < b.lo[0]) b.lo[0] = i;
        if (i > b.hi[0]) b.hi[0] = i;
        if (j < b.lo[1]) b.lo[1] = j;
        if (j > b.hi[1]) b.hi[1] = j;
        b.hi[2] = k; // k only grows
      }
    }
  }
  return [...boxes.values()].sort((a, b) => a.id - b.id);
}

/** Centre of a bounding box (canonical voxels): where the identifier's cube is centred, as in training. */
export function boxCentre(b: InstanceBox): [number, number, number] {
  return [0, 1, 2].map((a) => (b.lo[a]! + b.hi[a]!) / 2) as [number, number, number];
}

/**
 * Stage 3's input for one vertebra, written into an encoder batch at `at`: the binary mask of
 * instance `id` in a size³ cube centred (nearest voxel) on `centre`, x fastest, 0 outside the scan
 * (the layout of training/data/crops.py's identifier cubes); with `context`, then the context
 * channel: every other instance in the same cube, so the encoder sees the vertebra's place among its
 * neighbours (crops.py's `id_context`), [C, size³] in all. With `mirrorAt`, the same cubes mirrored
 * left–right (canonical x reversed in every row, channel by channel) go there too: stage 3 averages a
 * vertebra with its mirror. `into` must be zero in both slots. One pass over the cube: cutting each
 * channel and each mirror apart was most of stage 3's time outside the networks (≈ 200 of 280 ms for
 * the sample's 24 vertebrae, node).
 */
export function writeIdentifierInput(ids: ArrayLike<number>, dims: Dims, id: number, centre: readonly number[], size: number, context: boolean, into: Float32Array, at: number, mirrorAt = -1): void {
  const [nx, ny, nz] = dims;
  const n3 = size * size * size;
  const ox = Math.round(centre[0]!) - (size >> 1), oy = Math.round(centre[1]!) - (size >> 1), oz = Math.round(centre[2]!) - (size >> 1);
  // The cube's x range inside the scan, the same for every row.
  const i0 = Math.max(0, -ox), i1 = Math.min(size, nx - ox);
  for (let k = 0; k < size; k++) {
    const z = oz + k;
    if (z < 0 || z >= nz) continue;
    for (let j = 0; j < size; j++) {
      const y = oy + j;
      if (y < 0 || y >= ny) continue;
      const row = size * (j + size * k);
      const src = ox + nx * (y + ny * z);
      for (let i = i0; i < i1; i++) {
        const v = ids[src + i]!;
        if (v === 0) continue;
        const c = v === id ? 0 : context ? n3 : -1; // channel offset; -1: another instance, no context channel
        if (c < 0) continue;
        into[at + c + row + i] = 1;
        if (mirrorAt >= 0) into[mirrorAt + c + row + size - 1 - i] = 1;
      }
    }
  }
}
