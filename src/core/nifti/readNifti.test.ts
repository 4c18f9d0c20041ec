import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { apply } from '../geometry/mat4';
import { readNifti } from './readNifti';
import { buildNifti } from './testNifti';

const values = [-1024, -500, 0, 40, 300, 1200, 3000, -1000, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, -900, -800, -700, -600];

describe('readNifti: datatypes and scaling', () => {
  it.each([
    ['int16', 4],
    ['int32', 8],
    ['float32', 16],
    ['float64', 64],
    ['int64', 1024],
  ])('reads %s voxels in x-fastest order', (_name, datatype) => {
    const { volume, info } = readNifti(buildNifti({ datatype, values }));
    expect(Array.from(volume.data)).toEqual(values);
    expect(volume.data).toBeInstanceOf(Int16Array);
    expect(info.dims).toEqual([4, 3, 2]);
  });

  it.each([
    ['uint8', 2],
    ['int8', 256],
    ['uint16', 512],
    ['uint32', 768],
    ['uint64', 1280],
  ])('reads %s voxels and applies scl_slope/scl_inter', (_name, datatype) => {
    const raw = values.map((_, i) => i * 5);
    const { volume, info } = readNifti(buildNifti({ datatype, values: raw, sclSlope: 2, sclInter: -1024 }));
    expect(Array.from(volume.data)).toEqual(raw.map((x) => x * 2 - 1024));
    expect(info.range).toEqual([-1024, 23 * 5 * 2 - 1024]);
  });

  it('keeps non-integral HU as Float32', () => {
    const { volume } = readNifti(buildNifti({ datatype: 16, values: values.map((x) => x + 0.25) }));
    expect(volume.data).toBeInstanceOf(Float32Array);
    expect(volume.data[1]).toBeCloseTo(-499.75, 5);
  });

  it('treats scl_slope 0 as unscaled, as nibabel does', () => {
    const { volume } = readNifti(buildNifti({ values, sclSlope: 0, sclInter: 100 }));
    expect(Array.from(volume.data)).toEqual(values);
  });

  it('reads big-endian files', () => {
    const { volume } = readNifti(buildNifti({ values, littleEndian: false, datatype: 16 }));
    expect(Array.from(volume.data)).toEqual(values);
  });

  it('reads NIfTI-2, plain and gzipped, with identical results', () => {
    const file = buildNifti({ version: 2, values, pixdim: [1, 0.5, 0.7, 2.5], srow: [0.5, 0, 0, -10, 0, 0.7, 0, 20, 0, 0, 2.5, 30] });
    const a = readNifti(file);
    const b = readNifti(gzipSync(file));
    expect(a.info.niftiVersion).toBe(2);
    expect(Array.from(a.volume.data)).toEqual(values);
    expect(Array.from(b.volume.data)).toEqual(values);
    expect(a.volume.affine).toEqual(b.volume.affine);
    expect(a.info.spacing.map((s) => +s.toFixed(5))).toEqual([0.5, 0.7, 2.5]);
  });

  it('labels: float64 masks become Uint8 labels', () => {
    const { volume } = readNifti(buildNifti({ datatype: 64, values: values.map((_, i) => (i % 3 === 0 ? 20 : 0)) }), { kind: 'label' });
    expect(volume.data).toBeInstanceOf(Uint8Array);
    expect(volume.data[3]).toBe(20);
  });
});

describe('readNifti: geometry (sform, qform, oblique)', () => {
  it('uses sform when sform_code > 0, even if a qform is present', () => {
    const srow = [-0.8, 0, 0, 100, 0, -0.8, 0, 50, 0, 0, 3, -20];
    const { volume, info } = readNifti(buildNifti({ values, sformCode: 1, qformCode: 1, srow, quatern: [0, 0, 1], pixdim: [1, 2, 2, 2] }));
    expect(info.affineFrom).toBe('sform');
    expect(info.orientation).toBe('LPS');
    apply(volume.affine, [1, 2, 1]).forEach((w, i) => expect(w).toBeCloseTo([99.2, 48.4, -17][i]!, 5));
  });

  it('builds the qform from the quaternion and qfac when there is no sform', () => {
    // b,c,d = 0,0,1: 180° about z → axes run L and P; qfac −1 flips the third axis to I.
    const { volume, info } = readNifti(buildNifti({ values, sformCode: 0, qformCode: 1, quatern: [0, 0, 1], qoffset: [10, 20, 30], pixdim: [-1, 1, 2, 3] }));
    expect(info.affineFrom).toBe('qform');
    expect(info.orientation).toBe('LPI');
    const [x, y, z] = apply(volume.affine, [1, 1, 1]);
    expect([x, y, z].map((n) => +n.toFixed(6))).toEqual([9, 18, 27]);
  });

  it('handles an oblique affine: the closest orientation and exact world coordinates', () => {
    const c = Math.cos(0.3), s = Math.sin(0.3);
    const srow = [c, -s, 0, 0, s, c, 0, 0, 0, 0, 2, 0];
    const { volume, info } = readNifti(buildNifti({ values, srow, pixdim: [1, 1, 1, 2] }));
    expect(info.orientation).toBe('RAS');
    const w = apply(volume.affine, [3, 2, 1]);
    expect(w[0]).toBeCloseTo(3 * c - 2 * s, 5);
    expect(w[1]).toBeCloseTo(3 * s + 2 * c, 5);
  });

  it('falls back to voxel sizes, with a warning, when the file has no orientation', () => {
    const r = readNifti(buildNifti({ values, sformCode: 0, qformCode: 0, pixdim: [1, 2, 2, 2] }));
    expect(r.info.affineFrom).toBe('none');
    expect(r.warnings.map((w) => w.code)).toContain('no-orientation');
  });
});
