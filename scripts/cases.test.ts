import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realDataDir } from '../src/testing/realData';
import { findCases, truthOf } from './lib/cases';

describe('eval case discovery', () => {
  it('finds VerSe, TPTBox and TotalSegmentator layouts with their ground truth', () => {
    const real = realDataDir();
    expect(findCases(join(real, 'verse')).map((c) => c.id)).toEqual(['sub-verse006', 'sub-verse008']);
    const tpt = findCases(join(real, 'tptbox'));
    expect(tpt.map((c) => [c.id, c.mask?.endsWith('sub-ct_seg-vert_label-22_msk.nii.gz')])).toEqual([['sub-ct_label-22', true]]);
    const ts = findCases(join(real, 'totalsegmentator'));
    expect(ts.map((c) => c.id)).toEqual(['totalseg-example', 'totalseg-dicom']);
    expect(ts[0]).toMatchObject({ totalseg: true, mask: expect.stringMatching(/example_seg_fast_force_split\.nii\.gz$/) });
    // The DICOM series is a folder; its labels are T11 and T12.
    expect(ts[1]).toMatchObject({ ct: join(real, 'totalsegmentator', 'example_ct_dicom'), totalseg: true });
    expect(truthOf(ts[1]!).centroids.map((c) => c.label).sort((a, b) => a - b)).toEqual([18, 19]);
    // TotalSegmentator v2 numbering becomes VerSe ids (T11 … L5 here); centroids from the mask. Its
    // T11 is 83 voxels of spinous-process tip in the top three slices, all behind T12's body: a
    // fragment without a body, apart from the centroids. TPTBox's L2, its lower half in the scan, stays.
    const example = truthOf(ts[0]!);
    expect(example.centroids.map((c) => c.label).sort((a, b) => a - b)).toEqual([19, 20, 21, 22, 23, 24]);
    expect(example.fragments.map((c) => c.label)).toEqual([18]);
    expect(truthOf(tpt[0]!).centroids.map((c) => c.label).sort((a, b) => a - b)).toEqual([21, 22, 23]);
    // No other real mask holds such a fragment (the 40 mm series' T11 has its lower body inside).
    for (const c of [...findCases(join(real, 'verse')), ...tpt, ts[1]!]) expect(truthOf(c).fragments).toEqual([]);
  });

  it('pairs <id>_ct with <id>_seg-vert_msk and <id>_ctd.json, and reads the centroid file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineclue-cases-'));
    const samples = join(import.meta.dirname, '..', 'public', 'samples');
    symlinkSync(join(samples, 'sample-spine.nii.gz'), join(dir, 'sub-x_ct.nii.gz'));
    symlinkSync(join(samples, 'sample-spine_seg-vert_msk.nii.gz'), join(dir, 'sub-x_seg-vert_msk.nii.gz'));
    symlinkSync(join(samples, 'sample-spine_ctd.json'), join(dir, 'sub-x_ctd.json'));
    symlinkSync(join(samples, 'sample-spine.nii.gz'), join(dir, 'sub-y_ct.nii.gz')); // no truth: not a case
    const [c, ...rest] = findCases(dir);
    expect(rest).toHaveLength(0);
    expect(c).toMatchObject({ id: 'sub-x', totalseg: false });
    const t = truthOf(c!);
    expect(t.centroids.map((x) => x.label)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(t.mask!.dims).toEqual([153, 153, 208]);
  });
});
