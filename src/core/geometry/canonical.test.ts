import { describe, expect, it } from 'vitest';
import type { Volume } from '../volume';
import { canonicalGrid, canonicalToSource, fromCanonical, sourceToCanonical, toCanonical } from './canonical';
import { apply } from './mat4';
import { axisCodes } from './orientation';

/** An affine with the given axis codes, spacing and origin (e.g. "PIR" with 1, 1, 3 mm). */
function affineFor(code: string, spacing: [number, number, number], origin: [number, number, number]): number[] {
  const m = [0, 0, 0, origin[0], 0, 0, 0, origin[1], 0, 0, 0, origin[2], 0, 0, 0, 1];
  Array.from(code).forEach((l, i) => {
    const w = 'RLAPSI'.indexOf(l) >> 1;
    m[w * 4 + i] = ('RAS'.includes(l) ? 1 : -1) * spacing[i]!;
  });
  return m;
}

function ramp(dims: [number, number, number], affine: number[]): Volume<Float32Array> {
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  let o = 0;
  // Value = a linear function of world position: trilinear interpolation must reproduce it exactly.
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) {
    const [x, y, z] = apply(affine, [i, j, k]);
    data[o++] = 2 * x - 3 * y + 0.5 * z;
  }
  return { dims, affine, data };
}

const CODES = ['RAS', 'LPS', 'PIR', 'LAS', 'IPL', 'SRA', 'ASR', 'PSL'];

describe('canonical grid', () => {
  it.each(CODES)('reorients %s to RAS and keeps world positions', (code) => {
    const affine = affineFor(code, [0.8, 1.2, 3], [12, -40, 7]);
    const grid = canonicalGrid([10, 12, 7], affine, 'native');
    expect(axisCodes(grid.affine)).toBe('RAS');
    for (const p of [[0, 0, 0], [3, 5, 1], [9, 11, 6]]) {
      const c = sourceToCanonical(grid, p);
      expect(apply(grid.affine, c).map((v) => +v.toFixed(9))).toEqual(apply(affine, p as [number, number, number]).map((v) => +v.toFixed(9)));
      expect(canonicalToSource(grid, c).map((v) => +v.toFixed(9))).toEqual(p);
    }
  });

  it.each(CODES)('resamples %s isotropic with trilinear values exact for a linear field', (code) => {
    const affine = affineFor(code, [0.8, 1.2, 3], [12, -40, 7]);
    const vol = ramp([10, 12, 7], affine);
    const grid = canonicalGrid(vol.dims, affine, 1);
    expect(grid.spacing.map((s) => +s.toFixed(9))).toEqual([1, 1, 1]);
    const out = toCanonical(vol, grid, 'linear');
    const [mx, my] = grid.dims;
    for (const c of [[0, 0, 0], [2, 3, 4], [grid.dims[0] - 1, grid.dims[1] - 1, grid.dims[2] - 1]]) {
      const [x, y, z] = apply(grid.affine, c as [number, number, number]);
      expect(out.data[c[0]! + mx * (c[1]! + my * c[2]!)]).toBeCloseTo(2 * x - 3 * y + 0.5 * z, 3);
    }
  });

  it('covers the same physical extent (within one voxel)', () => {
    const grid = canonicalGrid([100, 86, 37], affineFor('PIR', [1, 1, 3], [0, 0, 0]), 1.5);
    // R from 37 slices × 3 mm (108 mm span), A from 100 × 1 mm (99 mm), S from 86 × 1 mm (85 mm).
    expect(grid.dims).toEqual([73, 67, 57]);
  });

  it('keeps oblique rotations in the affine', () => {
    const c = Math.cos(0.4), s = Math.sin(0.4);
    const affine = [0, 0, 2, 5, -c, s, 0, 6, -s, -c, 0, 7, 0, 0, 0, 1]; // roughly PIR, rotated about x
    const grid = canonicalGrid([8, 9, 10], affine, 1);
    expect(axisCodes(grid.affine)).toBe('RAS');
    const p = [4, 2, 6];
    expect(apply(grid.affine, sourceToCanonical(grid, p)).map((v) => +v.toFixed(9))).toEqual(apply(affine, p as [number, number, number]).map((v) => +v.toFixed(9)));
  });

  it('maps labels back to the source grid exactly (round trip) for each orientation', () => {
    for (const code of CODES) {
      const affine = affineFor(code, [0.9, 1, 2.5], [0, 0, 0]);
      const dims: [number, number, number] = [9, 11, 6];
      const data = new Uint8Array(9 * 11 * 6).map((_, i) => (i * 31) % 25);
      const vol = { dims, affine, data };
      const grid = canonicalGrid(dims, affine, 0.9);
      const back = fromCanonical(toCanonical(vol, grid, 'nearest'), grid);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('maps a sparse label map back exactly too (rows without labels are skipped), each orientation', () => {
    for (const code of CODES) {
      const affine = affineFor(code, [0.9, 1, 2.5], [0, 0, 0]);
      const dims: [number, number, number] = [9, 11, 6];
      // One small labelled block and a single voxel, the rest background: most lines are empty.
      const data = new Uint16Array(9 * 11 * 6);
      for (let k = 2; k < 4; k++) for (let j = 3; j < 6; j++) for (let i = 4; i < 7; i++) data[i + 9 * (j + 11 * k)] = 7;
      data[8 + 9 * (10 + 11 * 5)] = 3;
      const grid = canonicalGrid(dims, affine, 0.9);
      const back = fromCanonical(toCanonical({ dims, affine, data }, grid, 'nearest'), grid);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('nearest resampling never invents labels', () => {
    const data = new Uint16Array(6 * 6 * 6).map((_, i) => (i % 7 === 0 ? 300 : i % 5 === 0 ? 20 : 0));
    const out = toCanonical({ dims: [6, 6, 6], affine: affineFor('LPS', [1.3, 1.3, 2], [0, 0, 0]), data }, canonicalGrid([6, 6, 6], affineFor('LPS', [1.3, 1.3, 2], [0, 0, 0]), 0.7), 'nearest');
    expect(new Set(out.data)).toEqual(new Set([0, 20, 300]));
  });
});
