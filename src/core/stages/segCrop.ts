import type { Volume } from '../volume';
import type { Window } from './slices';

/**
 * Stage 2 input for one candidate: a size³ cube of the canonical CT (normalised by the model's
 * window; outside the scan counts as air) and a Gaussian heatmap at the candidate centre, as a
 * [2, size, size, size] tensor (x fastest, as the canonical volume). `origin` is the canonical
 * voxel at the cube's corner.
 */
export function segInput(ct: Volume, centre: readonly number[], size: number, win: Window, sigmaVox: number): { data: Float32Array; origin: [number, number, number] } {
  const [nx, ny, nz] = ct.dims;
  const origin = centre.map((c) => Math.round(c) - (size >> 1)) as [number, number, number];
  const n3 = size * size * size;
  const out = new Float32Array(2 * n3);
  const scale = 1 / (win.max - win.min);
  const air = Math.max(0, Math.min(1, (-1000 - win.min) * scale));
  const inv2s2 = 1 / (2 * sigmaVox * sigmaVox);
  let o = 0;
  for (let k = 0; k < size; k++) {
    const z = origin[2] + k;
    const dz = z - centre[2]!;
    for (let j = 0; j < size; j++) {
      const y = origin[1] + j;
      const dy = y - centre[1]!;
      for (let i = 0; i < size; i++, o++) {
        const x = origin[0] + i;
        const dx = x - centre[0]!;
        const inside = x >= 0 && x < nx && y >= 0 && y < ny && z >= 0 && z < nz;
        const v = inside ? (ct.data[x + nx * (y + ny * z)]! - win.min) * scale : air;
        out[o] = v < 0 ? 0 : v > 1 ? 1 : v;
        out[n3 + o] = Math.exp(-(dx * dx + dy * dy + dz * dz) * inv2s2);
      }
    }
  }
  return { data: out, origin };
}
