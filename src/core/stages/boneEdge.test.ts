import { describe, expect, it } from 'vitest';
import { type BoneEdge, edgeThreshold, interiorContrast, interiorContrasts } from './boneEdge';

const E: BoneEdge = { hu: 250, widthHu: 150, weight: 0.45, interiorHu: [100, 200] };

describe('boneEdge', () => {
  it('a bright voxel lowers the threshold, fully from hu + width on', () => {
    expect(edgeThreshold(0.5, 250, 1, E)).toBeCloseTo(0.5);
    expect(edgeThreshold(0.5, 325, 1, E)).toBeCloseTo(0.275);
    expect(edgeThreshold(0.5, 2000, 0, E)).toBeCloseTo(0.05); // whatever the interior
  });

  it('a dark voxel raises it only as far as the vertebra’s interior is brighter than soft tissue', () => {
    expect(edgeThreshold(0.5, 40, 1, E)).toBeCloseTo(0.95);
    expect(edgeThreshold(0.5, 40, 0.5, E)).toBeCloseTo(0.725);
    expect(edgeThreshold(0.5, 40, 0, E)).toBeCloseTo(0.5); // osteoporotic: dark says nothing
  });

  it('interior contrast runs 0 → 1 over interiorHu', () => {
    expect(interiorContrast(60, E)).toBe(0);
    expect(interiorContrast(150, E)).toBeCloseTo(0.5);
    expect(interiorContrast(400, E)).toBe(1);
  });

  it('per instance, the contrast of its interior on the 2 mm grid (a sliver has none)', () => {
    const dims = [12, 8, 8];
    const ids = new Uint16Array(12 * 8 * 8);
    const ct = new Float32Array(ids.length).fill(40);
    for (let z = 1; z < 7; z++) for (let y = 1; y < 7; y++) for (let x = 0; x < 12; x++) {
      const v = x + 12 * (y + 8 * z);
      if (x >= 1 && x <= 5) {
        ids[v] = 1; // healthy: a bright cortex around cancellous bone at 300
        ct[v] = x === 1 || x === 5 || y === 1 || y === 6 || z === 1 || z === 6 ? 1200 : 300;
      } else if (x >= 7 && x <= 10) {
        ids[v] = 2; // osteoporotic: cancellous bone as dark as muscle
        ct[v] = x === 7 || x === 10 ? 900 : 45;
      }
    }
    ids[0] = 3; // a sliver at the grid's corner
    const c = interiorContrasts(ids, ct, dims, 3, E);
    expect(c[1]).toBe(1);
    expect(c[2]).toBe(0);
    expect(c[3]).toBe(0);
    // Visiting only a box round instance 1 leaves instance 2 unread.
    const boxed = interiorContrasts(ids, ct, dims, 3, { ...E, interiorHu: [-100, 0] }, { lo: [1, 1, 1], hi: [5, 6, 6] });
    expect([boxed[1], boxed[2]]).toEqual([1, 0]);
    expect(interiorContrasts(ids, ct, dims, 3, { ...E, interiorHu: [-100, 0] })[2]).toBe(1);
  });
});
