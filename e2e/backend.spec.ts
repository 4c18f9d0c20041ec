import { expect, test } from './fixtures';

/** WebGPU → WASM fallback, each path forced, with the reason shown to the user. */
test('without a WebGPU adapter the models run on WASM and the page says why', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('backend')).toContainText(/WebGPU|adapter/);
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
});

test('WASM forced by ?wasm', async ({ page }) => {
  await page.goto('/?wasm');
  await expect(page.getByTestId('backend')).toContainText('WASM requested', { timeout: 60_000 });
});

