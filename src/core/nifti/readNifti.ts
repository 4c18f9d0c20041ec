import { ScanError, type ScanWarning, formatBytes } from '../errors';
import { det3 } from '../geometry/mat4';
import { axisCodes } from '../geometry/orientation';
import { type Dims, type Volume, spacingOf } from '../volume';
import { bestAffine } from './affine';
import { gunzipInto, gunzipPrefix, isGzip } from './gunzip';
import { HEADER_BYTES, type NiftiHeader, parseHeader } from './header';
import { DATATYPES, convertCt, convertLabels, sourceView } from './voxels';

/** Default ceiling on voxels: 2^29 ≈ 537 million, e.g. 512 × 512 × 2048 (1 GiB as 16-bit HU). */
export const MAX_VOXELS = 2 ** 29;

export interface ReadNiftiOptions {
  /** 'ct' → HU (Int16/Float32) with CT sanity checks; 'label' → integer labels (Uint8/Uint16). */
  kind?: 'ct' | 'label';
  maxVoxels?: number;
}

export interface ScanInfo {
  dims: Dims;
  /** Voxel size in mm along each voxel axis. */
  spacing: [number, number, number];
  /** Voxel → world RAS mm, row-major 4×4: the geometry every later stage uses. */
  affine: number[];
  /** Direction each voxel axis increases toward, e.g. "LPS". */
  orientation: string;
  datatype: string;
  niftiVersion: 1 | 2;
  affineFrom: 'sform' | 'qform' | 'none';
  description: string;
  /** HU range after scaling (CT) or label range. */
  range: [number, number];
}

export interface ReadResult<V extends Volume = Volume> {
  volume: V;
  info: ScanInfo;
  warnings: ScanWarning[];
}

/**
 * Reads a NIfTI-1 or NIfTI-2 file (.nii or .nii.gz bytes) into a `Volume`, validating it first.
 * Every failure is a `ScanError`; sizes are checked from the header before anything large is
 * allocated or decompressed.
 */
