import type { Dims } from '../volume';

/** One segmenter output: probabilities over a size³ cube at `origin` (canonical voxels). */
export interface Piece {
  id: number;
  origin: readonly [number, number, number];
  size: number;
  prob: Float32Array;
  /** Candidate centre, canonical voxel coordinates. */
  centre: readonly [number, number, number];
}

/**
 * Pastes per-vertebra probability cubes into one instance map on the canonical grid: a voxel
 * belongs to the instance with the highest probability ≥ `threshold`; each instance then keeps
 * only its connected component (6-connected) that holds its centre — or, when the centre itself
 * is not in its mask, the component nearest to it. Ids are the pieces' ids (1-based).
 */
export function assembleInstances(dims: Dims, pieces: readonly Piece[], threshold = 0.5): Uint16Array {
  const [nx, ny, nz] = dims;
  const ids = new Uint16Array(nx * ny * nz);
  if (pieces.length === 0) return ids;
  // Winning probability per voxel, over the pieces' bounding box only (not the whole scan).
  const lo = [0, 1, 2].map((a) => Math.max(0, Math.min(...pieces.map((p) => p.origin[a]!))));
  const hi = [0, 1, 2].map((a) => Math.min(dims[a]!, Math.max(...pieces.map((p) => p.origin[a]! + p.size))));
  const [bx, by] = [hi[0]! - lo[0]!, hi[1]! - lo[1]!];
  const best = new Float32Array(Math.max(0, bx * by * (hi[2]! - lo[2]!))).fill(-1);
  for (const p of pieces) {
    forCube(dims, p, (v, c) => {
      const pr = p.prob[c]!;
      if (pr < threshold) return;
      const x = v % nx, y = Math.floor(v / nx) % ny, z = Math.floor(v / (nx * ny));
      const b = x - lo[0]! + bx * (y - lo[1]! + by * (z - lo[2]!));
      if (pr > best[b]!) {
        best[b] = pr;
        ids[v] = p.id;
      }
    });
  }
  for (const p of pieces) keepCentreComponent(ids, dims, p);
  return ids;
}

function forCube(dims: Dims, p: Piece, f: (voxel: number, cubeIndex: number) => void): void {
  const [nx, ny, nz] = dims;
  const s = p.size;
  let c = 0;
  for (let k = 0; k < s; k++) {
    const z = p.origin[2] + k;
    for (let j = 0; j < s; j++) {
      const y = p.origin[1] + j;
      for (let i = 0; i < s; i++, c++) {
        const x = p.origin[0] + i;
        if (x >= 0 && x < nx && y >= 0 && y < ny && z >= 0 && z < nz) f(x + nx * (y + ny * z), c);
      }
    }
  }
}

function keepCentreComponent(ids: Uint16Array, dims: Dims, p: Piece): void {
  const [nx, ny, nz] = dims;
  const s = p.size;
  const [ox, oy, oz] = p.origin;
  // Work in cube coordinates: an instance never leaves its own cube.
  const inCube = (x: number, y: number, z: number): boolean => x >= 0 && x < nx && y >= 0 && y < ny && z >= 0 && z < nz;
  const mineAt = (i: number, j: number, k: number): boolean => inCube(ox + i, oy + j, oz + k) && ids[ox + i + nx * (oy + j + ny * (oz + k))] === p.id;
  const c = p.centre.map((v, a) => Math.round(v) - p.origin[a]!) as [number, number, number];
  let seed: [number, number, number] | null = null;
  if (c.every((v) => v >= 0 && v < s) && mineAt(...c)) seed = c;
  else {
    let bestD = Infinity;
    for (let k = 0; k < s; k++) for (let j = 0; j < s; j++) for (let i = 0; i < s; i++) {
      if (!mineAt(i, j, k)) continue;
      const d = (i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2;
      if (d < bestD) [bestD, seed] = [d, [i, j, k]];
    }
  }
  if (!seed) return;
  const keep = new Uint8Array(s * s * s);
  const idx = (i: number, j: number, k: number): number => i + s * (j + s * k);
  keep[idx(...seed)] = 1;
  const queue: number[] = [idx(...seed)];
  while (queue.length) {
    const q = queue.pop()!;
    const i = q % s, j = Math.floor(q / s) % s, k = Math.floor(q / (s * s));
    for (const [a, b, d] of [[i - 1, j, k], [i + 1, j, k], [i, j - 1, k], [i, j + 1, k], [i, j, k - 1], [i, j, k + 1]] as const) {
      if (a < 0 || b < 0 || d < 0 || a >= s || b >= s || d >= s) continue;
      const w = idx(a, b, d);
      if (!keep[w] && mineAt(a, b, d)) {
        keep[w] = 1;
        queue.push(w);
      }
    }
  }
  for (let k = 0; k < s; k++) for (let j = 0; j < s; j++) for (let i = 0; i < s; i++) {
    if (!keep[idx(i, j, k)] && mineAt(i, j, k)) ids[ox + i + nx * (oy + j + ny * (oz + k))] = 0;
  }
}
