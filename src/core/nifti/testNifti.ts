/**
 * Test helper: builds NIfTI-1/NIfTI-2 files byte by byte with any header values, including
 * invalid ones, so every reader path (and every way a file can lie) can be exercised.
 */
export interface TestNiftiSpec {
  version?: 1 | 2;
  littleEndian?: boolean;
  /** dim[0..7]; defaults to [3, nx, ny, nz, 1, 1, 1, 1] from `dims`. */
  dim?: number[];
  dims?: [number, number, number];
  datatype?: number;
  bitpix?: number;
  pixdim?: number[];
  sclSlope?: number;
  sclInter?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  qoffset?: [number, number, number];
  srow?: number[];
  /** Voxel values, written with the datatype's element type. */
  values?: ArrayLike<number>;
  /** Cut the file to this many bytes. */
  truncateTo?: number;
  magic?: string;
}

const ELEMENT: Record<number, [number, (v: DataView, o: number, x: number, le: boolean) => void]> = {
  2: [1, (v, o, x) => v.setUint8(o, x)],
  4: [2, (v, o, x, le) => v.setInt16(o, x, le)],
  8: [4, (v, o, x, le) => v.setInt32(o, x, le)],
  16: [4, (v, o, x, le) => v.setFloat32(o, x, le)],
  64: [8, (v, o, x, le) => v.setFloat64(o, x, le)],
  256: [1, (v, o, x) => v.setInt8(o, x)],
  512: [2, (v, o, x, le) => v.setUint16(o, x, le)],
  768: [4, (v, o, x, le) => v.setUint32(o, x, le)],
  1024: [8, (v, o, x, le) => v.setBigInt64(o, BigInt(x), le)],
  1280: [8, (v, o, x, le) => v.setBigUint64(o, BigInt(x), le)],
};

export function buildNifti(spec: TestNiftiSpec): Uint8Array {
  const version = spec.version ?? 1;
  const le = spec.littleEndian ?? true;
  const dims = spec.dims ?? [4, 3, 2];
  const dim = spec.dim ?? [3, ...dims, 1, 1, 1, 1];
  const datatype = spec.datatype ?? 4;
  const [size, set] = ELEMENT[datatype] ?? [1, () => undefined];
  const bitpix = spec.bitpix ?? size * 8;
  const count = dims[0] * dims[1] * dims[2];
  const values = spec.values ?? Array.from({ length: count }, (_, i) => i);
  const offset = version === 2 ? 544 : 352;
  const bytes = new Uint8Array(offset + values.length * size);
  const v = new DataView(bytes.buffer);
  const pixdim = spec.pixdim ?? [1, 1, 1, 1, 0, 0, 0, 0];
  const srow = spec.srow ?? [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];
  const q = spec.quatern ?? [0, 0, 0];
  const qo = spec.qoffset ?? [0, 0, 0];
  const text = (at: number, s: string): void => Array.from(s).forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  if (version === 1) {
    v.setInt32(0, 348, le);
    dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
    v.setInt16(70, datatype, le);
    v.setInt16(72, bitpix, le);
    pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
    v.setFloat32(108, offset, le);
    v.setFloat32(112, spec.sclSlope ?? 1, le);
    v.setFloat32(116, spec.sclInter ?? 0, le);
    v.setInt16(252, spec.qformCode ?? 0, le);
    v.setInt16(254, spec.sformCode ?? 1, le);
    [...q, ...qo].forEach((x, i) => v.setFloat32(256 + 4 * i, x, le));
    srow.forEach((x, i) => v.setFloat32(280 + 4 * i, x, le));
    text(344, spec.magic ?? 'n+1\0');
  } else {
    v.setInt32(0, 540, le);
    text(4, spec.magic ?? 'n+2\0\r\n\x1a\n');
    v.setInt16(12, datatype, le);
    v.setInt16(14, bitpix, le);
    dim.forEach((d, i) => v.setBigInt64(16 + 8 * i, BigInt(d), le));
    pixdim.forEach((p, i) => v.setFloat64(104 + 8 * i, p, le));
    v.setBigInt64(168, BigInt(offset), le);
    v.setFloat64(176, spec.sclSlope ?? 1, le);
    v.setFloat64(184, spec.sclInter ?? 0, le);
    v.setInt32(344, spec.qformCode ?? 0, le);
    v.setInt32(348, spec.sformCode ?? 1, le);
    [...q, ...qo].forEach((x, i) => v.setFloat64(352 + 8 * i, x, le));
    srow.forEach((x, i) => v.setFloat64(400 + 8 * i, x, le));
    v.setInt32(500, 2, le);
  }
  for (let i = 0; i < values.length; i++) set(v, offset + i * size, values[i]!, le);
  return spec.truncateTo === undefined ? bytes : bytes.slice(0, spec.truncateTo);
}
