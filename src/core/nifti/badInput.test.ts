import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ScanError, type ScanErrorCode } from '../errors';
import { readNifti } from './readNifti';
import { buildNifti } from './testNifti';

function expectScanError(f: () => unknown, code: ScanErrorCode, message: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a ScanError').toBeInstanceOf(ScanError);
  const se = err as ScanError;
  expect(se.code).toBe(code);
  expect(se.message).toMatch(message);
  expect(se.tip, 'every expected failure says what to do next').toBeTruthy();
}

const ct = Array.from({ length: 24 }, (_, i) => -1000 + 100 * i);

describe('bad input: each gets a typed error a radiologist understands', () => {
  it('not a NIfTI (a PNG, a text file, an empty file)', () => {
    const png = new Uint8Array(400);
    png.set([0x89, 0x50, 0x4e, 0x47]);
    expectScanError(() => readNifti(png), 'not-a-scan', /not a NIfTI image or a DICOM series/);
    expectScanError(() => readNifti(new TextEncoder().encode('patient,level\n1,L1\n')), 'not-a-scan', /not a NIfTI/);
    expectScanError(() => readNifti(new Uint8Array(0)), 'not-a-scan', /not a NIfTI/);
    expectScanError(() => readNifti(gzipSync(new TextEncoder().encode('x'.repeat(1000)))), 'not-a-scan', /not a NIfTI/);
  });

  it('the header half of a .hdr/.img pair', () => {
    expectScanError(() => readNifti(buildNifti({ magic: 'ni1\0', values: ct })), 'not-a-scan', /\.hdr\/\.img pair/);
  });

  it('truncated gzip', () => {
    const gz = gzipSync(buildNifti({ dims: [64, 64, 32], values: new Int16Array(64 * 64 * 32).map((_, i) => i % 3000) }));
    expectScanError(() => readNifti(gz.slice(0, Math.floor(gz.length * 0.6))), 'truncated', /ends early/);
  });

  it('corrupt gzip (damaged bytes in the stream)', () => {
    const gz = gzipSync(buildNifti({ dims: [64, 64, 32], values: new Int16Array(64 * 64 * 32).map((_, i) => (i * 7919) % 3000) }));
    const bad = gz.slice();
    for (let i = 200; i < bad.length - 8; i += 97) bad[i] = bad[i]! ^ 0xa5;
    expectScanError(() => readNifti(bad), 'corrupt-gzip', /damaged/);
  });

  it('a header that lies about the size (more voxels than the file holds)', () => {
    const file = buildNifti({ dims: [4, 3, 2], values: ct, dim: [3, 40, 30, 20, 1, 1, 1, 1] });
    expectScanError(() => readNifti(file), 'truncated', /describes 40 × 30 × 20 voxels .* holds only 48 bytes/);
    expectScanError(() => readNifti(gzipSync(file)), 'truncated', /holds only 48 bytes/);
  });

  it('an uncompressed file cut short', () => {
    expectScanError(() => readNifti(buildNifti({ values: ct, truncateTo: 352 + 10 })), 'truncated', /incomplete/);
  });

  it('4D data (a time series)', () => {
    expectScanError(() => readNifti(buildNifti({ values: [...ct, ...ct, ...ct], dim: [4, 4, 3, 2, 3, 1, 1, 1] })), 'time-series', /3 volumes/);
  });

  it('4D with a single volume is accepted as 3D', () => {
    expect(readNifti(buildNifti({ values: ct, dim: [4, 4, 3, 2, 1, 1, 1, 1] })).info.dims).toEqual([4, 3, 2]);
  });

  it('2D data (a single slice)', () => {
    expectScanError(() => readNifti(buildNifti({ dims: [4, 6, 1], values: ct, dim: [2, 4, 6, 1, 1, 1, 1, 1] })), 'not-3d', /single slice \(4 × 6\)/);
    expectScanError(() => readNifti(buildNifti({ dims: [4, 6, 1], values: ct })), 'not-3d', /single slice/);
  });

  it('NaN voxels: many → refused; a few → repaired with a warning', () => {
    const many = ct.map((v, i) => (i % 2 ? NaN : v));
    expectScanError(() => readNifti(buildNifti({ datatype: 16, values: many })), 'not-a-number', /50\.0% of the voxels/);
    const few = new Float32Array(200 * 4).map((_, i) => (i === 7 ? NaN : -1000 + (i % 50) * 40));
    const r = readNifti(buildNifti({ datatype: 16, dims: [10, 20, 4], values: few }));
    expect(r.warnings.map((w) => w.code)).toContain('nan-replaced');
    expect(r.volume.data[7]).toBe(-1000);
  });

  it.each([
    ['zero', [1, 0, 1, 1]],
    ['negative', [1, 1, -2, 1]],
    ['not a number', [1, 1, 1, NaN]],
  ])('%s spacing', (_what, pixdim) => {
    expectScanError(() => readNifti(buildNifti({ values: ct, pixdim: pixdim as number[] })), 'bad-spacing', /voxel size .* invalid/);
  });

  it('a collapsed orientation matrix', () => {
    expectScanError(() => readNifti(buildNifti({ values: ct, srow: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0] })), 'bad-geometry', /orientation matrix/);
  });

  it('a volume that would exhaust memory is refused before anything is allocated, naming the limit', () => {
    // A 600-byte file claiming 4096³ int16 voxels (128 GiB).
    const file = buildNifti({ values: ct, dim: [3, 4096, 4096, 4096, 1, 1, 1, 1] });
    expectScanError(() => readNifti(file), 'too-large', /68719 million voxels .* limit is 537 million \(for example 512 × 512 × 2048\)/);
    expectScanError(() => readNifti(gzipSync(file)), 'too-large', /limit is 537 million/);
    expectScanError(() => readNifti(buildNifti({ dims: [10, 10, 10], values: new Array(1000).fill(0) }), { maxVoxels: 999 }), 'too-large', /limit is 0 million/);
  });

  it('colour (RGB) images', () => {
    expectScanError(() => readNifti(buildNifti({ datatype: 128, bitpix: 24, values: [] })), 'unsupported-datatype', /not a grey-scale/);
  });

  it('an MR instead of a CT loads, with a warning that intensities are not HU', () => {
    const mr = Array.from({ length: 24 }, (_, i) => i * 37);
    const r = readNifti(buildNifti({ values: mr }));
    expect(r.warnings.map((w) => w.code)).toEqual(['not-hounsfield']);
    expect(r.warnings[0]!.message).toMatch(/looks like an MR/);
    expect(readNifti(buildNifti({ values: ct })).warnings).toEqual([]);
  });
});
