import type { CanonicalGrid } from '../geometry/canonical';
import type { Volume } from '../volume';
import type { Piece } from './assemble';
import { type BoneEdge, edgeThreshold, interiorContrasts } from './boneEdge';
import { instanceBoxes } from './idCrop';

/** Instance ids on the scan's grid: bytes while they fit. */
export type InstanceIds = Uint8Array | Uint16Array;

/** The scan's HU on its own grid and on the canonical one (where each instance's interior is read), and the rule. */
export interface SourceEdge {
  ct: ArrayLike<number>;
  canCt: ArrayLike<number>;
  rule: BoneEdge;
}

/**
 * Stage 2's instance map on the scan's own grid, drawn from the probabilities rather than from the
 * 2 mm labels: each source voxel takes, among the instances the canonical map holds at the canonical
 * voxels around its exact position, the one whose probability — trilinear from that instance's cube —
 * is highest, if it reaches `threshold`. Nearest-neighbour mapping drew every vertebra in 2 mm steps,
 * and most of the segmenter's wrong voxels lie on the boundary (MODELS.md); the canonical map still
 * decides which instances may be there, so what its component filter removed stays removed.
 * `pieces[id - 1]` is instance `id`'s cube. Where the canonical grid is the source's own (no
 * resampling), the result equals nearest-neighbour mapping. With `edge`, on a voxel between instances
 * (or at one's boundary) the most probable instance must reach a threshold the voxel's own HU moves
 * (boneEdge.ts); inside the cells of one instance or of none nothing changes. The map holds bytes when
 * every id fits (a spine has a few dozen instances): half the memory of the scan's grid in 16-bit ids,
 * and no copy for the viewer, which shows bytes.
 */
export function instancesOnSource(grid: CanonicalGrid, canIds: Uint16Array, pieces: readonly Piece[], threshold: number, edge?: SourceEdge): Volume<InstanceIds> {
  const sd = grid.sourceDims;
  const n = sd[0] * sd[1] * sd[2];
  const out: InstanceIds = pieces.length < 256 ? new Uint8Array(n) : new Uint16Array(n);
  const result = { dims: sd, affine: grid.sourceAffine, data: out };
  // Only the source range over the instances' joint box is visited.
  const boxes = instanceBoxes(canIds, grid.dims);
  if (!boxes.length) return result;
  const box = { lo: [0, 1, 2].map((a) => Math.min(...boxes.map((b) => b.lo[a]!))), hi: [0, 1, 2].map((a) => Math.max(...boxes.map((b) => b.hi[a]!))) };
  const [tx, ty, tz] = [0, 1, 2].map((p) => axisTable(grid, p, box)) as [AxisTable, AxisTable, AxisTable];
  const cells = uniformCells(canIds, grid.dims, box);
  // With `edge`, a voxel whose most probable instance is neither surely in nor surely out whatever its HU
  // waits in `band` for the pass below: this loop never reads the scan, whose array type differs between
  // scans (this loop, having met both, was deoptimised: 20–50 ms on the next scan).
  const [sure, never] = edge ? [threshold + edge.rule.weight, threshold - edge.rule.weight] : [threshold, threshold];
  const band = new Band();
  const ids = new Uint16Array(8); // the instances around one voxel, each once
  const corner = new Int32Array(8);
  const at = [0, 0, 0];
  for (let k = tz.from; k <= tz.to; k++) {
    const z0 = tz.lo[k]!, z1 = tz.hi[k]!;
    for (let j = ty.from; j <= ty.to; j++) {
      const y0 = ty.lo[j]!, y1 = ty.hi[j]!;
      for (let i = tx.from; i <= tx.to; i++) {
        const x0 = tx.lo[i]!, x1 = tx.hi[i]!;
        const o = i + sd[0] * (j + sd[1] * k);
        // A cell of one instance: inside it (its probability is ≥ threshold at every corner, none other near) or outside all.
        const cell = cells[x0 + y0 + z0]!;
        if (cell !== MIXED) {
          if (cell) out[o] = cell;
          continue;
        }
        // Corners of zero weight repeat the lower one, so they add no instance.
        corner[0] = canIds[x0 + y0 + z0]!; corner[1] = canIds[x1 + y0 + z0]!;
        corner[2] = canIds[x0 + y1 + z0]!; corner[3] = canIds[x1 + y1 + z0]!;
        corner[4] = canIds[x0 + y0 + z1]!; corner[5] = canIds[x1 + y0 + z1]!;
        corner[6] = canIds[x0 + y1 + z1]!; corner[7] = canIds[x1 + y1 + z1]!;
        let n = 0;
        for (let q = 0; q < 8; q++) {
          const id = corner[q]!;
          if (!id) continue;
          let seen = false;
          for (let r = 0; r < n; r++) seen ||= ids[r] === id;
          if (!seen) ids[n++] = id;
        }
        at[tx.axis] = tx.coord[i]!;
        at[ty.axis] = ty.coord[j]!;
        at[tz.axis] = tz.coord[k]!;
        let best = 0, bestP = 0;
        for (let q = 0; q < n; q++) {
          const pr = pieceProb(pieces[ids[q]! - 1]!, at[0]!, at[1]!, at[2]!);
          if (pr >= bestP) {
            best = ids[q]!;
            bestP = pr;
          }
        }
        if (bestP >= sure) out[o] = best;
        else if (bestP >= never) band.push(o, best, bestP);
      }
    }
  }
  if (edge) settle(out, band, edge, interiorContrasts(canIds, edge.canCt, grid.dims, pieces.length, edge.rule, box), threshold);
  return result;
}

