import type { Volume } from '../volume';
import type { Window } from './slices';

/**
 * Stage 2 input for one candidate, written into a segmenter batch at `at` (every one of its 2 · size³
 * values, so the batch buffer can be reused): a size³ cube of the canonical CT (normalised by the
 * model's window; outside the scan counts as air) and a Gaussian heatmap at the candidate centre, as
 * a [2, size, size, size] tensor (x fastest, as the canonical volume). Returns the canonical voxel at
 * the cube's corner.
 */
export function writeSegInput(ct: Volume, centre: readonly number[], size: number, win: Window, sigmaVox: number, into: Float32Array, at: number): [number, number, number] {
  const [nx, ny, nz] = ct.dims;
  const origin = centre.map((c) => Math.round(c) - (size >> 1)) as [number, number, number];
  const n3 = size * size * size;
  const out = into.subarray(at, at + 2 * n3);
  const scale = 1 / (win.max - win.min);
  const air = Math.max(0, Math.min(1, (-1000 - win.min) * scale));
  // The Gaussian is separable: one table per axis, multiplied per voxel (no exp in the loop).
  const gauss = (a: number): Float32Array => {
    const g = new Float32Array(size);
    for (let i = 0; i < size; i++) g[i] = Math.exp(-((origin[a]! + i - centre[a]!) ** 2) / (2 * sigmaVox * sigmaVox));
    return g;
  };
  const [gx, gy, gz] = [gauss(0), gauss(1), gauss(2)];
  // Columns of the cube inside the scan; the rest of each row stays air.
  const i0 = Math.max(0, -origin[0]), i1 = Math.min(size, nx - origin[0]);
  const data = ct.data;
  let o = 0;
  for (let k = 0; k < size; k++) {
    const z = origin[2] + k;
    for (let j = 0; j < size; j++, o += size) {
      const y = origin[1] + j;
      const gyz = gy[j]! * gz[k]!;
      for (let i = 0; i < size; i++) out[n3 + o + i] = gyz * gx[i]!;
      if (y < 0 || y >= ny || z < 0 || z >= nz || i1 <= i0) {
        out.fill(air, o, o + size);
        continue;
      }
      if (i0 > 0) out.fill(air, o, o + i0);
      if (i1 < size) out.fill(air, o + i1, o + size);
      const row = origin[0] + nx * (y + ny * z);
      for (let i = i0; i < i1; i++) {
        const v = (data[row + i]! - win.min) * scale;
        out[o + i] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return origin;
}
