import { expect, it } from 'vitest';
import { canonicalGrid, fromCanonical, toCanonical } from '../geometry/canonical';
import { cutNote, measureInstances } from './measure';

it('measures volume (ml) and world centroid per instance, the same on the canonical and the original grid', () => {
  // PIR grid, 1 × 1 × 3 mm: a 10 × 10 × 4 block of id 3 (1200 mm³) and one voxel of id 7.
  const dims = [20, 20, 8] as const;
  const affine = [0, 0, 3, -10, -1, 0, 0, 50, 0, -1, 0, 20, 0, 0, 0, 1];
  const data = new Uint8Array(20 * 20 * 8);
  for (let k = 2; k < 6; k++) for (let j = 5; j < 15; j++) for (let i = 3; i < 13; i++) data[i + 20 * (j + 20 * k)] = 3;
  data[0] = 7;
  const src = { dims, affine, data };
  const [a, b] = measureInstances(src);
  expect(a).toMatchObject({ id: 3, voxels: 400, cutBy: [] });
  expect(a!.volumeMl).toBeCloseTo(1.2, 9);
  // Centre voxel (7.5, 9.5, 3.5) → x = 3·3.5 − 10, y = −7.5 + 50, z = −9.5 + 20.
  a!.centroid.forEach((v, i) => expect(v).toBeCloseTo([0.5, 42.5, 10.5][i]!, 9));
  // Voxel (0, 0, 0) lies on three faces: i = 0 looks anterior (axis 0 runs P), j = 0 superior
  // (axis 1 runs I), k = 0 to the patient's left (axis 2 runs R).
  expect(b).toMatchObject({ id: 7, voxels: 1, volumeMl: 0.003, cutBy: ['S', 'A', 'L'] });
  // The same instances resampled to canonical 1 mm keep their volume and centre.
  const grid = canonicalGrid(dims, affine, 1);
  const canon = measureInstances(toCanonical(src, grid, 'nearest'));
  expect(canon[0]!.volumeMl).toBeCloseTo(1.2, 1);
  canon[0]!.centroid.forEach((v, i) => expect(v).toBeCloseTo(a!.centroid[i]!, 0));
  expect(measureInstances(fromCanonical(toCanonical(src, grid, 'nearest'), grid))).toEqual(measureInstances(src));
});

it('names the faces of the scan that cut a mask, from the last slice of each axis too', () => {
  // RAS 1 mm grid, 4 × 4 × 6: id 1 reaches the top slice (k = 5), id 2 the last row (j = 3, anterior)
  // and the first slice (k = 0, inferior); id 3 lies inside.
  const dims = [4, 4, 6] as const;
  const data = new Uint8Array(96);
  const at = (i: number, j: number, k: number): number => i + 4 * (j + 4 * k);
  data[at(1, 1, 5)] = data[at(1, 1, 4)] = 1;
  data[at(2, 3, 0)] = 2;
  data[at(1, 2, 2)] = 3;
  const m = measureInstances({ dims, affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], data });
  expect(m.map((x) => [x.id, x.cutBy])).toEqual([[1, ['S']], [2, ['I', 'A']], [3, []]]);
  expect(cutNote([])).toBe('');
  expect(cutNote(['S'])).toBe("The scan's top (head) edge cuts this vertebra: its volume counts only the part inside the scan.");
  expect(cutNote(['I', 'A'])).toMatch(/^The scan's bottom \(feet\) and front edges cut this vertebra/);
});
