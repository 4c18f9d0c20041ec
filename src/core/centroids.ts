import { ScanError } from './errors';
import { type Mat4, apply, invert } from './geometry/mat4';
import { axisCodes, parseAxisCodes } from './geometry/orientation';
import type { Dims } from './volume';

/** One vertebra centre in world RAS mm, with its VerSe label (1–24 C1–L5, 25 L6, 28 T13). */
export interface Centroid {
  label: number;
  world: [number, number, number];
}

/** The grid the voxel coordinates of a centroid file refer to. */
export interface GridRef {
  dims: Dims;
  affine: Mat4;
}

/**
 * How X/Y/Z in a VerSe centroid file are meant:
 * - 'voxel': indices along the listed `direction` axes of the referenced image (VerSe 2019/2020);
 * - 'mm': world millimetres along the listed directions (e.g. LPS mm, as DICOM).
 */
export type CentroidUnits = 'voxel' | 'mm';

const bad = (why: string): ScanError =>
  new ScanError('bad-centroids', `This centroid file cannot be read: ${why}.`, 'Use a VerSe centroid JSON: [{"direction": ["P","I","R"]}, {"label": 20, "X": …, "Y": …, "Z": …}, …].');

/** Parses a VerSe centroid JSON (already `JSON.parse`d) into world-space centroids. */
export function readCentroids(json: unknown, grid: GridRef, units: CentroidUnits): Centroid[] {
  if (!Array.isArray(json) || json.length === 0) throw bad('it is not a list');
  const head = json[0] as { direction?: unknown };
  const dir = parseAxisCodes(Array.isArray(head?.direction) ? (head.direction as string[]).join('') : '');
  if (!dir) throw bad('the first entry has no valid "direction" (three of L/R, A/P, S/I)');
  const imageAxes = parseAxisCodes(axisCodes(grid.affine))!;
  return json.slice(1).map((e: unknown, n) => {
    const { label, X, Y, Z } = (e ?? {}) as Record<string, unknown>;
    const v = [X, Y, Z];
    if (typeof label !== 'number' || !Number.isInteger(label) || !v.every((c) => typeof c === 'number' && Number.isFinite(c))) {
      throw bad(`entry ${n + 1} needs an integer "label" and numeric "X", "Y", "Z"`);
    }
    const xyz = v as number[];
    if (units === 'mm') {
      const world: [number, number, number] = [0, 0, 0];
      dir.forEach((d, i) => (world[d.worldAxis] = d.sign * xyz[i]!));
      return { label, world };
    }
    // Voxel indices along `direction`: find, for each, the image axis on the same world axis.
    const ijk: [number, number, number] = [0, 0, 0];
    dir.forEach((d, i) => {
      const a = imageAxes.findIndex((o) => o.worldAxis === d.worldAxis);
      ijk[a] = imageAxes[a]!.sign === d.sign ? xyz[i]! : grid.dims[a]! - 1 - xyz[i]!;
    });
    return { label, world: apply(grid.affine, ijk) };
  });
}

/** Writes centroids as VerSe JSON; 'voxel' uses the grid's own axes and indices (as VerSe files do). */
export function writeCentroids(centroids: readonly Centroid[], grid: GridRef, units: CentroidUnits): unknown[] {
  const round = (x: number): number => Math.round(x * 100) / 100;
  if (units === 'mm') {
    return [{ direction: ['R', 'A', 'S'] }, ...centroids.map((c) => ({ label: c.label, X: round(c.world[0]), Y: round(c.world[1]), Z: round(c.world[2]) }))];
  }
  const inv = invert(grid.affine);
  if (!inv) throw bad('the image geometry is not invertible');
  return [
    { direction: Array.from(axisCodes(grid.affine)) },
    ...centroids.map((c) => {
      const [X, Y, Z] = apply(inv, c.world);
      return { label: c.label, X: round(X), Y: round(Y), Z: round(Z) };
    }),
  ];
}
