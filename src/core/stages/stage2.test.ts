import { describe, expect, it } from 'vitest';
import type { Volume } from '../volume';
import { type Piece, assembleInstances } from './assemble';
import { writeSegInput } from './segCrop';

describe('stage 2 input', () => {
  it('crops the normalised CT around the centre with a heatmap peaking there; outside is air', () => {
    const dims = [10, 10, 10] as const;
    const data = new Int16Array(1000).map((_, i) => (i % 10) * 100);
    const ct: Volume = { dims, affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], data };
    const win = { min: -1000, max: 1000 };
    const t = new Float32Array(128);
    const origin = writeSegInput(ct, [2, 5, 5], 4, win, 2, t, 0);
    expect(origin).toEqual([0, 3, 3]);
    const n3 = 64;
    // Voxel (1, 5, 5) of the volume is cube index (1, 2, 2): CT 100 → 0.55.
    expect(t[1 + 4 * (2 + 4 * 2)]).toBeCloseTo(0.55, 6);
    expect(t[n3 + 2 + 4 * (2 + 4 * 2)]).toBeCloseTo(1, 6); // heatmap peak at the centre
    expect(t[n3 + 0]).toBeCloseTo(Math.exp(-(4 + 4 + 4) / 8), 6);
    const edge = new Float32Array(128);
    writeSegInput(ct, [0, 0, 0], 4, win, 2, edge, 0);
    expect(edge[0]).toBe(0); // outside the scan: air, normalised
    // Into a used batch, second slot: every value of the slot is written, and nothing around it.
    const batch = new Float32Array(3 * 128).fill(7);
    expect(writeSegInput(ct, [2, 5, 5], 4, win, 2, batch, 128)).toEqual([0, 3, 3]);
    expect(Array.from(batch.subarray(128, 256))).toEqual(Array.from(t));
    expect(batch.subarray(0, 128).every((v) => v === 7) && batch.subarray(256).every((v) => v === 7)).toBe(true);
  });
});

function cube(id: number, origin: [number, number, number], size: number, centre: [number, number, number], f: (x: number, y: number, z: number) => number): Piece {
  const prob = new Float32Array(size ** 3);
  let c = 0;
  for (let k = 0; k < size; k++) for (let j = 0; j < size; j++) for (let i = 0; i < size; i++) prob[c++] = f(origin[0] + i, origin[1] + j, origin[2] + k);
  return { id, origin, size, prob, centre };
}

describe('stage 2 assembly', () => {
  const dims = [20, 10, 10] as const;
  const at = (m: Uint16Array, x: number, y: number, z: number): number => m[x + 20 * (y + 10 * z)]!;

  it('resolves overlaps by probability and thresholds the rest', () => {
    // Two vertebrae along x; their cubes overlap at x = 8…11 where each is less sure. Row y = 0 is
    // below threshold for both.
    const a = cube(1, [0, 0, 0], 12, [4, 5, 5], (x, y) => (y === 0 ? 0.2 : 0.95 - 0.03 * x));
    const b = cube(2, [8, 0, 0], 12, [14, 5, 5], (x, y) => (y === 0 ? 0.2 : 0.95 - 0.03 * (19 - x)));
    const m = assembleInstances(dims, [a, b]);
    expect([4, 8, 9, 10, 11, 14].map((x) => at(m, x, 5, 5))).toEqual([1, 1, 1, 2, 2, 2]);
    expect(at(m, 4, 0, 5)).toBe(0);
  });

  it('keeps only the component that holds the centre', () => {
    const p = cube(3, [0, 0, 0], 10, [3, 3, 3], (x, y, z) => ((x < 6 && y < 6 && z < 6) || (x === 9 && y === 9) ? 0.9 : 0.1));
    const m = assembleInstances(dims, [p]);
    expect(at(m, 3, 3, 3)).toBe(3);
    expect(at(m, 9, 9, 4)).toBe(0); // a separate blob in the same cube
  });

  it('falls back to the component nearest the centre when the centre is outside the mask', () => {
    const p = cube(4, [0, 0, 0], 10, [5, 5, 5], (x) => (x < 3 || x > 8 ? 0.9 : 0.1));
    const m = assembleInstances(dims, [p]);
    // Slab x ≤ 2 is 3 voxels from the centre, slab x = 9 is 4: the nearer one stays.
    expect(at(m, 2, 5, 5)).toBe(4);
    expect(at(m, 9, 5, 5)).toBe(0);
  });

  it('handles cubes reaching past the scan', () => {
    const p = cube(5, [-4, -4, -4], 8, [0, 0, 0], () => 0.9);
    const m = assembleInstances(dims, [p]);
    expect(at(m, 0, 0, 0)).toBe(5);
    expect(at(m, 3, 3, 3)).toBe(5);
    expect(at(m, 4, 0, 0)).toBe(0);
  });
});
