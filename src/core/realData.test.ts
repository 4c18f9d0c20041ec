import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReal } from '../testing/realData';
import fixture from './__fixtures__/nibabel-world.json';
import { apply } from './geometry/mat4';
import { canonicalGrid, fromCanonical, toCanonical } from './geometry/canonical';
import { type ReadResult, readNifti } from './nifti/readNifti';
import { voxelCount } from './volume';

/** Every real NIfTI in ../shared/data/real agrees with nibabel (fixture made by scripts/fixtures/nibabel_world.py). */
describe.each(fixture.cases)('real scan $file', (c) => {
  let r: ReadResult;
  beforeAll(() => {
    r = readNifti(readReal(c.file), { kind: c.kind as 'ct' | 'label' });
  });
  afterAll(() => {
    r = undefined as unknown as ReadResult;
  });

  it("has nibabel's shape, orientation and voxel size", () => {
    expect(r.info.dims).toEqual(c.shape);
    expect(r.info.orientation).toBe(c.orientation);
    r.info.spacing.forEach((s, i) => expect(s).toBeCloseTo(c.zooms[i]!, 4));
  });

  it("puts voxels at nibabel's world coordinates (corners and interior, < 1 µm)", () => {
    c.voxels.forEach((v, n) => {
      const w = apply(r.volume.affine, v as [number, number, number]);
      w.forEach((x, i) => expect(Math.abs(x - c.world[n]![i]!)).toBeLessThan(1e-3));
    });
  });

  it("holds nibabel's voxel values", () => {
    const [nx, ny] = c.shape as [number, number, number];
    c.voxels.forEach((v, n) => expect(r.volume.data[v[0]! + nx * (v[1]! + ny * v[2]!)]).toBeCloseTo(c.values[n]!, 3));
    expect(r.info.range[0]).toBeCloseTo(c.kind === 'label' ? 0 : c.range[0]!, 3);
    expect(r.info.range[1]).toBeCloseTo(c.range[1]!, 3);
  });
});

describe.each(fixture.cases.filter((c) => c.kind === 'label'))('real label map $file', (c) => {
  it('keeps every voxel of every label through canonical resampling and back', () => {
    const r = readNifti(readReal(c.file), { kind: 'label' });
    const { data, dims, affine } = r.volume;
    const counts: Record<string, number> = {};
    for (let i = 0; i < data.length; i++) if (data[i]) counts[data[i]!] = (counts[data[i]!] ?? 0) + 1;
    expect(counts).toEqual((c as { labelCounts?: Record<string, number> }).labelCounts);
    // Isotropic at the finest source spacing (exact by construction); plain reorientation where
    // that grid would be too big for a unit test.
    const fine = Math.min(...r.info.spacing);
    let grid = canonicalGrid(dims, affine, fine);
    if (voxelCount(grid.dims) > 40e6) grid = canonicalGrid(dims, affine, 'native');
    const canon = toCanonical(r.volume, grid, 'nearest');
    const back = fromCanonical(canon, grid);
    expect(back.dims).toEqual(dims);
    let diff = 0;
    for (let i = 0; i < data.length; i++) if (back.data[i] !== data[i]) diff++;
    expect(diff).toBe(0);
  });
});
