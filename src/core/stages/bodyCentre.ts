import type { Dims } from '../volume';
import type { InstanceBox } from './idCrop';

/** A vertebra's centre of mass and body centre, and the box of its body (canonical voxels). */
export interface BodyOf {
  body: [number, number, number];
  mass: [number, number, number];
  bodyBox: { lo: [number, number, number]; hi: [number, number, number] };
}

/**
 * Where a vertebra "is", on the canonical (RAS) grid: its centre of mass, and its vertebral-body
 * centre — the centre of mass of its anterior 40 % (canonical y runs posterior → anterior), which
 * is what VerSe centroids mark (training/data/verse.py estimates it the same way). C1 has no body:
 * use the mass centre for it. `bodyBox` bounds that anterior part (inclusive; the mask's box when it is empty).
 */
export function bodyCentre(ids: ArrayLike<number>, dims: Dims, box: InstanceBox): BodyOf {
  const [nx, ny] = dims;
  const cut = box.hi[1] - 0.4 * (box.hi[1] - box.lo[1]);
  let mx = 0, my = 0, mz = 0, mn = 0;
  let bx = 0, by = 0, bz = 0, bn = 0;
  const lo: [number, number, number] = [Infinity, Infinity, Infinity], hi: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let k = box.lo[2]; k <= box.hi[2]; k++) {
    for (let j = box.lo[1]; j <= box.hi[1]; j++) {
      for (let i = box.lo[0]; i <= box.hi[0]; i++) {
        if (ids[i + nx * (j + ny * k)] !== box.id) continue;
        mx += i; my += j; mz += k; mn++;
        if (j >= cut) {
          bx += i; by += j; bz += k; bn++;
          if (i < lo[0]) lo[0] = i;
          if (i > hi[0]) hi[0] = i;
          if (j < lo[1]) lo[1] = j;
          if (j > hi[1]) hi[1] = j;
          if (k < lo[2]) lo[2] = k;
          hi[2] = k; // k only grows
        }
      }
    }
  }
  const mass: [number, number, number] = [mx / mn, my / mn, mz / mn];
  return bn ? { mass, body: [bx / bn, by / bn, bz / bn], bodyBox: { lo, hi } } : { mass, body: mass, bodyBox: { lo: [...box.lo], hi: [...box.hi] } };
}
