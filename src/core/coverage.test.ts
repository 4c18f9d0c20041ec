import { describe, expect, it } from 'vitest';
import { MIN_COVERAGE_MM, coverageWarning, headToFootMm } from './coverage';
import { buildNifti } from './nifti/testNifti';
import { openScan } from './openScan';

// Row-major voxel → world affines.
const axial = (dz: number): number[] => [0.98, 0, 0, 0, 0, 0.98, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1];
// A sagittal acquisition: voxel axis 0 runs head to foot (I), axis 2 left to right.
const sagittal = [0, 0, 1, 0, 0, 1, 0, 0, -1.5, 0, 0, 0, 0, 0, 0, 1];

describe('head-to-foot coverage', () => {
  it('is the slices along S–I times their spacing, whichever voxel axis that is', () => {
    expect(headToFootMm([512, 512, 20], axial(2))).toBeCloseTo(40);
    expect(headToFootMm([200, 80, 30], sagittal)).toBeCloseTo(300);
  });

  it('warns below two vertebrae (the real 20-slice DICOM series, 40 mm), and not at or above', () => {
    expect(coverageWarning([512, 512, 20], axial(2))).toMatchObject({ code: 'short-coverage', message: expect.stringContaining('40 mm') });
    expect(coverageWarning([512, 512, MIN_COVERAGE_MM / 2], axial(2))).toBeNull();
    expect(coverageWarning([200, 80, 30], sagittal)).toBeNull(); // 30 slices, but across the body
  });

  it('reaches the user: openScan adds it beside the reader’s warnings', () => {
    const n = 8 * 8 * 10;
    const file = buildNifti({ dims: [8, 8, 10], pixdim: [1, 2, 2, 3], sformCode: 1, srow: [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0], values: Array.from({ length: n }, (_, i) => (i % 7 ? -1000 : 400)) });
    const r = openScan(file);
    expect(r.ok && r.warnings.map((w) => w.code)).toEqual(['short-coverage']);
    expect(r.ok && r.warnings[0]!.message).toContain('30 mm');
  });
});
