import { describe, expect, it } from 'vitest';
import { apply } from '../../src/core/geometry/mat4';
import { spacingOf } from '../../src/core/volume';
import { addNoise, thickSlices, windows } from './degrade';

/** A 1 mm grid, head–foot along voxel axis 2, with labels 1…4 in 10-slice bands. */
function scan() {
  const dims = [8, 8, 40] as const;
  const affine = [1, 0, 0, -4, 0, 1, 0, -4, 0, 0, 1, -20, 0, 0, 0, 1];
  const n = 8 * 8 * 40;
  const ct = new Float32Array(n).map((_, o) => Math.floor(o / 64));
  const mask = new Uint8Array(n).map((_, o) => 1 + Math.floor(Math.floor(o / 64) / 10));
  return { ct: { dims, affine, data: ct }, mask: { dims, affine, data: mask } };
}

describe('degradation suite', () => {
  it('thick slices average over their thickness and keep each slice centre where it was in the world', () => {
    const t = thickSlices(scan(), 2, 5);
    expect(t.ct.dims).toEqual([8, 8, 8]);
    expect(spacingOf(t.ct.affine)[2]).toBeCloseTo(5, 9);
    expect(t.ct.data[0]).toBeCloseTo(2, 1); // mean of slices 0…4 (values 0…4)
    expect(apply(t.ct.affine, [0, 0, 0])[2]).toBeCloseTo(-18, 9); // slice 0 centred on source slice 2
    expect(t.mask.data[64 * 3]).toBe(2); // centre at source slice 17: label 2
  });

  it('noise has the asked standard deviation and repeats with its seed', () => {
    const s = scan();
    const a = addNoise(s.ct, 40, 1), b = addNoise(s.ct, 40, 1), c = addNoise(s.ct, 40, 2);
    const diff = Array.from(a.data, (x, i) => x - s.ct.data[i]!);
    const sd = Math.sqrt(diff.reduce((q, x) => q + x * x, 0) / diff.length);
    expect(sd).toBeCloseTo(40, 3);
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
  });

  it('windows of k vertebrae at every position, cut between the outer ones and their neighbours', () => {
    const centres = [1, 2, 3, 4].map((label) => ({ label, index: 10 * label - 5 }));
    const w = windows(scan(), 2, centres);
    expect(w.map((x) => x.name)).toEqual(['window 1-2', 'window 2-3', 'window 3-4']);
    expect(w[1]!.scan.ct.dims[2]).toBe(21); // from the 1|2 midpoint (slice 10) to the 3|4 midpoint (slice 30)
  });
});
