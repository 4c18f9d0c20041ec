import { describe, expect, it } from 'vitest';
import { bodyCentre } from './bodyCentre';
import { boxCentre, contextCube, identifierInput, instanceBoxes, maskCube, mirrorX, writeIdentifierInput } from './idCrop';

const dims = [8, 10, 6] as const;
function map(fill: (i: number, j: number, k: number) => number): Uint16Array {
  const out = new Uint16Array(8 * 10 * 6);
  for (let k = 0; k < 6; k++) for (let j = 0; j < 10; j++) for (let i = 0; i < 8; i++) out[i + 8 * (j + 10 * k)] = fill(i, j, k);
  return out;
}

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
    const c = maskCube(ids, dims, 3, [2, 5, 1], 4);
    // Cube origin = round(centre) − 2 = (0, 3, −1): voxel (1, 3, 1) → cube (1, 0, 2).
    expect(c[1 + 4 * (0 + 4 * 2)]).toBe(1);
    expect(c[0]).toBe(0); // cube (0,0,0) = voxel (0, 3, −1): outside
    const total = c.reduce((a, b) => a + b, 0);
    // x 0..3 ∩ 1..3 = 3, y 3..6 ∩ 2..8 = 4, z −1..2 ∩ 1..2 = 2; instance 7 never appears.
    expect(total).toBe(3 * 4 * 2);
  });

  it('cuts the context channel: every other instance in the same cube, never the centred one', () => {
    const centre = [4, 5, 3];
    const own = maskCube(ids, dims, 3, centre, 6);
    const ctx = contextCube(ids, dims, 3, centre, 6);
    const other = maskCube(ids, dims, 7, centre, 6);
    expect(other.some((v) => v === 1)).toBe(true);
    expect(Array.from(ctx)).toEqual(Array.from(other)); // here the only other instance is 7
    expect(own.some((v, i) => v === 1 && ctx[i] === 1)).toBe(false);
    // The encoder's input: the mask alone, or mask then context ([2, size³]); mirrored channel by channel.
    expect(Array.from(identifierInput(ids, dims, 3, centre, 6, false))).toEqual(Array.from(own));
    const two = identifierInput(ids, dims, 3, centre, 6, true);
    expect(Array.from(two)).toEqual([...own, ...ctx]);
    expect(Array.from(mirrorX(two, 6))).toEqual([...mirrorX(own, 6), ...mirrorX(ctx, 6)]);
  });

  it('writes the input and its mirror into a batch in one pass, the same as cutting them apart', () => {
    // Centres near every edge (cubes partly outside the scan), with and without the context channel.
    for (const centre of [[4, 5, 3], [0, 0, 0], [7.4, 9.6, 5.5], [2, 5, 1]]) {
      for (const context of [false, true]) {
        const one = identifierInput(ids, dims, 3, centre, 6, context);
        const batch = new Float32Array(1 + 3 * one.length);
        writeIdentifierInput(ids, dims, 3, centre, 6, context, batch, 1 + one.length, 1 + 2 * one.length);
        expect(Array.from(batch.subarray(1 + one.length, 1 + 2 * one.length))).toEqual(Array.from(one));
        expect(Array.from(batch.subarray(1 + 2 * one.length))).toEqual(Array.from(mirrorX(one, 6)));
        expect(batch.subarray(0, 1 + one.length).every((v) => v === 0)).toBe(true); // nothing outside its slots
      }
    }
    expect(Array.from(identifierInput(ids, dims, 3, [4, 5, 3], 6, true))).toEqual([...maskCube(ids, dims, 3, [4, 5, 3], 6), ...contextCube(ids, dims, 3, [4, 5, 3], 6)]);
  });

  it('mirrors a cube left–right: x reversed in every row, y and z kept; twice is the cube again', () => {
    const c = maskCube(ids, dims, 3, [2, 5, 1], 4);
    const m = mirrorX(c, 4);
    for (let k = 0; k < 4; k++) for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) expect(m[i + 4 * (j + 4 * k)]).toBe(c[3 - i + 4 * (j + 4 * k)]);
    expect(Array.from(mirrorX(m, 4))).toEqual(Array.from(c));
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
