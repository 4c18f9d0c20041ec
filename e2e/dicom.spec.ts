import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { apply } from '../src/core/geometry/mat4';
import { realDataDir } from '../src/testing/realData';
import { expect, test } from './fixtures';

/**
 * A real 20-slice Siemens CT series, converted in the browser by dcm2niix (wasm), must land on the
 * same grid as TotalSegmentator's label file of the same scan (nibabel's numbers, in the fixture), with
 * the warning that it is too short to label.
 */
test.describe('DICOM series', () => {
  const dir = join(realDataDir(), 'totalsegmentator', 'example_ct_dicom');
  const files = readdirSync(dir).map((f) => join(dir, f));
  const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'src', 'core', '__fixtures__', 'nibabel-world.json'), 'utf8')) as { cases: { file: string; shape: number[]; affine: number[][] }[] };
  const ref = fixture.cases.find((c) => c.file.endsWith('example_seg_dicom.nii.gz'))!;

  for (const via of ['file-input', 'folder-input'] as const) {
    test(`opens from the ${via === 'file-input' ? 'picked files' : 'picked folder'} with the reference geometry (corners within 1 mm)`, async ({ page }) => {
      await page.goto('/?empty');
      await page.getByTestId(via).setInputFiles(via === 'file-input' ? files : dir);
      const info = page.getByTestId('scan-info');
      await expect(page.getByTestId('scan-dims')).toHaveText('512 × 512 × 20', { timeout: 60_000 });
      const affine = JSON.parse((await info.getAttribute('data-affine'))!) as number[];
      const [nx, ny, nz] = ref.shape as [number, number, number];
      for (const c of [[0, 0, 0], [nx - 1, 0, 0], [0, ny - 1, 0], [0, 0, nz - 1], [nx - 1, ny - 1, nz - 1]] as [number, number, number][]) {
        const got = apply(affine, c);
        const want = apply(ref.affine.flat(), c);
        const dist = Math.hypot(got[0] - want[0], got[1] - want[1], got[2] - want[2]);
        expect(dist, `corner ${c}`).toBeLessThan(1);
      }
      await expect(page.getByTestId('scan-spacing')).toHaveText('0.98 × 0.98 × 2 mm');
      // 20 slices of 2 mm: the radiologist is told this is too short to label (src/core/coverage.ts).
      await expect(page.getByTestId('warnings')).toContainText('reaches only 40 mm from head to foot');
    });
  }
});
