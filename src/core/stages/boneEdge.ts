/**
 * Where stage 2's boundary falls between the 2 mm cube's samples, the scan's own voxels say more
 * than the interpolated probability: bone's cortex is bright. On a boundary voxel the segmenter's
 * threshold is lowered where the voxel is bright and raised where it is dark — the latter only as far
 * as the vertebra's own interior is brighter than soft tissue, because under an osteoporotic cortex
 * the cancellous bone is as dark as muscle and a dark voxel there is still bone.
 */
export interface BoneEdge {
  /** HU at which a voxel says nothing either way. */
  hu: number;
  /** HU from `hu` at which the shift is full. */
  widthHu: number;
  /** The largest shift of the threshold (< the threshold itself). */
  weight: number;
  /** Interior median HU below which dark voxels do not raise the threshold, and above which they fully do. */
  interiorHu: [number, number];
}

/** How far a vertebra's dark voxels may count against it (0–1), from its interior's median HU. */
export function interiorContrast(medianHu: number, e: BoneEdge): number {
  const [lo, hi] = e.interiorHu;
  return Math.max(0, Math.min(1, (medianHu - lo) / (hi - lo)));
}

/** The threshold a boundary voxel of HU `hu` must reach for an instance of interior contrast `contrast`. */
export function edgeThreshold(threshold: number, hu: number, contrast: number, e: BoneEdge): number {
  const s = Math.max(-1, Math.min(1, (hu - e.hu) / e.widthHu));
  return threshold - e.weight * s * (s < 0 ? contrast : 1);
}

/** Median of HU values gathered in a histogram (bins of HIST_STEP from HIST_MIN). */
export const HIST_MIN = -1024;
export const HIST_STEP = 8;
export const HIST_BINS = 512;

export function histBin(hu: number): number {
  return Math.max(0, Math.min(HIST_BINS - 1, Math.floor((hu - HIST_MIN) / HIST_STEP)));
}

export function histMedian(h: Uint32Array, offset: number): number | null {
  let n = 0;
  for (let b = 0; b < HIST_BINS; b++) n += h[offset + b]!;
  if (!n) return null;
  let c = 0;
  for (let b = 0; b < HIST_BINS; b++) {
    c += h[offset + b]!;
    if (2 * c >= n) return HIST_MIN + (b + 0.5) * HIST_STEP;
  }
  return null;
}
