import type { CanonicalGrid } from '../geometry/canonical';
import type { Volume } from '../volume';
import type { Piece } from './assemble';

/**
 * Stage 2's instance map on the scan's own grid, drawn from the probabilities rather than from the
 * 2 mm labels: each source voxel takes, among the instances the canonical map holds at the canonical
 * voxels around its exact position, the one whose probability — trilinear from that instance's cube —
 * is highest, if it reaches `threshold`. Nearest-neighbour mapping drew every vertebra in 2 mm steps,
 * and most of the segmenter's wrong voxels lie on the boundary (MODELS.md); the canonical map still
 * decides which instances may be there, so what its component filter removed stays removed.
 * `pieces[id - 1]` is instance `id`'s cube. Where the canonical grid is the source's own (no
 * resampling), the result equals nearest-neighbour mapping.
 */
export function instancesOnSource(grid: CanonicalGrid, canIds: Uint16Array, pieces: readonly Piece[], threshold: number): Volume<Uint16Array> {
  const sd = grid.sourceDims;
  const [cx, cy, cz] = grid.dims;
  const out = new Uint16Array(sd[0] * sd[1] * sd[2]);
  const result = { dims: sd, affine: grid.sourceAffine, data: out };
  // Per source axis p: the canonical axis it runs along, and each source index's continuous coordinate there.
  const canAxis = [0, 1, 2].map((p) => grid.axes.findIndex((a) => a.source === p));
  // Clamped to the canonical grid: the source reaches up to half a canonical voxel past its last
  // centre, where a cube's own padding (air beyond the scan) must not cut a vertebra the edge cuts.
  const coord = [0, 1, 2].map((p) => {
    const a = grid.axes[canAxis[p]!]!;
    const last = grid.dims[canAxis[p]!]! - 1;
    return Float64Array.from({ length: sd[p]! }, (_, i) => Math.min((a.flip ? sd[p]! - 1 - i : i) / a.step, last));
  });
  // Only the source range over the labelled canonical box is visited.
  const box = labelledBox(canIds, grid.dims);
  if (!box) return result;
  const range = [0, 1, 2].map((p) => {
    const k = canAxis[p]!;
    const c = coord[p]!;
    let lo = sd[p]!, hi = -1;
    for (let i = 0; i < sd[p]!; i++) if (c[i]! > box.lo[k]! - 1 && c[i]! < box.hi[k]! + 1) [lo, hi] = [Math.min(lo, i), i];
    return [lo, hi] as const;
  });
  const ids = new Uint16Array(8); // the instances around one voxel, each once
  const at = [0, 0, 0];
  for (let k = range[2]![0]; k <= range[2]![1]; k++) {
    at[canAxis[2]!] = coord[2]![k]!;
    for (let j = range[1]![0]; j <= range[1]![1]; j++) {
      at[canAxis[1]!] = coord[1]![j]!;
      for (let i = range[0]![0]; i <= range[0]![1]; i++) {
        at[canAxis[0]!] = coord[0]![i]!;
        const [x, y, z] = at as [number, number, number];
        const x0 = Math.floor(x), y0 = Math.floor(y), z0 = Math.floor(z);
        // The instances at the canonical voxels that carry weight in the interpolation; `mixed` when
        // they are not all one instance (inside one, its probability is ≥ threshold and highest).
        let n = 0, corners = 0, mixed = false;
        for (let dz = 0; dz < 2; dz++) {
          const zz = z0 + dz;
          if (zz < 0 || zz >= cz || (dz ? z - z0 : 1 - (z - z0)) === 0) continue;
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= cy || (dy ? y - y0 : 1 - (y - y0)) === 0) continue;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= cx || (dx ? x - x0 : 1 - (x - x0)) === 0) continue;
              const id = canIds[xx + cx * (yy + cy * zz)]!;
              corners++;
              if (!id) {
                mixed = true;
                continue;
              }
              let seen = false;
              for (let q = 0; q < n; q++) seen ||= ids[q] === id;
              if (!seen) ids[n++] = id;
            }
          }
        }
        if (!n) continue;
        const o = i + sd[0] * (j + sd[1] * k);
        if (!mixed && n === 1 && corners > 0) {
          out[o] = ids[0]!;
          continue;
        }
        let best = 0, bestP = threshold;
        for (let q = 0; q < n; q++) {
          const pr = pieceProb(pieces[ids[q]! - 1]!, x, y, z);
          if (pr >= bestP) [best, bestP] = [ids[q]!, pr];
        }
        out[o] = best;
      }
    }
  }
  return result;
}

/** Canonical bounding box of the non-zero voxels (inclusive), or null. */
function labelledBox(ids: Uint16Array, dims: readonly number[]): { lo: number[]; hi: number[] } | null {
  const [nx, ny] = dims as [number, number, number];
  const lo = [Infinity, Infinity, Infinity], hi = [-1, -1, -1];
  for (let v = 0; v < ids.length; v++) {
    if (!ids[v]) continue;
    const p = [v % nx, Math.floor(v / nx) % ny, Math.floor(v / (nx * ny))];
    for (let a = 0; a < 3; a++) [lo[a], hi[a]] = [Math.min(lo[a]!, p[a]!), Math.max(hi[a]!, p[a]!)];
  }
  return hi[0]! < 0 ? null : { lo, hi };
}

/** A piece's probability at a canonical position, trilinear; 0 outside its cube. */
export function pieceProb(p: Piece, x: number, y: number, z: number): number {
  const s = p.size;
  const u = x - p.origin[0], v = y - p.origin[1], w = z - p.origin[2];
  const u0 = Math.floor(u), v0 = Math.floor(v), w0 = Math.floor(w);
  const fu = u - u0, fv = v - v0, fw = w - w0;
  const at = (i: number, j: number, k: number): number => (i < 0 || j < 0 || k < 0 || i >= s || j >= s || k >= s ? 0 : p.prob[i + s * (j + s * k)]!);
  const c00 = at(u0, v0, w0) + fu * (at(u0 + 1, v0, w0) - at(u0, v0, w0));
  const c10 = at(u0, v0 + 1, w0) + fu * (at(u0 + 1, v0 + 1, w0) - at(u0, v0 + 1, w0));
  const c01 = at(u0, v0, w0 + 1) + fu * (at(u0 + 1, v0, w0 + 1) - at(u0, v0, w0 + 1));
  const c11 = at(u0, v0 + 1, w0 + 1) + fu * (at(u0 + 1, v0 + 1, w0 + 1) - at(u0, v0 + 1, w0 + 1));
  const c0 = c00 + fv * (c10 - c00), c1 = c01 + fv * (c11 - c01);
  return c0 + fw * (c1 - c0);
}
