import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { readCentroids } from '../src/core/centroids';
import { readNifti } from '../src/core/nifti/readNifti';
import { expect, test } from './fixtures';

const labels = (page: Page): Promise<number[]> => page.getByTestId('vertebra-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-label'))));

async function analysed(page: Page): Promise<number[]> {
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  return labels(page);
}

async function saved(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: dl.suggestedFilename(), bytes: readFileSync((await dl.path())!) };
}

test('corrections: relabel, undo/redo, shift all, anchor; each survives fusion changes', async ({ page }) => {
  test.setTimeout(240_000);
  const start = await analysed(page);
  const first = page.getByTestId('vertebra-row').first();
  const other = start[0] === 3 ? 4 : 3;
  await first.getByTestId('relabel').selectOption(String(other));
  await expect(first).toHaveAttribute('data-corrected', 'true');
  await expect(first).toHaveAttribute('data-label', String(other));
  // A fusion change keeps the correction.
  await page.getByTestId('fusion-hops').fill('5');
  await expect(first).toHaveAttribute('data-label', String(other));
  await page.getByTestId('fusion-reset').click();
  await page.getByTestId('undo').click();
  expect(await labels(page)).toEqual(start);
  await page.getByTestId('redo').click();
  await expect(first).toHaveAttribute('data-label', String(other));
  await page.getByTestId('undo').click();

  await page.getByTestId('shift-down').click();
  // Every level moves; a mask the decoder had set aside (label 0: here the sacrum) stays aside.
  const shifted = await labels(page);
  start.forEach((l, i) => expect(shifted[i]).toBe(l === 0 ? 0 : Math.min(24, l + 1)));
  await page.keyboard.press('Control+z');
  expect(await labels(page)).toEqual(start);

  // "The last vertebra is L5" (below it, the mask set aside, if any): the rest are numbered from it.
  const lastAt = start.findLastIndex((l) => l !== 0);
  const last = page.getByTestId('vertebra-row').nth(lastAt);
  await last.getByTestId('relabel').selectOption('24');
  await last.getByTestId('anchor').click();
  const anchored = (await labels(page)).slice(0, lastAt + 1);
  expect(anchored[lastAt]).toBe(24);
  anchored.forEach((l, i) => i > 0 && l >= 1 && anchored[i - 1]! >= 1 && expect(l - anchored[i - 1]!).toBe(1));

  // Transitional: mark the last one L6.
  await last.getByTestId('relabel').selectOption('25');
  await expect(last.locator('select')).toHaveValue('25');
  if (process.env.SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/corrections.png' });
});

test('exports parse back to what is shown: NIfTI label map, centroid JSON, CSV, PNG', async ({ page }) => {
  test.setTimeout(240_000);
  // Masks set aside (label 0, not vertebrae) are listed but neither drawn nor exported.
  const shown = (await analysed(page)).filter((l) => l !== 0);
  const mask = await saved(page, 'export-mask');
  expect(mask.name).toBe('sample-spine_seg-vert_msk.nii.gz');
  const map = readNifti(new Uint8Array(mask.bytes), { kind: 'label' }).volume;
  const dims = await page.getByTestId('scan-dims').textContent();
  expect(map.dims.join(' × ')).toBe(dims);
  // Every level shown is in the map (two vertebrae given the same level share its value).
  expect([...new Set(map.data)].filter((l) => l > 0).sort((a, b) => a - b)).toEqual([...new Set(shown)].sort((a, b) => a - b));

  const ctd = await saved(page, 'export-ctd');
  expect(ctd.name).toBe('sample-spine_ctd.json');
  const affine = JSON.parse((await page.getByTestId('scan-info').getAttribute('data-affine'))!) as number[];
  const cs = readCentroids(JSON.parse(ctd.bytes.toString()), { dims: map.dims, affine }, 'voxel');
  expect(cs.map((c) => c.label)).toEqual([...shown].sort((a, b) => a - b));

  const csv = await saved(page, 'export-csv');
  expect(csv.name).toBe('sample-spine_vertebrae.csv');
  const rows = csv.bytes.toString().trim().split('\n').slice(1).map((r) => Number(r.split(',')[0]));
  expect(rows).toEqual(shown);

  const png = await saved(page, 'export-png');
  expect(png.name).toBe('sample-spine_screenshot.png');
  const img = PNG.sync.read(png.bytes);
  expect(img.width).toBeGreaterThan(300);
});

test('keyboard help lists the shortcuts', async ({ page }) => {
  await page.goto('/?empty');
  await expect(page.getByTestId('help-button')).toBeVisible(); // the app (and its key handler) is up
  await page.keyboard.press('?');
  await expect(page.getByTestId('help')).toContainText('Ctrl+Z');
  if (process.env.SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/help.png' });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help')).toHaveCount(0);
});
