import { describe, expect, it } from 'vitest';
import type { Piece } from './assemble';
import { containedIn, dedupe, maskBox, overlap, ownVertebra } from './refine';

function piece(id: number, origin: [number, number, number], inside: (x: number, y: number, z: number) => boolean, size = 8): Piece {
  const prob = new Float32Array(size ** 3);
  let c = 0;
  for (let k = 0; k < size; k++) for (let j = 0; j < size; j++) for (let i = 0; i < size; i++, c++) prob[c] = inside(origin[0] + i, origin[1] + j, origin[2] + k) ? 0.9 : 0.1;
  return { id, origin, size, prob, centre: [origin[0] + size / 2, origin[1] + size / 2, origin[2] + size / 2] };
}
const block = (x: number, y: number, z: number): boolean => x >= 10 && x < 14 && y >= 10 && y < 13 && z >= 20 && z < 22;

describe('stage 2 refinement', () => {
  it('finds the mask’s own box centre in scan voxels', () => {
    expect(maskBox(piece(1, [8, 8, 16], block), 0.5)).toEqual({ centre: [11.5, 11, 20.5], voxels: 24 });
    expect(maskBox(piece(1, [8, 8, 16], () => false), 0.5)).toBeNull();
  });

  it('measures overlap on the scan grid across differently placed cubes', () => {
    const a = piece(1, [8, 8, 16], block);
    const b = piece(2, [10, 9, 18], block); // the same vertebra seen from another candidate
    expect(overlap(a, b, 0.5)).toBeCloseTo(1, 6);
    const c = piece(3, [8, 8, 16], (x, y, z) => block(x, y, z) && x < 12);
    expect(overlap(a, c, 0.5)).toBeCloseTo(0.5, 6);
    expect(overlap(a, piece(4, [40, 8, 16], block), 0.5)).toBe(0);
  });

  it('keeps one piece per vertebra (the larger mask) and drops empty ones', () => {
    const a = piece(1, [8, 8, 16], (x, y, z) => block(x, y, z) && x < 13);
    const b = piece(2, [10, 9, 18], block);
    const other = piece(3, [8, 8, 16], (x, y, z) => x >= 9 && x < 15 && y >= 14 && y < 15 && z >= 17 && z < 19);
    const empty = piece(4, [8, 8, 16], () => false);
    expect(dedupe([a, b, other, empty], 0.5).map((p) => p.id)).toEqual([2, 3]);
  });

  it('keeps a candidate’s first mask where its re-segmentation drifted onto another candidate’s vertebra', () => {
    // Three vertebrae stacked in z; a fragment at the scan's top (z 30–33) and its neighbour below.
    const upper = (x: number, y: number, z: number): boolean => x >= 10 && x < 14 && y >= 10 && y < 13 && z >= 30 && z < 34;
    const lower = (x: number, y: number, z: number): boolean => x >= 10 && x < 14 && y >= 10 && y < 13 && z >= 22 && z < 28;
    const frag = piece(1, [8, 8, 28], upper);
    const drifted = piece(1, [8, 8, 20], lower); // re-segmented at the fragment's mask box: the neighbour's mask
    const neighbour = piece(2, [8, 8, 20], lower);
    expect(containedIn(frag, neighbour, 0.5)).toBe(0);
    expect(ownVertebra([frag, neighbour], [drifted, null], 0.5)).toEqual([frag, neighbour]);
    // Without the guard dedupe would keep one of the two and lose a vertebra.
    expect(dedupe([drifted, neighbour], 0.5)).toHaveLength(1);
    expect(dedupe(ownVertebra([frag, neighbour], [drifted, null], 0.5), 0.5)).toHaveLength(2);
    // A re-segmentation that completes its own vertebra is kept, also where a second candidate holds the
    // same vertebra (the first mask mostly inside it): dedupe settles that one.
    const half = piece(3, [8, 8, 18], (x, y, z) => lower(x, y, z) && z < 25);
    const whole = piece(3, [8, 8, 20], lower);
    expect(containedIn(half, neighbour, 0.5)).toBe(1);
    expect(ownVertebra([half, neighbour], [whole, null], 0.5)).toEqual([whole, neighbour]);
    expect(ownVertebra([frag], [whole], 0.5)).toEqual([whole]);
  });
});
