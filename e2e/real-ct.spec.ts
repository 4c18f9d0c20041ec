import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realDataDir } from '../src/testing/realData';
import { expect, test } from './fixtures';
import { colouredShare } from './pixels';

/**
 * Every real CT in ../shared, analysed in the browser: labels appear over the scan. With
 * SCREENSHOTS=1 the result is saved to docs/screenshots/ (committed, linked from the README).
 */
const CASES = [
  ['verse006', 'verse/sub-verse006_ct.nii.gz'],
  ['verse008', 'verse/sub-verse008_ct.nii.gz'],
  ['tptbox', 'tptbox/sub-ct_label-22_ct.nii.gz'],
  ['totalseg', 'totalsegmentator/example_ct.nii.gz'],
] as const;

for (const [name, rel] of CASES) {
  test(`real CT ${name}: analysed, labels over the scan`, async ({ page }) => {
    test.setTimeout(180_000);
    await page.goto('/?empty');
    await page.getByTestId('file-input').setInputFiles({ name: rel.split('/')[1]!, mimeType: 'application/gzip', buffer: readFileSync(join(realDataDir(), rel)) });
    await expect(page.getByTestId('analysis')).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
    expect(await page.getByTestId('vertebra-row').count()).toBeGreaterThan(0);
    await expect.poll(async () => colouredShare(await page.getByTestId('viewer-canvas').screenshot()), { timeout: 15_000 }).toBeGreaterThan(0.002);
    if (name === 'tptbox') {
      // The scan's top edge cuts L2: the table marks its volume as partial and says why.
      await expect(page.getByTestId('volume').first()).toHaveAttribute('data-cut', /S/);
      await expect(page.getByTestId('volume').first()).toHaveAttribute('title', /top \(head\) edge cuts this vertebra/);
      await expect(page.getByTestId('cut-note')).toContainText("cut by the scan's edge");
    }
    if (process.env.SCREENSHOTS) {
      mkdirSync('docs/screenshots', { recursive: true });
      await page.screenshot({ path: `docs/screenshots/real-${name}.png` });
    }
  });
}
