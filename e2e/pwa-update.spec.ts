import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
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

test('a new version is announced, held back mid-run, and applied by the reload after it', async ({ page }) => {
  test.setTimeout(300_000);
  // A returning user: the page is controlled by the installed service worker.
  await page.goto('/?empty');
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
  await page.goto('/');
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  const original = readFileSync(SW, 'utf8');
  try {
    // A new deployment: the service worker changes (and answers which version it is); the browser finds it on its next check.
    writeFileSync(SW, `${original}\n${NEXT_VERSION}\n`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    const banner = page.getByTestId('update');
    await expect(banner).toBeVisible({ timeout: 60_000 });
    // Mid-run the update waits, and the old version keeps control.
    await page.getByTestId('file-input').setInputFiles({ name: 'during-update.nii.gz', mimeType: 'application/gzip', buffer: SAMPLE });
    await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'running');
    await expect(banner.getByRole('button')).toBeDisabled();
    await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
    expect(await controllerVersion(page)).toBe('none');
    // After it, the user applies it: the page reloads into the new version.
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await banner.getByRole('button').click();
    await reloaded;
    await expect.poll(() => controllerVersion(page), { timeout: 30_000 }).toBe('next');
    await expect(page.getByTestId('update')).toHaveCount(0);
  } finally {
    writeFileSync(SW, original);
  }
});

/** Appended to the deployed sw.js: the new version answers "next" when asked. */
const NEXT_VERSION = `self.addEventListener('message', (e) => { if (e.data === 'version?') e.ports[0].postMessage('next'); });`;

/** Which version controls the page: "next" from the new worker, "none" when the controller does not answer. */
function controllerVersion(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (e) => resolve(String(e.data));
        navigator.serviceWorker.controller?.postMessage('version?', [channel.port2]);
        setTimeout(() => resolve('none'), 2000);
      }),
  );
}
