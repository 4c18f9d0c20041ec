import { gzipSync } from 'fflate';
import { columnNorm } from '../geometry/mat4';
import type { NiftiGeometry, Volume, VoxelArray } from '../volume';

const HEADER = 352;

function datatypeOf(data: VoxelArray): { code: number; bitpix: number } {
  if (data instanceof Uint8Array) return { code: 2, bitpix: 8 };
  if (data instanceof Int16Array) return { code: 4, bitpix: 16 };
  if (data instanceof Uint16Array) return { code: 512, bitpix: 16 };
  return { code: 16, bitpix: 32 };
}

/** Geometry for a volume that did not come from a file: aligned sform, no qform. */
export function geometryFromAffine(affine: readonly number[]): NiftiGeometry {
  return {
    qformCode: 0,
    sformCode: 2,
    pixdim: [1, columnNorm(affine, 0), columnNorm(affine, 1), columnNorm(affine, 2)],
    quatern: [0, 0, 0],
    qoffset: [0, 0, 0],
    srow: affine.slice(0, 12),
    xyztUnits: 2,
  };
}

export interface WriteNiftiOptions {
  /** gzip the result (.nii.gz). Default true. */
  gzip?: boolean;
  /** Up to 79 ASCII characters for the header's descrip field. */
  description?: string;
}

/**
 * Writes a volume as NIfTI-1. A volume read from a file keeps that file's qform/sform fields
 * verbatim, so a label map written on the scan's grid overlays it exactly in any viewer.
 */
export function writeNifti(vol: Volume, options: WriteNiftiOptions = {}): Uint8Array {
  const g = vol.source ?? geometryFromAffine(vol.affine);
  const { code, bitpix } = datatypeOf(vol.data);
  const bytes = new Uint8Array(HEADER + vol.data.byteLength);
  const v = new DataView(bytes.buffer);
  v.setInt32(0, 348, true);
  bytes[38] = 'r'.charCodeAt(0);
  const dim = [3, vol.dims[0], vol.dims[1], vol.dims[2], 1, 1, 1, 1];
  dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, code, true);
  v.setInt16(72, bitpix, true);
  [g.pixdim[0] < 0 ? -1 : 1, g.pixdim[1], g.pixdim[2], g.pixdim[3], 0, 0, 0, 0].forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, HEADER, true);
  v.setFloat32(112, 1, true);
  v.setFloat32(116, 0, true);
  bytes[123] = g.xyztUnits || 2;
  const descrip = (options.description ?? '').replace(/[^\x20-\x7e]/g, '').slice(0, 79);
  for (let i = 0; i < descrip.length; i++) bytes[148 + i] = descrip.charCodeAt(i);
  v.setInt16(252, g.qformCode, true);
  v.setInt16(254, g.sformCode, true);
  [...g.quatern, ...g.qoffset].forEach((q, i) => v.setFloat32(256 + 4 * i, q, true));
  g.srow.forEach((s, i) => v.setFloat32(280 + 4 * i, s, true));
  bytes.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  bytes.set(new Uint8Array(vol.data.buffer, vol.data.byteOffset, vol.data.byteLength), HEADER);
  return options.gzip === false ? bytes : gzipSync(bytes, { level: 6 });
}
