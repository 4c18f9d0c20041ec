import type { Mat4 } from './geometry/mat4';
import { type Dims, type Volume, type VoxelArray, spacingOf, voxelCount } from './volume';

/**
 * What the viewer is given for a big scan. A 512 × 512 × 1200 CT is 629 MB of int16; NiiVue keeps
 * its own copies and a float gradient texture four times that size for the 3D render, which is
 * more than a browser tab (or a software WebGL) survives. The viewer gets every f-th voxel along
 * the finest axes until it holds at most `DISPLAY_MAX_VOXELS`; the analysis and the exports keep
 * the full grid, and the viewer's label overlay is subsampled the same way so the two line up.
 */
export const DISPLAY_MAX_VOXELS = 160 * 2 ** 20;

/** Integer step per axis: the finest axis is stepped first, until the count fits. */
export function displayStep(dims: Dims, affine: Mat4, max = DISPLAY_MAX_VOXELS): [number, number, number] {
  const step: [number, number, number] = [1, 1, 1];
  const sp = spacingOf(affine);
  const count = (): number => dims.reduce((n, d, a) => n * Math.ceil(d / step[a]!), 1);
  while (count() > max) {
    const a = [0, 1, 2].reduce((b, x) => (sp[x]! * step[x]! < sp[b]! * step[b]! ? x : b), 0);
    step[a]!++;
  }
  return step;
}

/** Every step-th voxel (nearest), same world position of each kept voxel; geometry header dropped. */
export function subsample<T extends VoxelArray>(vol: Volume<T>, step: readonly [number, number, number]): Volume<T> {
  if (step.every((s) => s === 1)) return vol;
  const [nx, ny] = vol.dims;
  const dims = vol.dims.map((d, a) => Math.ceil(d / step[a]!)) as unknown as Dims;
  const data = new (vol.data.constructor as new (n: number) => T)(voxelCount(dims));
  let o = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      const row = nx * (j * step[1] + ny * k * step[2]);
      for (let i = 0; i < dims[0]; i++) data[o++] = vol.data[row + i * step[0]]!;
    }
  }
  const affine = [...vol.affine];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) affine[r * 4 + c] = affine[r * 4 + c]! * step[c]!;
  return { dims, affine, data };
}

/**
 * The viewer's label overlay in bytes when every id fits (a spine has at most a few dozen
 * instances): half the upload of 16-bit ids, which on a big scan is seconds of WebGL time. Bytes
 * already (the pipeline's map when its ids fit) are passed on as they are.
 */
export function overlayBytes(ids: Volume<Uint8Array | Uint16Array>): Volume<Uint8Array | Uint16Array> {
  if (ids.data instanceof Uint8Array) return ids;
  let max = 0;
  for (let i = 0; i < ids.data.length; i++) if (ids.data[i]! > max) max = ids.data[i]!;
  return max > 255 ? ids : { ...ids, data: Uint8Array.from(ids.data) };
}
