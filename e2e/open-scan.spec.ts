import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readNifti } from '../src/core/nifti/readNifti';
import { expect, test } from './fixtures';

const SAMPLE = join(import.meta.dirname, '..', 'public', 'samples', 'sample-spine.nii.gz');
/** What the page must show for the sample, read by the project's own (unit-tested) reader. */
const sampleInfo = readNifti(new Uint8Array(readFileSync(SAMPLE))).info;
const SAMPLE_DIMS = sampleInfo.dims.join(' × ');
const SAMPLE_SPACING = `${sampleInfo.spacing.map((v) => +v.toFixed(2)).join(' × ')} mm`;

/** Share of pixels in the canvas that are not background: a rendered CT is far from blank. */
function nonBlankShare(png: Buffer): number {
  const img = PNG.sync.read(png);
  let lit = 0;
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i]! + img.data[i + 1]! + img.data[i + 2]! > 60) lit++;
  return lit / (img.width * img.height);
}

test('the built-in sample opens on start', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('scan-name')).toHaveText('sample-spine.nii.gz');
  await expect(page.getByTestId('scan-dims')).toHaveText(SAMPLE_DIMS);
  await expect(page.getByTestId('scan-orientation')).toHaveText('LPS');
});

test('a dropped NIfTI renders in multi-planar view with its dimensions shown', async ({ page }) => {
  await page.goto('/?empty');
  const canvas = page.getByTestId('viewer-canvas');
  const before = nonBlankShare(await canvas.screenshot());
  await page.getByTestId('file-input').setInputFiles({ name: 'dropped.nii.gz', mimeType: 'application/gzip', buffer: readFileSync(SAMPLE) });
  await expect(page.getByTestId('scan-dims')).toHaveText(SAMPLE_DIMS);
  await expect(page.getByTestId('scan-spacing')).toHaveText(SAMPLE_SPACING);
  await expect.poll(async () => nonBlankShare(await canvas.screenshot()), { timeout: 15_000 }).toBeGreaterThan(0.1);
  expect(before).toBeLessThan(0.02);
});

test('the page is cross-origin isolated (WASM threads available)', async ({ page }) => {
  await page.goto('/?empty');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
});

test('a file that is not a scan shows a clear message and the app stays usable', async ({ page }) => {
  await page.goto('/?empty');
  await page.getByTestId('file-input').setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n'.repeat(40)) });
  await expect(page.getByTestId('problem')).toContainText('None of the dropped files is a NIfTI image');
  await page.getByTestId('file-input').setInputFiles({ name: 'next.nii.gz', mimeType: 'application/gzip', buffer: readFileSync(SAMPLE) });
  await expect(page.getByTestId('scan-dims')).toHaveText(SAMPLE_DIMS);
  await expect(page.getByTestId('problem')).toHaveCount(0);
});

test('a truncated NIfTI is refused with what to do next', async ({ page }) => {
  await page.goto('/?empty');
  const gz = readFileSync(SAMPLE);
  await page.getByTestId('file-input').setInputFiles({ name: 'cut.nii.gz', mimeType: 'application/gzip', buffer: gz.subarray(0, gz.length >> 1) });
  await expect(page.getByTestId('problem')).toHaveAttribute('data-code', 'truncated');
  await expect(page.getByTestId('problem')).toContainText('cut off during download or copy');
});

test('a missing sample says so and leaves the app ready for a file', async ({ page, consoleErrors }) => {
  await page.route('**/samples/sample-spine.nii.gz', (r) => r.fulfill({ status: 404, body: '' }));
  await page.goto('/');
  await expect(page.getByTestId('problem')).toContainText('built-in sample scan could not be loaded');
  // The browser logs the deliberate 404; any other console error still fails the test.
  const i = consoleErrors.findIndex((e) => /404/.test(e));
  expect(i).toBeGreaterThanOrEqual(0);
  consoleErrors.splice(i, 1);
  await page.getByTestId('file-input').setInputFiles({ name: 'mine.nii.gz', mimeType: 'application/gzip', buffer: readFileSync(SAMPLE) });
  await expect(page.getByTestId('scan-dims')).toHaveText(SAMPLE_DIMS);
});
