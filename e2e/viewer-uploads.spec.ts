import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { colouredShare } from './pixels';

const SAMPLE = readFileSync(join(import.meta.dirname, '..', 'public', 'samples', 'sample-spine.nii.gz'));
const VOXELS = 153 * 153 * 208; // the sample's grid
const GL_SHORT = 0x1402;
const GL_UNSIGNED_BYTE = 0x1401;
const GL_RED_INTEGER = 0x8d94;

/**
 * What reaches the GPU is what a big scan waits for: on this machine's software WebGL a 512 × 512 × 600
 * CT takes 4–25 s per upload. The CT goes up once per scan; the labels go up once per analysis, one
 * byte per voxel; recolouring (fusion, corrections) never touches the CT.
 */
test('the CT is uploaded to WebGL once per scan, the labels once per analysis as bytes; recolouring leaves the CT alone', async ({ page }) => {
  test.setTimeout(300_000);
  await page.addInitScript(() => {
    const uploads: number[][] = [];
    (window as unknown as { uploads: number[][] }).uploads = uploads;
    const proto = WebGL2RenderingContext.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const original = proto.texSubImage3D!;
    proto.texSubImage3D = function (this: WebGL2RenderingContext, ...a: unknown[]) {
      const [w, h, d, format, type] = a.slice(5, 10) as number[];
      uploads.push([w! * h! * d!, format!, type!]);
      return original.apply(this, a);
    };
  });
  const count = async (format: number | null, type: number): Promise<number> =>
    page.evaluate(([v, f, t]) => (window as unknown as { uploads: number[][] }).uploads.filter(([n, ff, tt]) => n === v && (f === null || ff === f) && tt === t).length, [VOXELS, format, type] as const);
  const open = async (name: string): Promise<void> => {
    await page.getByTestId('file-input').setInputFiles({ name, mimeType: 'application/gzip', buffer: SAMPLE });
    await expect(page.getByTestId('scan-name')).toHaveText(name);
    await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
    await expect.poll(async () => colouredShare(await page.getByTestId('viewer-canvas').screenshot()), { timeout: 15_000 }).toBeGreaterThan(0.005);
  };
  await page.goto('/?empty');
  await open('first.nii.gz');
  expect(await count(null, GL_SHORT)).toBe(1); // the int16 CT
  expect(await count(GL_RED_INTEGER, GL_UNSIGNED_BYTE)).toBe(1); // the labels
  await page.getByTestId('fusion-hops').fill('0');
  await page.getByTestId('fusion-reset').click();
  await page.getByTestId('relabel').first().selectOption('0');
  await page.getByTestId('undo').click();
  expect(await count(null, GL_SHORT)).toBe(1); // (NiiVue colours labels as it uploads them: those go up again)
  const labels = await count(GL_RED_INTEGER, GL_UNSIGNED_BYTE);
  // A second scan replaces both: one more CT upload, one more label upload, its labels shown.
  await open('second.nii.gz');
  expect(await count(null, GL_SHORT)).toBe(2);
  expect(await count(GL_RED_INTEGER, GL_UNSIGNED_BYTE)).toBe(labels + 1);
});