/** The band's voxels by their HU: a small function of its own, so that a scan of another array type re-optimises only this. */
function settle(out: InstanceIds, band: Band, edge: SourceEdge, contrast: Float64Array, threshold: number): void {
  for (let b = 0; b < band.n; b++) {
    const o = band.at[b]!, id = band.id[b]!;
    if (band.p[b]! >= edgeThreshold(threshold, edge.ct[o]!, contrast[id]!, edge.rule)) out[o] = id;
  }
}

/** Source voxels left to the scan's HU: offset, most probable instance and its probability (grown by doubling). */
class Band {
  n = 0;
  at = new Int32Array(1024);
  id = new Uint16Array(1024);
  p = new Float32Array(1024);

  push(o: number, id: number, p: number): void {
    if (this.n === this.at.length) {
      const grow = <T extends Int32Array | Uint16Array | Float32Array>(a: T, b: T): T => (b.set(a), b);
      this.at = grow(this.at, new Int32Array(2 * this.n));
      this.id = grow(this.id, new Uint16Array(2 * this.n));
      this.p = grow(this.p, new Float32Array(2 * this.n));
    }
    this.at[this.n] = o;
    this.id[this.n] = id;
    this.p[this.n++] = p;
  }
}

/** How one source axis reads the canonical grid: per source index its continuous canonical coordinate and the flat
 * offsets of the canonical voxels below and above it (the same where the upper one has no weight). */
interface AxisTable {
  /** The canonical axis this source axis runs along. */
  axis: number;
  coord: Float64Array;
  lo: Int32Array;
  hi: Int32Array;
  /** The source indices over the labelled canonical box (inclusive); from > to when none. */
  from: number;
  to: number;
}

function axisTable(grid: CanonicalGrid, p: number, box: { lo: number[]; hi: number[] }): AxisTable {
  const axis = grid.axes.findIndex((a) => a.source === p);
  const a = grid.axes[axis]!;
  const n = grid.sourceDims[p]!;
  const last = grid.dims[axis]! - 1;
  const stride = axis === 0 ? 1 : axis === 1 ? grid.dims[0] : grid.dims[0] * grid.dims[1];
  const coord = new Float64Array(n), lo = new Int32Array(n), hi = new Int32Array(n);
  let from = n, to = -1;
  for (let i = 0; i < n; i++) {
    // Clamped to the canonical grid: the source reaches up to half a canonical voxel past its last
    // centre, where a cube's own padding (air beyond the scan) must not cut a vertebra the edge cuts.
    const c = Math.min((a.flip ? n - 1 - i : i) / a.step, last);
    const c0 = Math.floor(c);
    coord[i] = c;
    lo[i] = c0 * stride;
    hi[i] = (c > c0 ? c0 + 1 : c0) * stride;
    if (c > box.lo[axis]! - 1 && c < box.hi[axis]! + 1) {
      from = Math.min(from, i);
      to = i;
    }
  }
  return { axis, coord, lo, hi, from, to };
}

