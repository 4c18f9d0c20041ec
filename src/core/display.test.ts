import { describe, expect, it } from 'vitest';
import { apply } from './geometry/mat4';
import { DISPLAY_MAX_VOXELS, displayStep, overlayBytes, subsample } from './display';

describe('display copy of big scans', () => {
  const thin = [0.5, 0, 0, -100, 0, 0.5, 0, -120, 0, 0, 0.5, -300, 0, 0, 0, 1];

  it('leaves ordinary scans alone and steps the finest axes of a 512 × 512 × 1200 CT until it fits', () => {
    expect(displayStep([512, 512, 600], thin)).toEqual([1, 1, 1]);
    const step = displayStep([512, 512, 1200], thin);
    expect(step).toEqual([2, 1, 1]);
    expect(Math.ceil(512 / step[0]) * Math.ceil(512 / step[1]) * Math.ceil(1200 / step[2])).toBeLessThanOrEqual(DISPLAY_MAX_VOXELS);
    // Thin slices are stepped before fine in-plane pixels.
    expect(displayStep([512, 512, 1200], [0.8, 0, 0, 0, 0, 0.8, 0, 0, 0, 0, 0.4, 0, 0, 0, 0, 1])).toEqual([1, 1, 2]);
  });

  it('keeps each kept voxel where it was in the world', () => {
    const dims = [5, 4, 3] as const;
    const vol = { dims, affine: thin, data: Int16Array.from({ length: 60 }, (_, i) => i) };
    const s = subsample(vol, [2, 1, 2]);
    expect(s.dims).toEqual([3, 4, 2]);
    // Voxel (2, 3, 1) of the copy is voxel (4, 3, 2) of the scan: same value, same world point.
    expect(s.data[2 + 3 * (3 + 4 * 1)]).toBe(vol.data[4 + 5 * (3 + 4 * 2)]);
    expect(apply(s.affine, [2, 3, 1])).toEqual(apply(vol.affine, [4, 3, 2]));
    expect(subsample(vol, [1, 1, 1])).toBe(vol);
  });

  it('gives the viewer one byte per label voxel when the ids fit, and keeps them unchanged', () => {
    const ids = { dims: [3, 1, 1] as const, affine: thin, data: Uint16Array.from([0, 7, 255]) };
    const small = overlayBytes(ids);
    expect(small.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(small.data)).toEqual([0, 7, 255]);
    const many = { ...ids, data: Uint16Array.from([0, 256, 3]) };
    expect(overlayBytes(many).data).toBe(many.data); // 256 would wrap to 0 in a byte
    const bytes = { ...ids, data: Uint8Array.from([0, 7, 255]) };
    expect(overlayBytes(bytes)).toBe(bytes); // the pipeline's map in bytes: no copy
  });
});
