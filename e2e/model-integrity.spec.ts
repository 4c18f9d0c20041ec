import { expect, test } from './fixtures';

// The models must come from the network here, not from the service worker's precache.
test.use({ serviceWorkers: 'block' });

for (const [what, change] of [
  ['corrupted', (b: Buffer): Buffer => Buffer.from(b.map((x, i) => (i % 4099 === 100 ? x ^ 0xff : x)))],
  ['swapped (another model’s weights)', (_: Buffer, other: Buffer): Buffer => other],
] as const) {
  test(`a model file ${what} is refused by its hash with a clear message; nothing is analysed with it`, async ({ page, context, baseURL }) => {
    test.setTimeout(120_000);
    const encoder = await (await fetch(`${baseURL}/models/encoder.onnx`)).arrayBuffer();
    await context.route('**/models/segmenter.onnx', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, body: change(await res.body(), Buffer.from(encoder)) });
    });
    await page.goto('/');
    await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'error', { timeout: 60_000 });
    await expect(page.getByTestId('analysis-problem')).toContainText('segmenter model file does not match the manifest');
    await expect(page.getByTestId('analysis-problem')).toContainText('Reload the page');
    expect(await page.getByTestId('vertebra-row').count()).toBe(0);
  });
}
