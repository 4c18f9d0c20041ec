import { describe, expect, it } from 'vitest';
import { canonicalGrid, fromCanonical, toCanonical } from '../geometry/canonical';
import { apply } from '../geometry/mat4';
import type { Dims } from '../volume';
import { type Piece, assembleInstances } from './assemble';
import type { BoneEdge } from './boneEdge';
import { type SourceEdge, instancesOnSource, pieceProb } from './onSource';

// An LPS-stored 1 × 1 × 1.5 mm source grid (x and y flipped against RAS).
const DIMS: Dims = [40, 40, 28];
const AFFINE = [-1, 0, 0, 20, 0, -1, 0, 20, 0, 0, 1.5, -20, 0, 0, 0, 1];
const CENTRE = [0.3, -0.4, 0.2]; // world mm, off every grid's voxel centres
const R = 9;

/** One piece over the whole canonical grid: a soft ball (probability 0.5 on its surface) plus, if asked, a stray blob. */
function ballPiece(grid: ReturnType<typeof canonicalGrid>, blob = false): Piece {
  const s = Math.max(...grid.dims);
  const prob = new Float32Array(s ** 3);
  let c = 0;
  for (let k = 0; k < s; k++) for (let j = 0; j < s; j++) for (let i = 0; i < s; i++, c++) {
    const w = apply(grid.affine, [i, j, k]);
    const d = Math.hypot(w[0] - CENTRE[0]!, w[1] - CENTRE[1]!, w[2] - CENTRE[2]!);
    prob[c] = 1 / (1 + Math.exp((d - R) / 1.5)) + (blob && Math.hypot(w[0] - 15, w[1] - 15, w[2] - 15) < 3 ? 0.9 : 0);
  }
  const centre = [0, 1, 2].map((a) => grid.dims[a]! / 2) as [number, number, number];
  return { id: 1, origin: [0, 0, 0], size: s, prob, centre };
}

/** The source grid's HU as a function of the distance to the ball's centre. */
function hu(f: (d: number) => number): Float32Array {
  const out = new Float32Array(DIMS[0] * DIMS[1] * DIMS[2]);
  let o = 0;
  for (let k = 0; k < DIMS[2]; k++) for (let j = 0; j < DIMS[1]; j++) for (let i = 0; i < DIMS[0]; i++, o++) {
    const w = apply(AFFINE, [i, j, k]);
    out[o] = f(Math.hypot(w[0] - CENTRE[0]!, w[1] - CENTRE[1]!, w[2] - CENTRE[2]!));
  }
  return out;
}

const RULE: BoneEdge = { hu: 250, widthHu: 150, weight: 0.45, interiorHu: [100, 200] };

/** The edge input stage 2 gets for a source-grid CT: the CT and its canonical resampling, as in the pipeline. */
function edgeOf(grid: ReturnType<typeof canonicalGrid>, ct: Float32Array): SourceEdge {
  return { ct, canCt: toCanonical({ dims: DIMS, affine: AFFINE, data: ct }, grid, 'linear').data, rule: RULE };
}

/** Dice of a source-grid map against the true ball (radius r). */
function diceWithBall(data: Uint8Array | Uint16Array, r = R): number {
  let inter = 0, np = 0, nt = 0, o = 0;
  for (let k = 0; k < DIMS[2]; k++) for (let j = 0; j < DIMS[1]; j++) for (let i = 0; i < DIMS[0]; i++, o++) {
    const w = apply(AFFINE, [i, j, k]);
    const t = Math.hypot(w[0] - CENTRE[0]!, w[1] - CENTRE[1]!, w[2] - CENTRE[2]!) <= r;
    const p = data[o]! > 0;
    inter += t && p ? 1 : 0;
    np += p ? 1 : 0;
    nt += t ? 1 : 0;
  }
  return (2 * inter) / (np + nt);
}

