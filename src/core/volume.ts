import { type Mat4, columnNorm } from './geometry/mat4';

/** Voxel storage: CT as Int16 (or Float32 when values are not integral) HU; labels as Uint8/Uint16. */
export type VoxelArray = Int16Array | Float32Array | Uint8Array | Uint16Array;
export type Dims = readonly [number, number, number];

/**
 * A 3D scan or label map. `data` is x-fastest: index = i + nx·(j + ny·k).
 * `affine` maps voxel indices (i, j, k) to world RAS mm.
 */
export interface Volume<T extends VoxelArray = VoxelArray> {
  dims: Dims;
  affine: Mat4;
  data: T;
  /** Geometry fields of the NIfTI header this came from, so a result written on this grid keeps them. */
  source?: NiftiGeometry;
}

/** The NIfTI header fields that define geometry, copied verbatim from the file. */
export interface NiftiGeometry {
  qformCode: number;
  sformCode: number;
  /** pixdim[0..3]: qfac and the voxel sizes as written. */
  pixdim: [number, number, number, number];
  quatern: [number, number, number];
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z (12 numbers); zeros when the file had no sform. */
  srow: number[];
  xyztUnits: number;
}

export function voxelCount(dims: Dims): number {
  return dims[0] * dims[1] * dims[2];
}

/** Voxel size in mm along each voxel axis (column norms of the affine). */
export function spacingOf(affine: Mat4): [number, number, number] {
  return [columnNorm(affine, 0), columnNorm(affine, 1), columnNorm(affine, 2)];
}
