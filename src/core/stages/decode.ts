import type { Box3 } from '../clustering';
import type { SliceAxis } from './slices';

/** A detection on one slice, in slice pixels (U, V as in `extractSlice`). */
export interface Box2 {
  cu: number;
  cv: number;
  su: number;
  sv: number;
  score: number;
}

/**
 * Anchor-free (CenterNet-style) decoding of one image's outputs: `heat` (Hh × Hw, sigmoid
 * already applied), `size` and `offset` (2 × Hh × Hw: U then V). Peaks are 3 × 3 local maxima
 * above `threshold`; at most `topK`, best first. `stride` maps output cells to input pixels.
 */
export function decodeCenterNet(
  heat: ArrayLike<number>,
  size: ArrayLike<number>,
  offset: ArrayLike<number>,
  hh: number,
  hw: number,
  stride: number,
  threshold: number,
  topK: number,
): Box2[] {
  const n = hh * hw;
  const peaks: Box2[] = [];
  for (let y = 0; y < hh; y++) {
    for (let x = 0; x < hw; x++) {
      const s = heat[y * hw + x]!;
      if (s < threshold) continue;
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if ((dy || dx) && yy >= 0 && yy < hh && xx >= 0 && xx < hw && heat[yy * hw + xx]! > s) {
            isMax = false;
            break;
          }
        }
      }
      if (!isMax) continue;
      const i = y * hw + x;
      peaks.push({ cu: (y + offset[i]!) * stride, cv: (x + offset[n + i]!) * stride, su: size[i]!, sv: size[n + i]!, score: s });
    }
  }
  return peaks.sort((a, b) => b.score - a.score).slice(0, topK);
}

/**
 * A slice detection as a 3D box in canonical millimetres (voxel index × spacing, x → R, y → A,
 * z → S): a sagittal slice at x = index sees (A, S), a coronal one at y = index sees (R, S).
 */
export function liftBox(b: Box2, axis: SliceAxis, index: number, spacing: number): Box3 {
  const centre: [number, number, number] = axis === 0 ? [index * spacing, b.cu * spacing, b.cv * spacing] : [b.cu * spacing, index * spacing, b.cv * spacing];
  return { centre, width: b.su * spacing, height: b.sv * spacing, plane: axis === 0 ? 'sagittal' : 'coronal', score: b.score };
}
