import { mkdirSync } from 'node:fs';
import { expect, test } from './fixtures';
import { colouredShare } from './pixels';

if (process.env.SCREENSHOTS) mkdirSync('docs/screenshots', { recursive: true });

const rowsOf = async (page: import('@playwright/test').Page): Promise<{ label: number; before: number }[]> =>
  page.getByTestId('vertebra-row').evaluateAll((rows) => rows.map((r) => ({ label: Number(r.getAttribute('data-label')), before: Number(r.getAttribute('data-before')) })));

test('the sample is analysed on start: progress, backend, labelled overlay and table', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByTestId('progress')).toBeVisible();
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend')).toContainText('2 threads');
  // The sample holds 24 vertebrae; the table lists what was found, cranial → caudal.
  expect(await page.getByTestId('vertebra-row').count()).toBeGreaterThanOrEqual(12);
  const z = await page.getByTestId('vertebra-row').evaluateAll((rows) => rows.map((r) => (JSON.parse(r.getAttribute('data-centroid')!) as number[])[2]!));
  expect(z).toEqual([...z].sort((a, b) => b - a));
  await expect.poll(async () => colouredShare(await page.getByTestId('viewer-canvas').screenshot()), { timeout: 15_000 }).toBeGreaterThan(0.005);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/sample-analysed.png' });
});

test('a 4K reading-room display: the layout scales, labels and table visible', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 3840, height: 2160 });
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  const table = await page.getByTestId('vertebrae').boundingBox();
  const canvas = await page.getByTestId('viewer-canvas').boundingBox();
  expect(canvas!.width).toBeGreaterThan(2400);
  expect(table!.x).toBeGreaterThan(canvas!.width - 10); // side panel beside the viewer, not under it
  if (process.env.SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/sample-4k.png' });
});

test('each fusion control changes labels where expected and back, without re-running the networks', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  const timings = await page.getByTestId('timings').textContent();
  const fused = await rowsOf(page);
  const alone = fused.map((r) => r.before);
  // On the sample, fusion matters: the paper's settings change some of the identifier's labels.
  expect(fused.some((r) => r.label !== r.before)).toBe(true);
  const labels = async (): Promise<number[]> => (await rowsOf(page)).map((r) => r.label);
  const back = async (): Promise<void> => {
    await page.getByTestId('fusion-reset').click();
    expect(await labels()).toEqual(fused.map((r) => r.label));
  };
  // Our sequence decoding: labels strictly increase cranial → caudal (set-asides, 0, aside). With fusion
  // off (hops 0) the identifier's own labels on the sample do not, so the decoding must change them;
  // off, each vertebra takes its own (here: unfused) argmax.
  const increasing = (l: number[]): boolean => l.filter((x) => x > 0).every((x, i, a) => i === 0 || x > a[i - 1]!);
  expect(increasing(fused.map((r) => r.label))).toBe(true);
  expect(increasing(alone)).toBe(false);
  await page.getByTestId('fusion-hops').fill('0');
  expect(increasing(await labels())).toBe(true);
  await page.getByTestId('fusion-order').uncheck();
  expect(await labels()).toEqual(alone);
  await back();
  await page.getByTestId('fusion-order').uncheck();
  const unordered = await labels();
  // With it off, each of hops 0, θ 0 and one neighbour switches fusion off: exactly the identifier's labels.
  for (const off of [
    () => page.getByTestId('fusion-hops').fill('0'),
    () => page.getByTestId('fusion-theta').fill('0'),
    () => page.getByTestId('fusion-neighbours').selectOption('1'),
  ]) {
    await page.getByTestId('fusion-order').uncheck();
    expect(await labels()).toEqual(unordered);
    await off();
    expect(await labels()).toEqual(alone);
    await back();
  }
  // The paper's literal weighting at a strong θ gives a different labelling here (docs/EVAL.md, Fig. 7).
  await page.getByTestId('fusion-order').uncheck();
  await page.getByTestId('fusion-weighting').selectOption('literal');
  await page.getByTestId('fusion-theta').fill('0.5');
  await page.getByTestId('fusion-hops').fill('5');
  expect(await labels()).not.toEqual(unordered);
  await back();
  await expect(page.getByTestId('fusion-order')).toBeChecked();
  await expect(page.getByTestId('fusion-weighting')).toHaveValue('certainty');
  expect(await page.getByTestId('timings').textContent()).toBe(timings); // no new run
  if (process.env.SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/fusion-controls.png' });
});

