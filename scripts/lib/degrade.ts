/**
 * The degradation suite: a real CT (and its mask) made to look like the clinical scans the project
 * has not seen — thicker slices along any voxel axis, correlated noise at a given level, a window of
 * a few vertebrae — so that each real case is scored in many forms and several noise draws.
 */
import { apply, invert } from '../../src/core/geometry/mat4';
import { axisOrientations } from '../../src/core/geometry/orientation';
import { gaussian, mulberry32 } from '../../src/core/random';
import type { Dims, Volume } from '../../src/core/volume';
import { spacingOf } from '../../src/core/volume';

type Labels = Volume<Uint8Array | Uint16Array>;
export interface Scan {
  ct: Volume;
  mask: Labels;
}

const strideOf = (dims: Dims): [number, number, number] => [1, dims[0], dims[0] * dims[1]];

/**
 * Slices `mm` thick along voxel axis `axis`: each new slice is the mean of the source over its
 * thickness (a thick reconstruction), the mask taken at the slice's centre. The affine keeps the
 * world position of every new slice's centre.
 */
export function thickSlices({ ct, mask }: Scan, axis: 0 | 1 | 2, mm: number): Scan {
  const f = mm / spacingOf(ct.affine)[axis];
  const n = ct.dims[axis];
  const m = Math.max(1, Math.floor(n / f));
  const dims = ct.dims.map((d, a) => (a === axis ? m : d)) as unknown as Dims;
  const si = strideOf(ct.dims);
  const total = dims[0] * dims[1] * dims[2];
  const data = new Float32Array(total);
  const labels = new (mask.data.constructor as Uint8ArrayConstructor)(total);
  const samples = Math.max(4, Math.ceil(2 * f));
  const centre = (j: number): number => (j + 0.5) * f - 0.5;
  for (let o = 0; o < total; o++) {
    const p = [o % dims[0], Math.floor(o / dims[0]) % dims[1], Math.floor(o / (dims[0] * dims[1]))];
    const j = p[axis]!;
    let base = 0;
    for (let a = 0; a < 3; a++) if (a !== axis) base += p[a]! * si[a]!;
    let sum = 0;
    for (let s = 0; s < samples; s++) {
      const c = Math.min(Math.max(centre(j) - f / 2 + ((s + 0.5) * f) / samples, 0), n - 1);
      const i0 = Math.floor(c), i1 = Math.min(i0 + 1, n - 1), w = c - i0;
      sum += (1 - w) * ct.data[base + i0 * si[axis]]! + w * ct.data[base + i1 * si[axis]]!;
    }
    data[o] = sum / samples;
    labels[o] = mask.data[base + Math.min(n - 1, Math.round(centre(j))) * si[axis]]!;
  }
  const affine = [...ct.affine];
  for (let r = 0; r < 3; r++) {
    affine[r * 4 + 3] = affine[r * 4 + 3]! + affine[r * 4 + axis]! * centre(0);
    affine[r * 4 + axis] = affine[r * 4 + axis]! * f;
  }
  return { ct: { dims, affine, data }, mask: { dims, affine, data: labels } };
}

/**
 * Gaussian noise of standard deviation `sigmaHu`, correlated over about `corrMm` (white noise
 * smoothed by a Gaussian of that σ per axis, then rescaled), as CT noise is; seeded.
 */