const MIXED = 0xffff;

/**
 * Per canonical voxel over the labelled box (and one below it), the instance it shares with its seven
 * upper neighbours (the cell a source voxel interpolates in; past the grid's end the voxel itself), or
 * MIXED. Most source voxels lie in a cell of one instance or of none: one look-up decides them.
 */
function uniformCells(ids: Uint16Array, dims: readonly number[], box: { lo: number[]; hi: number[] }): Uint16Array {
  const [nx, ny, nz] = dims as [number, number, number];
  const cells = new Uint16Array(ids.length).fill(MIXED);
  const from = box.lo.map((v) => Math.max(0, v - 1));
  for (let z = from[2]!; z <= box.hi[2]!; z++) {
    const dz = z + 1 < nz ? nx * ny : 0;
    for (let y = from[1]!; y <= box.hi[1]!; y++) {
      const dy = y + 1 < ny ? nx : 0;
      for (let x = from[0]!; x <= box.hi[0]!; x++) {
        const v = x + nx * (y + ny * z);
        const dx = x + 1 < nx ? 1 : 0;
        const id = ids[v]!;
        if (ids[v + dx] === id && ids[v + dy] === id && ids[v + dx + dy] === id && ids[v + dz] === id && ids[v + dx + dz] === id && ids[v + dy + dz] === id && ids[v + dx + dy + dz] === id) cells[v] = id;
      }
    }
  }
  return cells;
}

/** A piece's probability at a canonical position, trilinear; 0 outside its cube. */
export function pieceProb(p: Piece, x: number, y: number, z: number): number {
  const s = p.size, pr = p.prob;
  const u = x - p.origin[0], v = y - p.origin[1], w = z - p.origin[2];
  const u0 = Math.floor(u), v0 = Math.floor(v), w0 = Math.floor(w);
  const fu = u - u0, fv = v - v0, fw = w - w0;
  let c000: number, c100: number, c010: number, c110: number, c001: number, c101: number, c011: number, c111: number;
  if (u0 >= 0 && v0 >= 0 && w0 >= 0 && u0 + 1 < s && v0 + 1 < s && w0 + 1 < s) {
    // All eight inside the cube (nearly always): read them directly.
    const b = u0 + s * (v0 + s * w0), ss = s * s;
    c000 = pr[b]!; c100 = pr[b + 1]!; c010 = pr[b + s]!; c110 = pr[b + s + 1]!;
    c001 = pr[b + ss]!; c101 = pr[b + ss + 1]!; c011 = pr[b + ss + s]!; c111 = pr[b + ss + s + 1]!;
  } else {
    const at = (i: number, j: number, k: number): number => (i < 0 || j < 0 || k < 0 || i >= s || j >= s || k >= s ? 0 : pr[i + s * (j + s * k)]!);
    c000 = at(u0, v0, w0); c100 = at(u0 + 1, v0, w0); c010 = at(u0, v0 + 1, w0); c110 = at(u0 + 1, v0 + 1, w0);
    c001 = at(u0, v0, w0 + 1); c101 = at(u0 + 1, v0, w0 + 1); c011 = at(u0, v0 + 1, w0 + 1); c111 = at(u0 + 1, v0 + 1, w0 + 1);
  }
  const c00 = c000 + fu * (c100 - c000), c10 = c010 + fu * (c110 - c010);
  const c01 = c001 + fu * (c101 - c001), c11 = c011 + fu * (c111 - c011);
  const c0 = c00 + fv * (c10 - c00), c1 = c01 + fv * (c11 - c01);
  return c0 + fw * (c1 - c0);
}
