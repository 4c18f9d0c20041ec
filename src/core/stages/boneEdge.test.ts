import { describe, expect, it } from 'vitest';
import { type BoneEdge, HIST_BINS, edgeThreshold, histBin, histMedian, interiorContrast } from './boneEdge';

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

  it('histogram median within one bin, clamped at both ends; empty → null', () => {
    const h = new Uint32Array(2 * HIST_BINS);
    for (const v of [40, 45, 300, 310, 320, 5000, -3000]) h[HIST_BINS + histBin(v)]!++;
    expect(Math.abs(histMedian(h, HIST_BINS)! - 300)).toBeLessThanOrEqual(8);
    expect(histMedian(h, 0)).toBeNull();
  });
});