describe('stage 2 masks on the source grid', () => {
  it('draws a vertebra from its 2 mm probabilities closer to the truth than nearest-neighbour labels do', () => {
    const grid = canonicalGrid(DIMS, AFFINE, 2);
    const piece = ballPiece(grid);
    const canIds = assembleInstances(grid.dims, [piece], 0.5);
    const smooth = instancesOnSource(grid, canIds, [piece], 0.5);
    const nearest = fromCanonical({ dims: grid.dims, affine: grid.affine, data: canIds }, grid);
    expect(smooth.dims).toEqual(DIMS);
    expect(smooth.affine).toEqual(AFFINE);
    const [ds, dn] = [diceWithBall(smooth.data), diceWithBall(nearest.data)];
    expect(ds).toBeGreaterThan(0.97);
    expect(ds).toBeGreaterThan(dn + 0.05); // 0.99 against 0.91 here
  });

  it('keeps out what the canonical map left out (a stray component)', () => {
    const grid = canonicalGrid(DIMS, AFFINE, 2);
    const piece = ballPiece(grid, true);
    const canIds = assembleInstances(grid.dims, [piece], 0.5);
    const smooth = instancesOnSource(grid, canIds, [piece], 0.5);
    // Source voxel nearest world (15, 15, 15): i = 20 − 15, j = 20 − 15, k = (15 + 20) / 1.5.
    expect(smooth.data[5 + 40 * (5 + 40 * Math.round(35 / 1.5))]).toBe(0);
    expect(smooth.data[20 + 40 * (20 + 40 * Math.round(20 / 1.5))]).toBe(1); // the ball's centre
  });

  it('equals nearest-neighbour mapping where the canonical grid is the source itself, overlaps included', () => {
    const grid = canonicalGrid(DIMS, AFFINE, 'native');
    const a = ballPiece(grid);
    const b: Piece = { ...a, id: 2, prob: a.prob.map((p, i) => (i % 7 === 0 ? 0.99 : p * 0.9)), centre: a.centre };
    const canIds = assembleInstances(grid.dims, [a, b], 0.5);
    const smooth = instancesOnSource(grid, canIds, [a, b], 0.5);
    const nearest = fromCanonical({ dims: grid.dims, affine: grid.affine, data: canIds }, grid);
    expect(new Set(canIds)).toEqual(new Set([0, 1, 2]));
    expect(Array.from(smooth.data)).toEqual(Array.from(nearest.data));
  });

  it('a vertebra the scan edge cuts reaches the last source slice (past the last canonical centre; the cube padding beyond is not read)', () => {
    const dims: Dims = [10, 10, 22]; // z 0…21 mm; 2 mm canonical centres at 0…20 mm
    const grid = canonicalGrid(dims, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 2);
    expect(grid.dims[2]).toBe(11);
    const s = 16;
    // Bone up to the top of the scan (canonical z ≤ 10); the cube runs to z = 13, beyond the scan, where the segmenter saw air.
    const prob = Float32Array.from({ length: s ** 3 }, (_, c) => (Math.floor(c / (s * s)) - 2 <= 10 ? 0.95 : 0.02));
    const piece: Piece = { id: 1, origin: [-6, -6, -2], size: s, prob, centre: [2, 2, 8] };
    const canIds = assembleInstances(grid.dims, [piece], 0.5);
    const out = instancesOnSource(grid, canIds, [piece], 0.5);
    expect(out.data[2 + 10 * (2 + 10 * 21)]).toBe(1);
    expect(out.data[2 + 10 * (2 + 10 * 20)]).toBe(1);
  });

  it('with the scan’s HU, boundary voxels follow the bone where the 2 mm probabilities are off, and the interior stays', () => {
    const grid = canonicalGrid(DIMS, AFFINE, 2);
    const piece = ballPiece(grid);
    // The segmenter's surface at R, the bone's at R − 1.5.
    const ct = hu((d) => (d < 3 ? -500 : d <= R - 1.5 - 1 ? 300 : d <= R - 1.5 ? 1200 : 40)); // dark core, bright cortex
    const canIds = assembleInstances(grid.dims, [piece], 0.5);
    const plain = instancesOnSource(grid, canIds, [piece], 0.5);
    const edged = instancesOnSource(grid, canIds, [piece], 0.5, edgeOf(grid, ct));
    const [dp, de] = [diceWithBall(plain.data, R - 1.5), diceWithBall(edged.data, R - 1.5)];
    expect(de).toBeGreaterThan(dp + 0.03);
    expect(edged.data[20 + 40 * (20 + 40 * Math.round(20 / 1.5))]).toBe(1); // the dark core is inside one instance's cells
  });

  it('an osteoporotic vertebra (interior as dark as muscle) loses no voxel to its dark boundary', () => {
    const grid = canonicalGrid(DIMS, AFFINE, 2);
    const piece = ballPiece(grid);
    const canIds = assembleInstances(grid.dims, [piece], 0.5);
    const ct = hu((d) => (d <= R - 0.7 ? 45 : d <= R ? 900 : 40));
    const plain = instancesOnSource(grid, canIds, [piece], 0.5);
    const dark = instancesOnSource(grid, canIds, [piece], 0.5, edgeOf(grid, hu((d) => (d <= R ? 45 : 40))));
    const edged = instancesOnSource(grid, canIds, [piece], 0.5, edgeOf(grid, ct));
    expect(Array.from(dark.data)).toEqual(Array.from(plain.data));
    expect(plain.data.every((v, i) => !v || edged.data[i])).toBe(true);
  });

  it('an empty map stays empty', () => {
    const grid = canonicalGrid(DIMS, AFFINE, 2);
    const out = instancesOnSource(grid, new Uint16Array(grid.dims[0] * grid.dims[1] * grid.dims[2]), [], 0.5);
    expect(out.data.every((v) => v === 0)).toBe(true);
  });

  it('holds the ids in bytes while they fit, in 16 bits past 255 (the same map either way)', () => {
    const grid = canonicalGrid(DIMS, AFFINE, 2);
    const piece = ballPiece(grid);
    const canIds = assembleInstances(grid.dims, [piece], 0.5);
    const bytes = instancesOnSource(grid, canIds, [piece], 0.5);
    expect(bytes.data).toBeInstanceOf(Uint8Array);
    // 300 pieces: the ball's is the first, 299 empty cubes far away follow.
    const far = (id: number): Piece => ({ ...piece, id, origin: [1000, 1000, 1000], prob: new Float32Array(piece.prob.length) });
    const wide = instancesOnSource(grid, canIds, [piece, ...Array.from({ length: 299 }, (_, i) => far(i + 2))], 0.5);
    expect(wide.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(wide.data)).toEqual(Array.from(bytes.data));
  });
});

describe('pieceProb', () => {
  // A linear field is reproduced exactly by trilinear interpolation; beyond the cube it falls to 0.
  const s = 6;
  const f = (x: number, y: number, z: number): number => 0.01 * (x + 2 * y + 3 * z);
  const prob = Float32Array.from({ length: s ** 3 }, (_, c) => f(c % s, Math.floor(c / s) % s, Math.floor(c / (s * s))));
  const piece: Piece = { id: 1, origin: [10, 20, 30], size: s, prob, centre: [13, 23, 33] };

  it('inside the cube: trilinear', () => {
    expect(pieceProb(piece, 12.25, 21.5, 33.75)).toBeCloseTo(f(2.25, 1.5, 3.75), 6);
    expect(pieceProb(piece, 10, 20, 30)).toBeCloseTo(0, 6);
  });

  it('across its last voxel: towards 0 outside', () => {
    // Between cube voxel 5 (inside) and 6 (outside, 0) along x, halfway.
    expect(pieceProb(piece, 15.5, 22, 32)).toBeCloseTo(0.5 * f(5, 2, 2), 6);
    expect(pieceProb(piece, 9, 22, 32)).toBe(0);
  });
});