export function readNifti(bytes: Uint8Array, options: ReadNiftiOptions = {}): ReadResult {
  const kind = options.kind ?? 'ct';
  const gz = isGzip(bytes);
  const head = gz ? gunzipPrefix(bytes, HEADER_BYTES) : bytes;
  const hdr = parseHeader(head);
  const dims = checkDims(hdr);
  const type = DATATYPES[hdr.datatype];
  if (!type || type.bytes * 8 !== hdr.bitpix) {
    throw new ScanError('unsupported-datatype', `This NIfTI stores voxels as datatype ${hdr.datatype} (${hdr.bitpix} bits), which is not a grey-scale image type.`, 'Colour (RGB) and complex images cannot be analysed; use the original CT.');
  }
  const count = dims[0] * dims[1] * dims[2];
  const limit = options.maxVoxels ?? MAX_VOXELS;
  if (count > limit) {
    throw new ScanError('too-large', `This scan has ${(count / 1e6).toFixed(0)} million voxels (${dims.join(' × ')}); the limit is ${(limit / 1e6).toFixed(0)} million (for example 512 × 512 × ${Math.floor(limit / 512 / 512)}) so that the browser does not run out of memory.`, 'Crop the scan to the spine or resample it to thicker slices, then try again.');
  }
  checkSpacing(hdr);
  const { affine, fromHeader } = bestAffine(hdr.geometry, dims);
  const d = det3(affine);
  if (!affine.every(Number.isFinite) || Math.abs(d) < 1e-9) {
    throw new ScanError('bad-geometry', 'The position/orientation matrix in this file is invalid (not finite or collapsed), so voxels cannot be placed in space.', 'Re-export the scan from its source; a DICOM series usually carries correct geometry.');
  }
  const dataBytes = count * type.bytes;
  const headerLen = hdr.version === 2 ? 544 : 352;
  const offset = Math.max(hdr.voxOffset, headerLen);
  const raw = gz ? inflateAll(bytes, offset + dataBytes) : bytes;
  if (raw.length < offset + dataBytes) {
    throw new ScanError('truncated', `The file is incomplete: its header describes ${dims.join(' × ')} voxels (${formatBytes(dataBytes)}) but the file holds only ${formatBytes(Math.max(0, raw.length - offset))} of voxel data.`, 'The file was probably cut off during download or copy. Copy or export it again.');
  }
  const src = sourceView(raw, offset, count, hdr.datatype, hdr.littleEndian);
  const slope = Number.isFinite(hdr.sclSlope) && hdr.sclSlope !== 0 ? hdr.sclSlope : 1;
  const inter = Number.isFinite(hdr.sclSlope) && hdr.sclSlope !== 0 && Number.isFinite(hdr.sclInter) ? hdr.sclInter : 0;
  const warnings: ScanWarning[] = [];
  let data;
  let range: [number, number];
  if (kind === 'ct') {
    const ct = convertCt(src, slope, inter);
    data = ct.data;
    range = [ct.min, ct.max];
    if (ct.nanCount > 0) warnings.push({ code: 'nan-replaced', message: `${ct.nanCount} voxels were not numbers (NaN) and were set to ${ct.min}.` });
    if (ct.min >= -1) warnings.push({ code: 'not-hounsfield', message: 'Intensities are not in Hounsfield units (no voxel below 0): this looks like an MR or an unscaled image, not a CT. Results will be unreliable.' });
  } else {
    data = convertLabels(src);
    let hi = 0;
    for (let i = 0; i < data.length; i++) if (data[i]! > hi) hi = data[i]!;
    range = [0, hi];
  }
  if (fromHeader === 'none') warnings.push({ code: 'no-orientation', message: 'The file does not say how the scan is oriented; left/right and the patient position may be wrong.' });
  const volume: Volume = { dims, affine, data, source: hdr.geometry };
  const info: ScanInfo = {
    dims,
    spacing: spacingOf(affine),
    affine,
    orientation: axisCodes(affine),
    datatype: type.name,
    niftiVersion: hdr.version,
    affineFrom: fromHeader,
    description: hdr.description,
    range,
  };
  return { volume, info, warnings };
}

function inflateAll(bytes: Uint8Array, expected: number): Uint8Array {
  const { out, length } = gunzipInto(bytes, expected);
  return length >= expected ? out : out.subarray(0, length);
}

function checkDims(hdr: NiftiHeader): Dims {
  const [ndim, nx, ny, nz] = hdr.dim as [number, number, number, number];
  const extra = hdr.dim.slice(4, Math.max(4, Math.min(ndim, 7) + 1)).reduce((a, b) => a * Math.max(1, b), 1);
  if (ndim < 1 || ndim > 7 || [nx, ny, nz].some((n) => !Number.isInteger(n) || n < 0)) {
    throw new ScanError('bad-dimensions', 'The image size in this file is invalid.', 'Re-export the scan from its source.');
  }
  if (ndim >= 4 && extra > 1) {
    throw new ScanError('time-series', `This file holds ${extra} volumes (a 4D series), not one CT.`, 'Export the single CT volume you want analysed.');
  }
  if (ndim < 3 || nx < 2 || ny < 2 || nz < 2) {
    throw new ScanError('not-3d', `This file holds a single slice (${nx} × ${ny}${ndim >= 3 ? ` × ${nz}` : ''}), not a 3D scan.`, 'Drop the whole CT volume or the complete DICOM series.');
  }
  return [nx, ny, nz];
}

function checkSpacing(hdr: NiftiHeader): void {
  const s = hdr.geometry.pixdim.slice(1, 4);
  if (s.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new ScanError('bad-spacing', `The voxel size in this file is invalid (${s.map((v) => +v.toFixed(3)).join(' × ')} mm); sizes must be positive.`, 'Re-export the scan from its source; the DICOM series carries the true voxel size.');
  }
}
