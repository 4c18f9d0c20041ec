import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures';

const SW = join(import.meta.dirname, '..', 'dist', 'sw.js');
const SAMPLE = readFileSync(join(import.meta.dirname, '..', 'public', 'samples', 'sample-spine.nii.gz'));

test('installable: the web manifest names the app and its icons, all served from the app itself', async ({ page, baseURL }) => {
  await page.goto('/?empty');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = (await (await page.request.get(new URL(href!, baseURL).href)).json()) as { name: string; display: string; icons: { src: string; sizes: string }[] };
  expect(manifest.name).toBe('SpineCLUE Web');
  expect(manifest.display).toBe('standalone');
  expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of manifest.icons) expect((await page.request.get(new URL(icon.src, baseURL).href)).ok()).toBe(true);
});

test('a new version is announced and can not be applied mid-run, only after it', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
  const original = readFileSync(SW, 'utf8');
  try {
    // A new deployment: the service worker script changes; the browser finds it on its next check.
    writeFileSync(SW, `${original}\n// next version\n`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    const banner = page.getByTestId('update');
    await expect(banner).toBeVisible({ timeout: 60_000 });
    // Mid-run the update waits.
    await page.getByTestId('file-input').setInputFiles({ name: 'during-update.nii.gz', mimeType: 'application/gzip', buffer: SAMPLE });
    await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'running');
    await expect(banner.getByRole('button')).toBeDisabled();
    await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
    // After it, the user may apply it (vite-plugin-pwa reloads into the new version).
    await expect(banner.getByRole('button')).toBeEnabled();
  } finally {
    writeFileSync(SW, original);
  }
});
