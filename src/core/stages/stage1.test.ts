import { describe, expect, it } from 'vitest';
import type { Volume } from '../volume';
import { decodeCenterNet, liftBox } from './decode';
import { boneRange, extractSlice, sliceIndices } from './slices';

/** 20 × 16 × 30 canonical volume: air, with a bone bar at x 6–12, y 4–10 over all z. */
function phantom(): Volume<Int16Array> {
  const dims = [20, 16, 30] as const;
  const data = new Int16Array(20 * 16 * 30).fill(-1000);
  for (let k = 0; k < 30; k++) for (let j = 4; j <= 10; j++) for (let i = 6; i <= 12; i++) data[i + 20 * (j + 16 * k)] = 700 + k;
  return { dims, affine: [1.5, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 1], data };
}

describe('stage 1 slices', () => {
  it('spreads slices over the bone, not over air', () => {
    expect(boneRange(phantom(), 0)).toEqual([6, 12]);
    expect(boneRange(phantom(), 1)).toEqual([4, 10]);
    expect(sliceIndices(phantom(), 0, 4)).toEqual([6, 8, 10, 12]);
    expect(sliceIndices(phantom(), 1, 100)).toEqual([4, 5, 6, 7, 8, 9, 10]);
  });

  it('extracts a normalised slice in (U, V) order, padded to a multiple', () => {
    const s = extractSlice(phantom(), 0, 8, { min: -1000, max: 1000 }, 4);
    expect([s.u, s.v]).toEqual([16, 32]);
    expect(s.data[4 * 32 + 5]).toBeCloseTo((705 + 1000) / 2000, 6); // y = 4, z = 5
    expect(s.data[2 * 32 + 5]).toBe(0); // air
    expect(s.data[4 * 32 + 31]).toBe(0); // padding
    const c = extractSlice(phantom(), 1, 5, { min: -1000, max: 1000 });
    expect([c.u, c.v]).toEqual([20, 30]);
    expect(c.data[6 * 30 + 29]).toBeCloseTo((729 + 1000) / 2000, 6);
  });
});

describe('stage 1 decoding', () => {
  it('finds local maxima above threshold with size and sub-cell offset, best first', () => {
    const hh = 8, hw = 10, n = hh * hw;
    const heat = new Float32Array(n);
    const size = new Float32Array(2 * n);
    const off = new Float32Array(2 * n);
    heat[2 * hw + 3] = 0.9;
    heat[2 * hw + 4] = 0.8; // next to a stronger peak: not a peak
    heat[6 * hw + 7] = 0.6;
    heat[5 * hw + 1] = 0.2; // below threshold
    size[2 * hw + 3] = 24;
    size[n + 2 * hw + 3] = 30;
    off[2 * hw + 3] = 0.5;
    off[n + 2 * hw + 3] = 0.25;
    const boxes = decodeCenterNet(heat, size, off, hh, hw, 4, 0.3, 10);
    expect(boxes).toHaveLength(2);
    expect(boxes[0]).toEqual({ cu: 10, cv: 13, su: 24, sv: 30, score: expect.closeTo(0.9, 6) });
    expect(boxes[1]!.score).toBeCloseTo(0.6, 6);
    expect(decodeCenterNet(heat, size, off, hh, hw, 4, 0.3, 1)).toHaveLength(1);
    // A body-centred detector: the peak is the body, `shift` leads to the whole box's centre.
    const shift = new Float32Array(2 * n);
    shift[2 * hw + 3] = -6;
    shift[n + 2 * hw + 3] = 9;
    expect(decodeCenterNet(heat, size, off, hh, hw, 4, 0.3, 1, shift)[0]).toEqual({ cu: 10, cv: 13, su: 24, sv: 30, score: expect.closeTo(0.9, 6), box: [4, 22] });
  });

  it('lifts sagittal and coronal detections to canonical millimetres', () => {
    const b = { cu: 10, cv: 20, su: 30, sv: 16, score: 0.7 };
    expect(liftBox(b, 0, 5, 1.5)).toEqual({ centre: [7.5, 15, 30], width: 45, height: 24, plane: 'sagittal', score: 0.7 });
    expect(liftBox(b, 1, 5, 1.5)).toEqual({ centre: [15, 7.5, 30], width: 45, height: 24, plane: 'coronal', score: 0.7 });
    const body = { ...b, box: [6, 28] as [number, number] };
    expect(liftBox(body, 0, 5, 1.5)).toEqual({ centre: [7.5, 15, 30], boxCentre: [7.5, 9, 42], width: 45, height: 24, plane: 'sagittal', score: 0.7 });
    expect(liftBox(body, 1, 5, 1.5).boxCentre).toEqual([9, 7.5, 42]);
  });
});

describe('stage 1 dense slicing over the spine', () => {
  it('takes the spine’s range from the survey boxes, ignoring outliers (ribs, arms)', async () => {
    const { spineRange } = await import('./slices');
    const centres = [100, 102, 98, 105, 101, 99, 103, 20, 300, 104];
    // 10th–90th percentile 98…105 mm, ± 20 mm, at 2 mm voxels, clipped to the volume.
    expect(spineRange(centres, 2, 200)).toEqual([39, 63]);
    expect(spineRange([5, 6], 2, 200)).toBeNull();
    expect(spineRange([1, 2, 3, 4], 2, 10)).toEqual([0, 9]);
  });

  it('spaces slices by the step, centred, and spreads them when capped', async () => {
    const { denseIndices } = await import('./slices');
    expect(denseIndices(10, 20, 2.5, 100)).toEqual([10, 13, 15, 18, 20]);
    const capped = denseIndices(0, 99, 1, 10);
    expect(capped).toHaveLength(10);
    expect(capped[0]).toBe(0);
    expect(capped[9]).toBe(99);
    expect(denseIndices(7, 7, 2, 10)).toEqual([7]);
  });
});
