import { type Dims, type Volume, type VoxelArray, spacingOf } from '../volume';
import { type Mat4, multiply } from './mat4';
import { axisOrientations } from './orientation';

/** How canonical axis k (R, A, S) reads the source grid. */
export interface CanonicalAxis {
  /** The source voxel axis that runs along this world axis. */
  source: 0 | 1 | 2;
  /** True when the source axis runs the opposite way (L, P or I). */
  flip: boolean;
  /** Source voxels per canonical voxel (canonical spacing / source spacing). */
  step: number;
}

/**
 * A canonical RAS grid over a source grid: axes permuted/flipped to the nearest R, A, S (oblique
 * rotations stay in the affine, as nibabel's `as_closest_canonical`), optionally resampled to
 * isotropic spacing. Canonical voxel 0 sits on the source voxel centre that is most L, P, I, so
 * the mapping in both directions is exact and cheap (separable per axis).
 */
export interface CanonicalGrid {
  dims: Dims;
  /** Canonical voxel → world RAS mm. */
  affine: number[];
  /** Canonical voxel size in mm along R, A, S. */
  spacing: [number, number, number];
  axes: [CanonicalAxis, CanonicalAxis, CanonicalAxis];
  sourceDims: Dims;
  sourceAffine: Mat4;
}

/**
 * @param spacing isotropic voxel size in mm, or 'native' to only reorient (no resampling).
 */
export function canonicalGrid(dims: Dims, affine: Mat4, spacing: number | 'native' = 'native'): CanonicalGrid {
  const orient = axisOrientations(affine);
  const srcSpacing = spacingOf(affine);
  const axes = [0, 1, 2].map((w) => {
    const source = orient.findIndex((o) => o.worldAxis === w) as 0 | 1 | 2;
    const step = spacing === 'native' ? 1 : spacing / srcSpacing[source];
    return { source, flip: orient[source]!.sign < 0, step };
  }) as [CanonicalAxis, CanonicalAxis, CanonicalAxis];
  const outDims = axes.map((a) => Math.floor((dims[a.source] - 1) / a.step + 1e-6) + 1) as unknown as Dims;
  // T maps canonical index → source index; the canonical affine is A · T.
  const t = new Array<number>(16).fill(0);
  t[15] = 1;
  axes.forEach((a, k) => {
    t[a.source * 4 + k] = a.flip ? -a.step : a.step;
    t[a.source * 4 + 3] = a.flip ? dims[a.source] - 1 : 0;
  });
  return {
    dims: outDims,
    affine: multiply(affine, t),
    spacing: axes.map((a) => a.step * srcSpacing[a.source]) as [number, number, number],
    axes,
    sourceDims: dims,
    sourceAffine: affine,
  };
}

/** Source voxel coordinate (continuous) of a canonical voxel coordinate along canonical axis k. */
function sourceCoord(grid: CanonicalGrid, k: number, c: number): number {
  const a = grid.axes[k]!;
  const t = c * a.step;
  return a.flip ? grid.sourceDims[a.source] - 1 - t : t;
}

/** Maps a point from canonical voxel coordinates to source voxel coordinates. */
export function canonicalToSource(grid: CanonicalGrid, p: readonly number[]): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < 3; k++) out[grid.axes[k]!.source] = sourceCoord(grid, k, p[k]!);
  return out;
}

/** Maps a point from source voxel coordinates to canonical voxel coordinates. */
export function sourceToCanonical(grid: CanonicalGrid, p: readonly number[]): [number, number, number] {
  return grid.axes.map((a) => {
    const v = p[a.source]!;
    return (a.flip ? grid.sourceDims[a.source] - 1 - v : v) / a.step;
  }) as [number, number, number];
}

/** Per canonical voxel with coordinate 0 along axis `k`: 1 when the line along `k` from it holds any non-zero voxel. */
function filledLines(vol: Volume, k: number): Uint8Array {
  const st = strides(vol.dims)[k]!;
  const n = vol.dims[k]!;
  const out = new Uint8Array(vol.data.length);
  const d = vol.data;
  for (let v = 0; v < d.length; v++) if (d[v] !== 0) out[v - (Math.floor(v / st) % n) * st] = 1;
  return out;
}

function strides(dims: Dims): [number, number, number] {
  return [1, dims[0], dims[0] * dims[1]];
}

function like(data: VoxelArray, n: number): VoxelArray {
  return new (data.constructor as new (n: number) => VoxelArray)(n);
}

/**
 * Resamples a volume onto its canonical grid: trilinear for CT ('linear'), nearest for labels.
 * Integer arrays are rounded, so the result keeps the source's array type.
 */
