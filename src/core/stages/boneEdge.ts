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

/**
 * Per instance id (1…count), `interiorContrast` of the median HU of its interior on the 2 mm grid:
 * voxels whose six neighbours are the same instance. An instance with no interior (a sliver) gets 0,
 * so its dark voxels do not raise its threshold. `box` (inclusive): where the instances are, to visit
 * only that.
 */
export function interiorContrasts(ids: Uint16Array, ct: ArrayLike<number>, dims: readonly number[], count: number, e: BoneEdge, box?: { lo: readonly number[]; hi: readonly number[] }): Float64Array {
  const [nx, ny, nz] = dims as [number, number, number];
  const lo = [0, 1, 2].map((a) => Math.max(1, box?.lo[a] ?? 1));
  const hi = [0, 1, 2].map((a) => Math.min(dims[a]! - 2, box?.hi[a] ?? dims[a]! - 2));
  const hist = new Uint32Array((count + 1) * HIST_BINS);
  for (let z = lo[2]!; z <= hi[2]!; z++) {
    for (let y = lo[1]!; y <= hi[1]!; y++) {
      for (let x = lo[0]!, v = x + nx * (y + ny * z); x <= hi[0]!; x++, v++) {
        const id = ids[v]!;
        if (!id || id > count) continue;
        if (ids[v - 1] === id && ids[v + 1] === id && ids[v - nx] === id && ids[v + nx] === id && ids[v - nx * ny] === id && ids[v + nx * ny] === id) {
          hist[id * HIST_BINS + histBin(ct[v]!)]!++;
        }
      }
    }
  }
  const out = new Float64Array(count + 1);
  for (let id = 1; id <= count; id++) {
    const m = histMedian(hist, id * HIST_BINS);
    out[id] = m === null ? 0 : interiorContrast(m, e);
  }
  return out;
}

/** HU histograms: bins of HIST_STEP from HIST_MIN, clamped at both ends. */
const HIST_MIN = -1024;
const HIST_STEP = 8;
const HIST_BINS = 512;

function histBin(hu: number): number {
  return Math.max(0, Math.min(HIST_BINS - 1, Math.floor((hu - HIST_MIN) / HIST_STEP)));
}

/** The median of one histogram (bin centre), null when empty. */
function histMedian(h: Uint32Array, offset: number): number | null {
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
