import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNifti } from '../src/core/nifti/readNifti';
import { writeNifti } from '../src/core/nifti/writeNifti';
import { expect, test } from './fixtures';

const SAMPLE = join(import.meta.dirname, '..', 'public', 'samples', 'sample-spine.nii.gz');


/** The sample phantom resampled (nearest) to 512 × 512 × 1200 int16 voxels: a big, thin-slice CT (629 MB). */
function bigScan(): string {
  const path = join(tmpdir(), 'spineclue-512x512x1200.nii');
  if (existsSync(path)) return path;
  const src = readNifti(new Uint8Array(readFileSync(SAMPLE))).volume;
  const [sx, sy, sz] = src.dims;
  const [nx, ny, nz] = [512, 512, 1200];
  const data = new Int16Array(nx * ny * nz);
  const ix = Int32Array.from({ length: nx }, (_, i) => Math.min(sx - 1, Math.floor((i * sx) / nx)));
  const iy = Int32Array.from({ length: ny }, (_, j) => Math.min(sy - 1, Math.floor((j * sy) / ny)));
  let o = 0;
  for (let k = 0; k < nz; k++) {
    const kk = Math.min(sz - 1, Math.floor((k * sz) / nz)) * sx * sy;
    for (let j = 0; j < ny; j++) {
      const jj = kk + iy[j]! * sx;
      for (let i = 0; i < nx; i++) data[o++] = src.data[jj + ix[i]!]!;
    }
  }
  // Same field of view: voxel size scaled by the resampling, same corner.
  const a = [...src.affine];
  for (let r = 0; r < 3; r++) for (const [c, f] of [[0, sx / nx], [1, sy / ny], [2, sz / nz]] as const) a[r * 4 + c] = a[r * 4 + c]! * f;
  writeFileSync(path, writeNifti({ dims: [nx, ny, nz], affine: a, data }, { gzip: false }));
  return path;
}

/**
 * Resident memory (bytes) of Chromium's renderer processes: the page, its pipeline worker, ORT's
 * WASM threads and heaps, buffers and canvases all live there. (measureUserAgentSpecificMemory
 * would be finer but waits on ORT's idle threads, which block in Atomics.wait, for minutes.)
 */
const memory = (): number => {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
};

test('a 512 × 512 × 1200 int16 CT (629 MB) is analysed without the tab dying', async ({ page }) => {
  test.setTimeout(600_000);
  const path = bigScan();
  await page.goto('/?empty');
  await page.getByTestId('file-input').setInputFiles(path);
  await expect(page.getByTestId('scan-dims')).toContainText('512', { timeout: 120_000 });
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 480_000 });
  expect(await page.getByTestId('vertebra-row').count()).toBeGreaterThanOrEqual(12);
  console.log(`big scan: ${await page.getByTestId('timings').textContent()}; renderer memory after ${(memory() / 2 ** 20).toFixed(0)} MB`);
});

test('memory is released after each run: three consecutive runs grow the tab’s memory by < 10 %', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/?empty');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true); // threads on, as in use
  const sample = readFileSync(SAMPLE);
  const runOnce = async (i: number): Promise<number> => {
    await page.getByTestId('file-input').setInputFiles({ name: `run-${i}.nii.gz`, mimeType: 'application/gzip', buffer: sample });
    await expect(page.getByTestId('scan-name')).toHaveText(`run-${i}.nii.gz`);
    await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
    await page.waitForTimeout(1000); // let the worker drop what the run held
    return memory();
  };
  // Two runs first: models loaded, sessions created, and ORT's WASM heap grown to what a run needs.
  await runOnce(0);
  const warm = await runOnce(1);
  const after = [await runOnce(2), await runOnce(3), await runOnce(4)];
  console.log(`renderer memory after runs 1–4: ${[warm, ...after].map((b) => (b / 2 ** 20).toFixed(0)).join(', ')} MB`);
  expect(after[2]! / warm).toBeLessThan(1.1);
});
