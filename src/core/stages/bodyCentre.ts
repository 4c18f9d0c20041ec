import type { Dims } from '../volume';
import type { InstanceBox } from './idCrop';

/**
 * Where a vertebra "is", on the canonical (RAS) grid: its centre of mass, and its vertebral-body
 * centre — the centre of mass of its anterior 40 % (canonical y runs posterior → anterior), which
 * is what VerSe centroids mark (training/data/verse.py estimates it the same way). C1 has no body:
 * use the mass centre for it.
 */
export function bodyCentre(ids: ArrayLike<number>, dims: Dims, box: InstanceBox): { body: [number, number, number]; mass: [number, number, number] } {
  const [nx, ny] = dims;
  const cut = box.hi[1] - 0.4 * (box.hi[1] - box.lo[1]);
  let mx = 0, my = 0, mz = 0, mn = 0;
  let bx = 0, by = 0, bz = 0, bn = 0;
  for (let k = box.lo[2]; k <= box.hi[2]; k++) {
    for (let j = box.lo[1]; j <= box.hi[1]; j++) {
      for (let i = box.lo[0]; i <= box.hi[0]; i++) {
        if (ids[i + nx * (j + ny * k)] !== box.id) continue;
        mx += i; my += j; mz += k; mn++;
        if (j >= cut) {
          bx += i; by += j; bz += k; bn++;
        }
      }
    }
  }
  const mass: [number, number, number] = [mx / mn, my / mn, mz / mn];
  return { mass, body: bn ? [bx / bn, by / bn, bz / bn] : mass };
}