export function addNoise(ct: Volume, sigmaHu: number, seed: number, corrMm = 1): Volume {
  const rand = mulberry32(seed);
  const n = ct.data.length;
  let noise = new Float32Array(n);
  for (let i = 0; i < n; i++) noise[i] = gaussian(rand);
  const sp = spacingOf(ct.affine);
  for (let a = 0; a < 3; a++) noise = smoothAxis(noise, ct.dims, a, corrMm / sp[a]!);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += noise[i]! ** 2;
  const scale = sigmaHu / Math.sqrt(ss / n || 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ct.data[i]! + scale * noise[i]!;
  return { ...ct, data };
}

function smoothAxis(x: Float32Array<ArrayBuffer>, dims: Dims, axis: number, sigma: number): Float32Array<ArrayBuffer> {
  if (sigma < 0.3) return x;
  const r = Math.ceil(2.5 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const ks = k.reduce((a, b) => a + b, 0);
  const st = strideOf(dims)[axis]!, n = dims[axis]!;
  const out = new Float32Array(x.length);
  for (let o = 0; o < x.length; o++) {
    const i = Math.floor(o / st) % n;
    let s = 0;
    for (let d = -r; d <= r; d++) {
      const j = Math.min(Math.max(i + d, 0), n - 1);
      s += k[d + r]! * x[o + (j - i) * st]!;
    }
    out[o] = s / ks;
  }
  return out;
}

/** The voxel axis closest to head–foot. */
export function headFootAxis(ct: Volume): 0 | 1 | 2 {
  return axisOrientations(ct.affine).findIndex((o) => o.worldAxis === 2) as 0 | 1 | 2;
}

/** A slab of the scan between voxel indices lo…hi (inclusive) along `axis`. */
export function cropAxis({ ct, mask }: Scan, axis: 0 | 1 | 2, lo: number, hi: number): Scan {
  const dims = ct.dims.map((d, a) => (a === axis ? hi - lo + 1 : d)) as unknown as Dims;
  const si = strideOf(ct.dims);
  const total = dims[0] * dims[1] * dims[2];
  const data = new (ct.data.constructor as Float32ArrayConstructor)(total);
  const labels = new (mask.data.constructor as Uint8ArrayConstructor)(total);
  for (let o = 0; o < total; o++) {
    const p = [o % dims[0], Math.floor(o / dims[0]) % dims[1], Math.floor(o / (dims[0] * dims[1]))];
    p[axis] = p[axis]! + lo;
    const q = p[0]! * si[0] + p[1]! * si[1] + p[2]! * si[2];
    data[o] = ct.data[q]!;
    labels[o] = mask.data[q]!;
  }
  const affine = [...ct.affine];
  for (let r = 0; r < 3; r++) affine[r * 4 + 3] = affine[r * 4 + 3]! + affine[r * 4 + axis]! * lo;
  return { ct: { dims, affine, data }, mask: { dims, affine, data: labels } };
}

/**
 * Windows of `k` consecutive vertebrae at every position: along the head–foot axis, from the
 * middle of the gap above the first to the middle of the gap below the last, so the outer
 * neighbours show as fragments at the edges, as in a clinical field of view. `centres` are the
 * mask's vertebra centres as voxel indices along that axis, cranial → caudal in any order.
 */
export function windows(scan: Scan, k: number, centres: readonly { label: number; index: number }[]): { name: string; scan: Scan }[] {
  const axis = headFootAxis(scan.ct);
  const sorted = [...centres].sort((a, b) => a.label - b.label);
  const n = scan.ct.dims[axis];
  const out: { name: string; scan: Scan }[] = [];
  for (let s = 0; s + k <= sorted.length; s++) {
    const first = sorted[s]!, last = sorted[s + k - 1]!;
    const before = sorted[s - 1], after = sorted[s + k];
    const end = (v: { index: number }, w: { index: number } | undefined, dir: number): number => (w ? (v.index + w.index) / 2 : v.index + dir * n);
    const dir = Math.sign(last.index - first.index) || 1;
    const a = end(first, before, -dir), b = end(last, after, dir);
    const lo = Math.max(0, Math.round(Math.min(a, b))), hi = Math.min(n - 1, Math.round(Math.max(a, b)));
    if (hi - lo < 4) continue;
    out.push({ name: `window ${first.label}-${last.label}`, scan: cropAxis(scan, axis, lo, hi) });
  }
  return out;
}

/**
 * The suite for one real case: `draws` noise draws at 20, 40 and 60 HU; 3 and 5 mm slices along each
 * voxel axis finer than that, with 40 HU noise; and windows of each size in `windowSizes` at every
 * position (no added noise). `centres` are the case's true vertebra centres (world mm).
 */
export function variants(scan: Scan, draws: number, windowSizes: readonly number[], centres: readonly { label: number; world: readonly number[] }[]): { name: string; group: string; scan: Scan }[] {
  const out: { name: string; group: string; scan: Scan }[] = [];
  const sp = spacingOf(scan.ct.affine);
  for (let d = 0; d < draws; d++) {
    for (const hu of [20, 40, 60]) out.push({ name: `noise ${hu} HU #${d}`, group: `noise ${hu} HU`, scan: { ct: addNoise(scan.ct, hu, 1000 * hu + d), mask: scan.mask } });
    for (const mm of [3, 5])
      for (const axis of [0, 1, 2] as const) {
        if (sp[axis]! >= mm - 0.25) continue;
        const thick = thickSlices(scan, axis, mm);
        out.push({ name: `${mm} mm along axis ${axis}, 40 HU #${d}`, group: `${mm} mm slices + 40 HU`, scan: { ct: addNoise(thick.ct, 40, 7000 + 10 * mm + axis + 100 * d), mask: thick.mask } });
      }
  }
  const axis = headFootAxis(scan.ct);
  const inv = invert(scan.ct.affine);
  const index = inv ? centres.map((c) => ({ label: c.label, index: apply(inv, c.world as [number, number, number])[axis] })) : [];
  for (const k of windowSizes) for (const w of windows(scan, k, index)) out.push({ ...w, group: `windows of ${k}` });
  return out;
}
