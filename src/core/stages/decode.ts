import type { Box3 } from '../clustering';
import type { SliceAxis } from './slices';

/**
 * A detection on one slice, in slice pixels (U, V as in `extractSlice`): the peak (the vertebral
 * body's centre for a body-centred detector, else the box centre), the whole vertebra's box size
 * and, from a body-centred detector, that box's centre.
 */
export interface Box2 {
  cu: number;
  cv: number;
  su: number;
  sv: number;
  score: number;
  box?: [number, number];
}

/**
 * Anchor-free (CenterNet-style) decoding of one image's outputs: `heat` (Hh × Hw, sigmoid
 * already applied), `size` and `offset` (2 × Hh × Hw: U then V), and where the detector peaks on
 * bodies, `shift` (2 × Hh × Hw: box centre − peak, pixels). Peaks are 3 × 3 local maxima above
 * `threshold`; at most `topK`, best first. `stride` maps output cells to input pixels.
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
  shift?: ArrayLike<number>,
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
      const cu = (y + offset[i]!) * stride, cv = (x + offset[n + i]!) * stride;
      peaks.push({ cu, cv, su: size[i]!, sv: size[n + i]!, score: s, ...(shift ? { box: [cu + shift[i]!, cv + shift[n + i]!] as [number, number] } : {}) });
    }
  }
  return peaks.sort((a, b) => b.score - a.score).slice(0, topK);
}

/**
 * A slice detection as a 3D box in canonical millimetres (voxel index × spacing, x → R, y → A,
 * z → S): a sagittal slice at x = index sees (A, S), a coronal one at y = index sees (R, S).
 */
export function liftBox(b: Box2, axis: SliceAxis, index: number, spacing: number): Box3 {
  const lift = (u: number, v: number): [number, number, number] => (axis === 0 ? [index * spacing, u * spacing, v * spacing] : [u * spacing, index * spacing, v * spacing]);
  const centre = lift(b.cu, b.cv);
  return { centre, ...(b.box ? { boxCentre: lift(b.box[0], b.box[1]) } : {}), width: b.su * spacing, height: b.sv * spacing, plane: axis === 0 ? 'sagittal' : 'coronal', score: b.score };
}