export function toCanonical<T extends VoxelArray>(vol: Volume<T>, grid: CanonicalGrid, mode: 'linear' | 'nearest'): Volume<T> {
  const src = strides(vol.dims);
  // Per canonical axis: lower source offset, upper offset and weight of the upper one.
  const [tx, ty, tz] = [0, 1, 2].map((k) => {
    const m = grid.dims[k]!;
    const a = grid.axes[k]!;
    const n = vol.dims[a.source];
    const lo = new Int32Array(m);
    const hi = new Int32Array(m);
    const w = new Float64Array(m);
    for (let c = 0; c < m; c++) {
      const s = Math.min(Math.max(sourceCoord(grid, k, c), 0), n - 1);
      const i0 = mode === 'nearest' ? Math.round(s) : Math.floor(s);
      lo[c] = i0 * src[a.source]!;
      hi[c] = Math.min(i0 + 1, n - 1) * src[a.source]!;
      w[c] = mode === 'nearest' ? 0 : s - i0;
    }
    return { lo, hi, w };
  }) as [Axis, Axis, Axis];
  const out = like(vol.data, grid.dims[0] * grid.dims[1] * grid.dims[2]);
  if (mode === 'nearest') nearest(vol.data, out, tx, ty, tz);
  else linear(vol.data, out, tx, ty, tz, !(vol.data instanceof Float32Array));
  return { dims: grid.dims, affine: grid.affine, data: out as T };
}

interface Axis {
  lo: Int32Array;
  hi: Int32Array;
  w: Float64Array;
}

// The two loops are separate functions so each stays monomorphic and branch-free per voxel (the
// resampling is most of stage 0's time).
function nearest(inp: VoxelArray, out: VoxelArray, tx: Axis, ty: Axis, tz: Axis): void {
  const mx = tx.lo.length, my = ty.lo.length, mz = tz.lo.length;
  let o = 0;
  for (let z = 0; z < mz; z++)
    for (let y = 0; y < my; y++) {
      const base = tz.lo[z]! + ty.lo[y]!;
      for (let x = 0; x < mx; x++, o++) out[o] = inp[base + tx.lo[x]!]!;
    }
}

function linear(inp: VoxelArray, out: VoxelArray, tx: Axis, ty: Axis, tz: Axis, round: boolean): void {
  const mx = tx.lo.length, my = ty.lo.length, mz = tz.lo.length;
  const xl = tx.lo, xh = tx.hi, xw = tx.w;
  let o = 0;
  for (let z = 0; z < mz; z++) {
    const z0 = tz.lo[z]!, z1 = tz.hi[z]!, wz = tz.w[z]!;
    for (let y = 0; y < my; y++) {
      const y0 = ty.lo[y]!, y1 = ty.hi[y]!, wy = ty.w[y]!;
      const a00 = z0 + y0, a01 = z0 + y1, a10 = z1 + y0, a11 = z1 + y1;
      for (let x = 0; x < mx; x++, o++) {
        const x0 = xl[x]!, x1 = xh[x]!, wx = xw[x]!;
        const v00 = inp[a00 + x0]!, v01 = inp[a01 + x0]!, v10 = inp[a10 + x0]!, v11 = inp[a11 + x0]!;
        const c00 = v00 + wx * (inp[a00 + x1]! - v00);
        const c01 = v01 + wx * (inp[a01 + x1]! - v01);
        const c10 = v10 + wx * (inp[a10 + x1]! - v10);
        const c11 = v11 + wx * (inp[a11 + x1]! - v11);
        const c0 = c00 + wy * (c01 - c00);
        const v = c0 + wz * (c10 + wy * (c11 - c10) - c0);
        out[o] = round ? Math.round(v) : v;
      }
    }
  }
}

/**
 * Maps a label map on the canonical grid back onto the source grid (nearest canonical voxel for
 * every source voxel). When the canonical spacing is no coarser than the source's, a label map
 * taken to canonical and back is returned unchanged.
 */
export function fromCanonical<T extends VoxelArray>(labels: Volume<T>, grid: CanonicalGrid): Volume<T> {
  const cst = strides(grid.dims);
  const sd = grid.sourceDims;
  // Per source axis: canonical offset of each source index.
  const tables = [0, 1, 2].map((p) => {
    const k = grid.axes.findIndex((a) => a.source === p);
    const a = grid.axes[k]!;
    const t = new Int32Array(sd[p]!);
    for (let i = 0; i < sd[p]!; i++) {
      const c = Math.round((a.flip ? sd[p]! - 1 - i : i) / a.step);
      t[i] = Math.min(Math.max(c, 0), grid.dims[k]! - 1) * cst[k]!;
    }
    return t;
  });
  const [tx, ty, tz] = tables as [Int32Array, Int32Array, Int32Array];
  // A source row runs along one canonical axis; most such canonical lines hold no label (air, soft
  // tissue), and their source rows stay zero without being visited.
  const kx = grid.axes.findIndex((a) => a.source === 0);
  const filled = filledLines(labels, kx);
  const data = labels.data;
  const out = like(data, sd[0] * sd[1] * sd[2]);
  for (let k = 0, o = 0; k < sd[2]; k++) {
    for (let j = 0; j < sd[1]; j++, o += sd[0]) {
      const base = tz[k]! + ty[j]!;
      if (!filled[base]) continue;
      for (let i = 0; i < sd[0]; i++) out[o + i] = data[base + tx[i]!]!;
    }
  }
  return { dims: sd, affine: grid.sourceAffine, data: out as T };
}
