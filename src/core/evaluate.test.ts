import { describe, expect, it } from 'vitest';
import { bestOverlapDice, boxCentresFromMask, dicePerLabel, recalled } from './evaluate';
import type { Volume } from './volume';

// An LPS-stored mask (x and y flipped against RAS), anisotropic: world = (-2i + 100, -2j + 50, 3k - 10).
function mask(): Volume<Uint8Array> {
  const dims = [8, 6, 4] as const;
  const data = new Uint8Array(8 * 6 * 4);
  const set = (i: number, j: number, k: number, v: number): void => void (data[i + 8 * (j + 6 * k)] = v);
  for (let k = 0; k <= 1; k++) for (let j = 1; j <= 3; j++) for (let i = 2; i <= 5; i++) set(i, j, k, 5);
  set(7, 5, 3, 9); // a one-voxel label: its box centre is the voxel itself
  return { dims, affine: [-2, 0, 0, 100, 0, -2, 0, 50, 0, 0, 3, -10, 0, 0, 0, 1], data };
}

describe('boxCentresFromMask', () => {
  it('puts each label at the centre of its bounding box, in world mm, whatever the storage order', () => {
    const c = boxCentresFromMask(mask()).sort((a, b) => a.label - b.label);
    expect(c.map((x) => x.label)).toEqual([5, 9]);
    // label 5: voxels i 2–5, j 1–3, k 0–1 → centre (3.5, 2, 0.5)
    c[0]!.world.forEach((w, a) => expect(w).toBeCloseTo([-2 * 3.5 + 100, -2 * 2 + 50, 3 * 0.5 - 10][a]!, 6));
    c[1]!.world.forEach((w, a) => expect(w).toBeCloseTo([-14 + 100, -10 + 50, 9 - 10][a]!, 6));
  });
});

describe('recalled', () => {
  const truth = [
    { label: 1, world: [0, 0, 0] as [number, number, number] },
    { label: 2, world: [0, 0, 30] as [number, number, number] },
  ];
  it('counts the ground-truth points with a found point within the tolerance', () => {
    expect(recalled([[0, 6, 8]], truth)).toBe(1); // exactly 10 mm away counts
    expect(recalled([[0, 6, 8.1]], truth)).toBe(0);
    expect(recalled([[1, 1, 1], [0, 0, 25]], truth)).toBe(2);
    expect(recalled([], truth)).toBe(0);
  });
  it('lets one found point recall two close ground-truth points (stage 1 is scored by coverage)', () => {
    expect(recalled([[0, 0, 15]], truth, 15)).toBe(2);
  });
});

describe('dicePerLabel', () => {
  it('scores each true label against the same label in the prediction', () => {
    const truth = new Uint8Array([1, 1, 1, 1, 2, 2, 0, 0]);
    const pred = new Uint8Array([1, 1, 0, 0, 2, 2, 2, 2]);
    const d = dicePerLabel(pred, truth);
    expect(d.get(1)).toBeCloseTo((2 * 2) / (4 + 2), 9);
    expect(d.get(2)).toBeCloseTo((2 * 2) / (2 + 4), 9);
    expect([...d.keys()].sort()).toEqual([1, 2]);
  });
});

describe('bestOverlapDice', () => {
  it('scores each true label against the instance overlapping it most, whatever its value', () => {
    const truth = new Uint8Array([1, 1, 1, 1, 2, 2, 3, 0, 0]);
    const pred = new Uint8Array([7, 7, 7, 9, 9, 9, 0, 9, 0]); // 7 is label 1's mask, 9 mostly label 2's
    const d = bestOverlapDice(pred, truth);
    expect(d.get(1)).toBeCloseTo((2 * 3) / (4 + 3), 9);
    expect(d.get(2)).toBeCloseTo((2 * 2) / (2 + 4), 9);
    expect(d.get(3)).toBe(0);
    // Labels agree with neither: the label-wise Dice is 0 for both.
    expect(dicePerLabel(pred, truth).get(1)).toBe(0);
  });
});
