import { describe, expect, it } from 'vitest';
import type { Piece } from './assemble';
import { type Body, fillsGap, gapMidpoints, neighboursOf, pieceBody } from './gaps';

const body = (z: number, height = 10, voxels = 1000): Body => ({ centre: [20, 30, z], height, voxels });

describe('stage 2 gap filling', () => {
  it('measures a piece’s body: the anterior 40 % of its mask, with its S–I height', () => {
    const s = 16;
    const prob = new Float32Array(s ** 3);
    // A body (y 10–14) in front of a taller posterior arch (y 0–8): the body is 4 voxels high.
    for (let k = 0; k < s; k++) for (let j = 0; j < s; j++) for (let i = 0; i < s; i++) {
      const inBody = j >= 10 && j <= 14 && k >= 6 && k <= 9 && i >= 5 && i <= 10;
      const inArch = j >= 0 && j <= 8 && k >= 2 && k <= 13 && i >= 7 && i <= 8;
      prob[i + s * (j + s * k)] = inBody || inArch ? 0.9 : 0.05;
    }
    const p: Piece = { id: 1, origin: [100, 200, 300], size: s, prob, centre: [108, 208, 308] };
    const b = pieceBody(p, 0.5)!;
    expect(b.height).toBe(4);
    expect(b.centre[0]).toBeCloseTo(107.5, 6);
    expect(b.centre[2]).toBeCloseTo(307.5, 6);
    expect(b.centre[1]).toBeGreaterThanOrEqual(209);
    expect(pieceBody({ ...p, prob: new Float32Array(s ** 3) }, 0.5)).toBeNull();
  });

  it('proposes the midpoint of a gap of two bodies, not of consecutive vertebrae', () => {
    // Spacing 12 with heights 10; one vertebra missing between z 76 and 52.
    const bodies = [body(100), body(88), body(76), body(52), body(40)];
    expect(gapMidpoints(bodies)).toEqual([[20, 30, 64]]);
    // The shorter neighbour sets the scale: a tall mask beside a gap does not hide it.
    expect(gapMidpoints([body(100, 10), body(80, 19)])).toEqual([[20, 30, 90]]);
    expect(gapMidpoints([body(100), body(88)])).toEqual([]);
    // A gap already tried is not proposed again.
    expect(gapMidpoints(bodies, 1.6, new Set(['20,30,64']))).toEqual([]);
  });

  it('accepts a new vertebra between the two, refuses a repeat of a neighbour or a fragment', () => {
    const [above, below] = [body(76), body(52)];
    expect(fillsGap(body(64), above, below)).toBe(true);
    expect(fillsGap(body(74), above, below)).toBe(false); // the one above again
    expect(fillsGap(body(64, 10, 200), above, below)).toBe(false); // a fragment
    expect(neighboursOf([20, 30, 64], [body(100), above, below, body(40)])).toEqual([above, below]);
    expect(neighboursOf([20, 30, 120], [above, below])).toBeNull();
  });
});
