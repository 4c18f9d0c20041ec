import { ScanError } from '../errors';
import type { VoxelArray } from '../volume';

type SourceArray =
  | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

interface SourceType {
  name: string;
  bytes: number;
  make: (buf: ArrayBuffer, offset: number, length: number) => SourceArray;
}

/** NIfTI datatype codes we read, with their element size. */
export const DATATYPES: Record<number, SourceType> = {
  2: { name: 'uint8', bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  4: { name: 'int16', bytes: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  8: { name: 'int32', bytes: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  16: { name: 'float32', bytes: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  64: { name: 'float64', bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  256: { name: 'int8', bytes: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  512: { name: 'uint16', bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  768: { name: 'uint32', bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  1024: { name: 'int64', bytes: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  1280: { name: 'uint64', bytes: 8, make: (b, o, n) => new BigUint64Array(b, o, n) },
};

/**
 * A typed view of `count` voxels at `offset` in native byte order. Copies (and byte-swaps) only
 * when the data is big-endian or not aligned to its element size.
 */
export function sourceView(raw: Uint8Array, offset: number, count: number, datatype: number, littleEndian: boolean): SourceArray {
  const t = DATATYPES[datatype]!;
  const start = raw.byteOffset + offset;
  if (littleEndian && start % t.bytes === 0) return t.make(raw.buffer as ArrayBuffer, start, count);
  const copy = raw.slice(offset, offset + count * t.bytes);
  if (!littleEndian && t.bytes > 1) {
    for (let p = 0; p < copy.length; p += t.bytes) copy.subarray(p, p + t.bytes).reverse();
  }
  return t.make(copy.buffer, 0, count);
}

export interface ConvertedCt {
  data: Int16Array | Float32Array;
  min: number;
  max: number;
  nanCount: number;
}

/** Largest share of non-numeric voxels we repair (by setting them to air) rather than refuse. */
export const MAX_NAN_FRACTION = 0.01;

/**
 * Applies scl_slope/scl_inter and stores HU as Int16 when every value is an integer in range
 * (halves memory for the common case), else Float32. NaN/±Inf voxels are set to the lowest value
 * in the scan when they are rare; when they are common the scan is refused.
 */
export function convertCt(src: SourceArray, slope: number, inter: number): ConvertedCt {
  const n = src.length;
  const big = typeof src[0] === 'bigint';
  const at = big ? (i: number) => Number((src as BigInt64Array)[i]) : (i: number) => (src as Float64Array)[i]!;
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  let nanCount = 0;
  for (let i = 0; i < n; i++) {
    const v = at(i) * slope + inter;
    if (!Number.isFinite(v)) {
      nanCount++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (integral && v !== Math.round(v)) integral = false;
  }
  if (nanCount > n * MAX_NAN_FRACTION) {
    const pct = ((100 * nanCount) / n).toFixed(1);
    throw new ScanError('not-a-number', `${pct}% of the voxels in this scan are not numbers (NaN), so it cannot be analysed.`, 'The file was probably written by a faulty conversion; convert the DICOM series again.');
  }
  if (nanCount === n) throw new ScanError('not-a-number', 'Every voxel in this scan is NaN.', 'Convert the DICOM series again.');
  const fill = min;
  const useInt16 = integral && min >= -32768 && max <= 32767;
  const out = useInt16 ? new Int16Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = at(i) * slope + inter;
    out[i] = Number.isFinite(v) ? v : fill;
  }
  return { data: out, min, max, nanCount };
}

/** Label maps: rounded non-negative integers in Uint8 (≤ 255) or Uint16; NaN becomes background. */
export function convertLabels(src: SourceArray): Uint8Array | Uint16Array {
  const n = src.length;
  const big = typeof src[0] === 'bigint';
  const at = big ? (i: number) => Number((src as BigInt64Array)[i]) : (i: number) => (src as Float64Array)[i]!;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = at(i);
    if (v < -0.5 || v > 65535.5) {
      throw new ScanError('unsupported-datatype', `This label map holds the value ${v}; labels must be whole numbers from 0 to 65535.`, 'Check that the file is a label map and not an image.');
    }
    if (v > max) max = v;
  }
  const out: VoxelArray = max > 255.5 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = at(i);
    out[i] = Number.isFinite(v) ? Math.round(v) : 0;
  }
  return out;
}