test('relabels repaint the overlay at once: vertebrae set aside vanish from the image, undo brings them back', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  const share = async (): Promise<number> => colouredShare(await page.getByTestId('viewer-canvas').screenshot());
  await expect.poll(share, { timeout: 15_000 }).toBeGreaterThan(0.005);
  const shown = await share();
  const n = await page.getByTestId('relabel').count();
  for (let i = 0; i < n; i++) await page.getByTestId('relabel').nth(i).selectOption('0');
  await expect.poll(share, { timeout: 5_000 }).toBeLessThan(shown / 2); // the crosshair stays coloured
  for (let i = 0; i < n; i++) await page.getByTestId('undo').click();
  await expect.poll(share, { timeout: 5_000 }).toBeGreaterThan(shown * 0.9);
});

test('cancel mid-run leaves a usable app that can analyse again', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByTestId('progress')).toBeVisible();
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('cancelled')).toBeVisible();
  await page.getByRole('button', { name: 'Run again' }).click();
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  expect((await rowsOf(page)).length).toBeGreaterThan(0);
});

test('two scans dropped quickly: the first run is cancelled, only the second result shows', async ({ page }) => {
  test.setTimeout(240_000);
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const sample = readFileSync(join(import.meta.dirname, '..', 'public', 'samples', 'sample-spine.nii.gz'));
  await page.goto('/?empty');
  await page.getByTestId('file-input').setInputFiles({ name: 'first.nii.gz', mimeType: 'application/gzip', buffer: sample });
  await expect(page.getByTestId('progress')).toBeVisible();
  await page.getByTestId('file-input').setInputFiles({ name: 'second.nii.gz', mimeType: 'application/gzip', buffer: sample });
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await expect(page.getByTestId('scan-name')).toHaveText('second.nii.gz');
  expect(await page.getByTestId('vertebra-row').count()).toBeGreaterThan(0);
});

test('the table matches the overlay: each row centres the crosshair on its vertebra, whose overlay label is the row’s', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  const n = await page.getByTestId('vertebra-row').count();
  let matched = 0;
  for (let i = 0; i < n; i++) {
    const row = page.getByTestId('vertebra-row').nth(i);
    const centroid = JSON.parse((await row.getAttribute('data-centroid'))!) as number[];
    const name = await row.locator('select').evaluate((s: HTMLSelectElement) => s.selectedOptions[0]!.text);
    await row.locator('td').nth(2).click();
    await expect.poll(async () => {
      const c = JSON.parse((await page.getByTestId('viewer').getAttribute('data-crosshair')) || '[0,0,0]') as number[];
      return Math.hypot(c[0]! - centroid[0]!, c[1]! - centroid[1]!, c[2]! - centroid[2]!);
    }).toBeLessThan(3);
    // The body centre lies in its own vertebra's mask for all but odd shapes (a fracture, a cut).
    if ((await page.getByTestId('hover-label').textContent()) === name) matched++;
  }
  expect(matched).toBeGreaterThanOrEqual(Math.ceil(0.9 * n));
});

test('hovering the image shows the label under the mouse, wherever the crosshair is', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  const names = new Map(await page.getByTestId('vertebra-row').evaluateAll((rows) =>
    rows.map((r) => [Number(r.getAttribute('data-id')), r.querySelector('select')!.selectedOptions[0]!.text] as [number, string])));
  const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
  const label = page.getByTestId('hover-label');
  const seen = new Set<number>();
  for (let y = 0.05; y < 1; y += 0.03) {
    for (let x = 0.05; x < 1; x += 0.05) {
      await page.mouse.move(box.x + x * box.width, box.y + y * box.height);
      const id = Number(await label.getAttribute('data-pointer'));
      if (!id) continue;
      seen.add(id);
      await expect(label).toHaveText(names.get(id)!);
    }
  }
  expect(seen.size).toBeGreaterThanOrEqual(3); // several vertebrae under the mouse in the slices
  await page.mouse.move(box.x + box.width + 50, box.y + 10); // off the image: back to the crosshair's label
  await expect(label).toHaveAttribute('data-pointer', '0');
});
