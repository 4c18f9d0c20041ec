import { describe, expect, it } from 'vitest';
import { readReal } from '../testing/realData';
import { type Centroid, readCentroids, writeCentroids } from './centroids';
import { ScanError } from './errors';
import { apply, invert } from './geometry/mat4';
import { readNifti } from './nifti/readNifti';

const text = (rel: string): unknown => JSON.parse(new TextDecoder().decode(readReal(rel)));

describe('VerSe centroid JSON', () => {
  it.each([
    ['sub-verse004', 'verse-masks/sub-verse004_seg-subreg_ctd.json', 'verse-masks/sub-verse004_seg-vert_msk.nii.gz'],
    ['sub-gl003', 'verse-masks/sub-gl003_dir-ax_seg-subreg_ctd.json', 'verse-masks/sub-gl003_dir-ax_seg-vert_msk.nii.gz'],
    ['sub-verse010', 'verse-masks/sub-verse010_seg-subreg_ctd.json', 'verse-masks/sub-verse010_seg-vert_msk.nii.gz'],
  ])('%s: every voxel-convention centroid lies inside its own vertebra mask (C1: its ring)', (_id, ctd, msk) => {
    const { volume } = readNifti(readReal(msk), { kind: 'label' });
    const cents = readCentroids(text(ctd), volume, 'voxel');
    expect(cents.length).toBeGreaterThan(4);
    const inv = invert(volume.affine)!;
    const [nx, ny] = volume.dims;
    for (const c of cents) {
      const [i, j, k] = apply(inv, c.world).map(Math.round) as [number, number, number];
      const at = volume.data[i + nx * (j + ny * k)];
      // C1 has no body: its centre is inside the ring, where C2's dens stands.
      expect(at, `label ${c.label}`).toBe(c.label === 1 ? 2 : c.label);
    }
  });

  it('reads voxel indices given along another orientation than the image (re-oriented file)', () => {
    const affine = [0, 0, 2, 0, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1]; // PIR, dims 10×20×30
    const grid = { dims: [10, 20, 30] as const, affine };
    const world = apply(affine, [3, 4, 5]);
    // Same point as indices of the image reoriented to RAS: R = k, A = 9 − i, S = 19 − j.
    const [c] = readCentroids([{ direction: ['R', 'A', 'S'] }, { label: 20, X: 5, Y: 6, Z: 15 }], grid, 'voxel');
    expect(c!.world).toEqual(world);
  });

  it('reads the mm convention along the listed directions (LPS mm → RAS)', () => {
    const [c] = readCentroids([{ direction: ['L', 'P', 'S'] }, { label: 1, X: 10, Y: -20, Z: 30 }], { dims: [2, 2, 2], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] }, 'mm');
    expect(c!.world).toEqual([-10, 20, 30]);
  });

  it.each(['voxel', 'mm'] as const)('round-trips through write and read (%s)', (units) => {
    const { volume } = readNifti(readReal('verse/sub-verse008_seg-vert_msk.nii.gz'), { kind: 'label' });
    const cents: Centroid[] = [{ label: 19, world: [10.25, -33.5, 12] }, { label: 20, world: [11, -60.75, 8.5] }];
    const json = JSON.parse(JSON.stringify(writeCentroids(cents, volume, units)));
    expect(json[0].direction).toEqual(units === 'voxel' ? ['P', 'I', 'R'] : ['R', 'A', 'S']);
    readCentroids(json, volume, units).forEach((c, n) => {
      expect(c.label).toBe(cents[n]!.label);
      c.world.forEach((w, i) => expect(w).toBeCloseTo(cents[n]!.world[i]!, 1));
    });
  });

  it.each([
    [{ label: 1 }],
    [[{ direction: ['X', 'Y', 'Z'] }, { label: 1, X: 0, Y: 0, Z: 0 }]],
    [[{ direction: ['L', 'P', 'S'] }, { label: 'L1', X: 0, Y: 0, Z: 0 }]],
    [[{ direction: ['L', 'P', 'S'] }, { label: 1, X: 0, Y: null, Z: 0 }]],
  ])('refuses malformed files with a typed error', (json) => {
    expect(() => readCentroids(json, { dims: [2, 2, 2], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] }, 'voxel')).toThrow(ScanError);
  });
});
