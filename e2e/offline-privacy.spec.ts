import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures';

const SAMPLE = join(import.meta.dirname, '..', 'public', 'samples', 'sample-spine.nii.gz');

test('after one visit the app works offline: reload, analyse the sample and a dropped scan, threads on', async ({ page, context }) => {
  test.setTimeout(400_000);
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  // The service worker has precached everything once it is active.
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!reg.active) throw new Error('no active service worker');
  });
  await context.setOffline(true);
  await page.reload();
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await expect(page.getByTestId('backend')).toContainText('2 threads');
  await page.getByTestId('file-input').setInputFiles({ name: 'offline.nii.gz', mimeType: 'application/gzip', buffer: readFileSync(SAMPLE) });
  await expect(page.getByTestId('scan-name')).toHaveText('offline.nii.gz');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await context.setOffline(false);
});

test('no request ever leaves the app’s origin (open, analyse, export)', async ({ page, baseURL }) => {
  test.setTimeout(300_000);
  const origin = new URL(baseURL!).origin;
  const foreign: string[] = [];
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin) foreign.push(u);
  });
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  for (const id of ['export-mask', 'export-ctd', 'export-csv', 'export-png']) {
    await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
  }
  await page.getByTestId('file-input').setInputFiles({ name: 'again.nii.gz', mimeType: 'application/gzip', buffer: readFileSync(SAMPLE) });
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  expect(foreign).toEqual([]);
  // And the policy says so: no other origin may be contacted.
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("connect-src 'self'");
});
