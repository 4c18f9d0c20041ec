import { NIFTI1, NIFTI2, isNIFTI1, isNIFTI2, readHeader } from 'nifti-reader-js';
import { ScanError } from '../errors';
import type { NiftiGeometry } from '../volume';

/** The header fields the reader needs, independent of NIfTI-1 / NIfTI-2. */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] as written. */
  dim: number[];
  datatype: number;
  bitpix: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  description: string;
  geometry: NiftiGeometry;
}

/** Bytes needed to parse either header version. */
export const HEADER_BYTES = 544;

const NOT_NIFTI = new ScanError(
  'not-a-scan',
  'This file is not a NIfTI image or a DICOM series.',
  'Drop a CT as .nii, .nii.gz, or the DICOM files (or folder) of one series.',
);

/** Reads the header from the first bytes of an (uncompressed) NIfTI-1 or NIfTI-2 file. */
export function parseHeader(bytes: Uint8Array): NiftiHeader {
  if (bytes.length < 348) throw NOT_NIFTI;
  // A copy with the extension flag cleared: we never need extensions, and parsing them from a
  // header-only prefix would read past its end.
  const copy = bytes.slice(0, Math.min(bytes.length, HEADER_BYTES));
  const buf = copy.buffer;
  const v2 = isNIFTI2(buf);
  if (!v2 && !isNIFTI1(buf)) {
    if (isNIFTI1(buf, true)) {
      throw new ScanError('not-a-scan', 'This is the header half of a .hdr/.img pair, which cannot be read on its own.', 'Convert the pair to a single .nii or .nii.gz file, or drop the DICOM series.');
    }
    throw NOT_NIFTI;
  }
  copy.fill(0, v2 ? 540 : 348, v2 ? 544 : 352);
  let h: NIFTI1 | NIFTI2;
  try {
    h = readHeader(buf) as NIFTI1 | NIFTI2;
  } catch {
    throw NOT_NIFTI;
  }
  const sform = h.sform_code > 0 ? h.affine.slice(0, 3).flatMap((row) => row.slice(0, 4)) : new Array<number>(12).fill(0);
  return {
    version: v2 ? 2 : 1,
    littleEndian: h.littleEndian,
    dim: Array.from(h.dims),
    datatype: h.datatypeCode,
    bitpix: h.numBitsPerVoxel,
    voxOffset: Number(h.vox_offset),
    sclSlope: h.scl_slope,
    sclInter: h.scl_inter,
    description: (h.description ?? '').replace(/\0.*$/s, '').trim(),
    geometry: {
      qformCode: h.qform_code,
      sformCode: h.sform_code,
      pixdim: [h.pixDims[0]!, h.pixDims[1]!, h.pixDims[2]!, h.pixDims[3]!],
      quatern: [h.quatern_b, h.quatern_c, h.quatern_d],
      qoffset: [h.qoffset_x, h.qoffset_y, h.qoffset_z],
      srow: sform,
      xyztUnits: h.xyzt_units,
    },
  };
}
