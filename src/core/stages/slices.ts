import { quantile } from '../median';
import type { Volume } from '../volume';

/**
 * Stage 1 input: slices of the canonical (RAS, isotropic) CT. A slice across canonical axis
 * `axis` (0 sagittal, 1 coronal) is a U × V image over the two remaining axes in order
 * (sagittal: U = A, V = S; coronal: U = R, V = S), row-major with V fastest — the layout
 * `training/data/crops.py` trains on.
 */
export type SliceAxis = 0 | 1;

/** Index range along `axis` whose slices hold bone: bone-voxel count above `keep` of the peak. */
export function boneRange(ct: Volume, axis: SliceAxis, hu = 250, keep = 0.02): [number, number] {
  const [nx, ny, nz] = ct.dims;
  const prof = new Float64Array(ct.dims[axis]);
  const d = ct.data;
  let o = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, o++) if (d[o]! > hu) prof[axis === 0 ? i : j] = prof[axis === 0 ? i : j]! + 1;
  let peak = 0;
  for (const v of prof) peak = Math.max(peak, v);
  if (peak === 0) return [0, ct.dims[axis] - 1];
  let lo = 0;
  let hi = prof.length - 1;
  while (prof[lo]! <= keep * peak) lo++;
  while (prof[hi]! <= keep * peak) hi--;
  return [lo, hi];
}

/** k slice indices spread evenly over the bone-bearing range (fewer if the range is narrow). */
export function sliceIndices(ct: Volume, axis: SliceAxis, k: number): number[] {
  const [lo, hi] = boneRange(ct, axis);
  const out = new Set<number>();
  for (let n = 0; n < k; n++) out.add(Math.round(k === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * n) / (k - 1)));
  return [...out];
}

/** Intensity normalisation declared by a model: HU window mapped to [0, 1], clipped. */
export interface Window {
  min: number;
  max: number;
}

/**
 * The slice at `index`, normalised, zero-padded (after normalisation) to multiples of `multiple`
 * so a strided network sees whole cells. Returns the padded size too.
 */
export function extractSlice(ct: Volume, axis: SliceAxis, index: number, win: Window, multiple = 1): { data: Float32Array; u: number; v: number } {
  const [nx, ny, nz] = ct.dims;
  const nu = axis === 0 ? ny : nx;
  const u = Math.ceil(nu / multiple) * multiple;
  const v = Math.ceil(nz / multiple) * multiple;
  const out = new Float32Array(u * v);
  const scale = 1 / (win.max - win.min);
  for (let a = 0; a < nu; a++) {
    for (let k = 0; k < nz; k++) {
      const src = axis === 0 ? index + nx * (a + ny * k) : a + nx * (index + ny * k);
      const x = (ct.data[src]! - win.min) * scale;
      out[a * v + k] = x < 0 ? 0 : x > 1 ? 1 : x;
    }
  }
  return { data: out, u, v };
}

/**
 * Where the spine is along canonical axis `axis` (voxels): the 10th–90th percentile of the survey
 * boxes' centres on that axis, widened by `marginMm` — ribs, pelvis and arms hold bone too, and
 * slices spent on them find no vertebra. Null when the survey found too few boxes to say.
 */
export function spineRange(centresMm: readonly number[], spacing: number, n: number, marginMm = 20): [number, number] | null {
  if (centresMm.length < 3) return null;
  const q = (f: number): number => quantile(centresMm, f);
  const lo = Math.max(0, Math.floor((q(0.1) - marginMm) / spacing));
  const hi = Math.min(n - 1, Math.ceil((q(0.9) + marginMm) / spacing));
  return hi >= lo ? [lo, hi] : null;
}

/** Slice indices every `step` voxels over [lo, hi], centred in it; at most `max` (then closer together). */
export function denseIndices(lo: number, hi: number, step: number, max: number): number[] {
  const natural = Math.floor((hi - lo) / step) + 1;
  const count = Math.max(1, Math.min(max, natural));
  const gap = count <= 1 ? 0 : count < natural ? (hi - lo) / (count - 1) : step;
  const first = lo + (hi - lo - gap * (count - 1)) / 2;
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round(first + i * gap)))];
}
