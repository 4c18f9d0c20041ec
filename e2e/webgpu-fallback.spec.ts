import type { Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import { expect, test } from './fixtures';

/** With a WebGPU adapter (SwiftShader): a failing WebGPU session creation must fall back to WASM. */
test.use({ launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu', '--enable-features=Vulkan'] } });

/** Skips the test where this Chromium build exposes no WebGPU adapter even with --enable-unsafe-webgpu. */
async function needAdapter(page: Page): Promise<void> {
  const adapter = await page.evaluate(async () => !!(await (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()));
  test.skip(!adapter, 'this chromium build exposes no WebGPU adapter even with --enable-unsafe-webgpu');
}

test('a failing WebGPU session creation falls back to WASM with a visible note', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?gpufail');
  await needAdapter(page);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('backend')).toContainText('WebGPU failed');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
});

test('a WebGPU device lost during the analysis: the run continues on WASM with a visible note', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?gpulost');
  await needAdapter(page);
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 280_000 });
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend')).toHaveAttribute('title', /WebGPU stopped during the analysis/);
  expect(await page.getByTestId('vertebra-row').count()).toBeGreaterThan(12);
});
