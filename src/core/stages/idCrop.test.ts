import { describe, expect, it } from 'vitest';
import { bodyCentre } from './bodyCentre';
import type { Dims } from '../volume';
import { boxCentre, instanceBoxes, writeIdentifierInput } from './idCrop';

const dims = [8, 10, 6] as const;
function map(fill: (i: number, j: number, k: number) => number): Uint16Array {
  const out = new Uint16Array(8 * 10 * 6);
  for (let k = 0; k < 6; k++) for (let j = 0; j < 10; j++) for (let i = 0; i < 8; i++) out[i + 8 * (j + 10 * k)] = fill(i, j, k);
  return out;
}

/** The unit under test, into a fresh array: [C, size³] (then the mirror, if asked). */
function cut(ids: Uint16Array, d: Dims, id: number, centre: readonly number[], size: number, context: boolean, mirror = false): Float32Array {
  const n = (context ? 2 : 1) * size ** 3;
  const out = new Float32Array(mirror ? 2 * n : n);
  writeIdentifierInput(ids, d, id, centre, size, context, out, 0, mirror ? n : -1);
  return out;
}

/** Reference, written plainly and voxel by voxel: 1 where the map's id passes `keep` (0 outside the scan). */
function naiveCube(ids: Uint16Array, d: Dims, centre: readonly number[], size: number, keep: (v: number) => boolean): number[] {
  const o = centre.map((c) => Math.round(c) - (size >> 1));
  const out: number[] = [];
  for (let k = 0; k < size; k++)
    for (let j = 0; j < size; j++)
      for (let i = 0; i < size; i++) {
        const [x, y, z] = [o[0]! + i, o[1]! + j, o[2]! + k];
        out.push(x >= 0 && x < d[0] && y >= 0 && y < d[1] && z >= 0 && z < d[2] && keep(ids[x + d[0] * (y + d[1] * z)]!) ? 1 : 0);
      }
  return out;
}

/** Reference mirror: x reversed in every row of `size`. */
const flip = (cube: ArrayLike<number>, size: number): number[] => Array.from({ length: cube.length }, (_, o) => cube[o - (o % size) + size - 1 - (o % size)]!);

describe('identifier crops', () => {
  const ids = map((i, j, k) => (i >= 1 && i <= 3 && j >= 2 && j <= 8 && k >= 1 && k <= 2 ? 3 : i >= 5 && k >= 4 ? 7 : 0));

  it('finds each instance bounding box and size in one pass', () => {
    const boxes = instanceBoxes(ids, dims);
    expect(boxes.map((b) => b.id)).toEqual([3, 7]);
    expect(boxes[0]).toMatchObject({ lo: [1, 2, 1], hi: [3, 8, 2], voxels: 3 * 7 * 2 });
    expect(boxes[1]).toMatchObject({ lo: [5, 0, 4], hi: [7, 9, 5], voxels: 3 * 10 * 2 });
    expect(boxCentre(boxes[0]!)).toEqual([2, 5, 1.5]);
  });

  it('cuts a binary cube of one instance only, centred, x fastest, zero outside the scan', () => {
    const c = cut(ids, dims, 3, [2, 5, 1], 4, false);
    // Cube origin = round(centre) − 2 = (0, 3, −1): voxel (1, 3, 1) → cube (1, 0, 2).
    expect(c[1 + 4 * (0 + 4 * 2)]).toBe(1);
    expect(c[0]).toBe(0); // cube (0,0,0) = voxel (0, 3, −1): outside
    const total = c.reduce((a, b) => a + b, 0);
    // x 0..3 ∩ 1..3 = 3, y 3..6 ∩ 2..8 = 4, z −1..2 ∩ 1..2 = 2; instance 7 never appears.
    expect(total).toBe(3 * 4 * 2);
  });

  it('cuts the context channel: every other instance in the same cube, never the centred one', () => {
    const centre = [4, 5, 3];
    const own = cut(ids, dims, 3, centre, 6, false);
    const two = cut(ids, dims, 3, centre, 6, true);
    const ctx = two.subarray(6 ** 3);
    const other = cut(ids, dims, 7, centre, 6, false);
    expect(other.some((v) => v === 1)).toBe(true);
    expect(Array.from(ctx)).toEqual(Array.from(other)); // here the only other instance is 7
    expect(own.some((v, i) => v === 1 && ctx[i] === 1)).toBe(false);
    // The encoder's input: the mask alone, or mask then context ([2, size³]); mirrored channel by channel.
    expect(Array.from(two.subarray(0, 6 ** 3))).toEqual(Array.from(own));
    const mirrored = cut(ids, dims, 3, centre, 6, true, true).subarray(two.length);
    expect(Array.from(mirrored)).toEqual([...flip(own, 6), ...flip(ctx, 6)]);
  });

  it('writes the input and its mirror into a batch in one pass, the same as cutting them apart voxel by voxel', () => {
    // Centres near every edge (cubes partly outside the scan), with and without the context channel.
    for (const centre of [[4, 5, 3], [0, 0, 0], [7.4, 9.6, 5.5], [2, 5, 1]]) {
      for (const context of [false, true]) {
        const mask = naiveCube(ids, dims, centre, 6, (v) => v === 3);
        const want = context ? [...mask, ...naiveCube(ids, dims, centre, 6, (v) => v !== 0 && v !== 3)] : mask;
        const n = want.length;
        const batch = new Float32Array(1 + 3 * n);
        writeIdentifierInput(ids, dims, 3, centre, 6, context, batch, 1 + n, 1 + 2 * n);
        expect(Array.from(batch.subarray(1 + n, 1 + 2 * n))).toEqual(want);
        expect(Array.from(batch.subarray(1 + 2 * n))).toEqual(flip(want, 6));
        expect(batch.subarray(0, 1 + n).every((v) => v === 0)).toBe(true); // nothing outside its slots
      }
    }
  });

  it('mirrors a cube left–right: x reversed in every row, y and z kept; twice is the cube again', () => {
    const both = cut(ids, dims, 3, [2, 5, 1], 4, false, true);
    const c = both.subarray(0, 64), m = both.subarray(64);
    for (let k = 0; k < 4; k++) for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) expect(m[i + 4 * (j + 4 * k)]).toBe(c[3 - i + 4 * (j + 4 * k)]);
    expect(flip(m, 4)).toEqual(Array.from(c));
    expect(Array.from(m)).not.toEqual(Array.from(c)); // this instance is not symmetric in its cube
  });

  it('puts the body centre in the anterior part of the vertebra, the mass centre in the middle', () => {
    const [b] = instanceBoxes(ids, dims);
    const { body, mass } = bodyCentre(ids, dims, b!);
    expect(mass).toEqual([2, 5, 1.5]);
    // Anterior 40 %: y ≥ 8 − 0.4·6 = 5.6 → y 6, 7, 8.
    expect(body).toEqual([2, 7, 1.5]);
  });
});
