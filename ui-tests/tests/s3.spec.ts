import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { setExpanded } from './helpers';

/** The demo seeds `reads/batch-001/` of this bucket with 5,200 keys. */
const BIG_BUCKET = 'ucdh-demo-genomics';
const SMALL_BUCKET = 'ucdh-demo-shared';

test.describe('S3 data', () => {
  test.use({ viewport: { width: 1400, height: 1000 } });

  test('pages a 5,200-key folder, then uploads, downloads and deletes a file', async ({
    page
  }) => {
    test.setTimeout(180_000);
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    await setExpanded(page, 'Compute', false);
    await setExpanded(page, 'Runs', false);
    await setExpanded(page, 'S3 data', true);
    const s3 = page.locator('.jp-ucdh-S3');
    const row = (key: string) =>
      s3.locator(`.jp-ucdh-S3-row[data-key="${key}"]`);

    await row(BIG_BUCKET).click();
    await row('reads/').click();
    await row('reads/batch-001/').click();
    await expect(s3.locator('.jp-ucdh-S3-breadcrumb')).toContainText(
      `${BIG_BUCKET}/reads/batch-001`
    );
    const objects = s3.locator('.jp-ucdh-S3-row[data-kind="object"]');
    // One page of 1,000, not the whole folder.
    await expect(objects).toHaveCount(1000);
    await expect(s3.locator('.jp-ucdh-S3-more')).toBeAttached();

    // Scrolling near the end loads the next page.
    await s3.locator('.jp-ucdh-S3-scroll').evaluate(node => {
      node.scrollTop = node.scrollHeight;
    });
    await expect(objects).toHaveCount(2000);
    await expect(row('reads/batch-001/read-01000.fastq')).toBeAttached();

    // Backspace goes up, one folder at a time.
    await objects.first().focus();
    await page.keyboard.press('Backspace');
    await expect(row('reads/batch-001/')).toBeVisible();

    // Widen the sidebar so the screenshot shows every column.
    const handle = page
      .locator('#jp-main-split-panel > .lm-SplitPanel-handle')
      .first();
    const box = (await handle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 260, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();

    // Another bucket: upload a file, see it listed, download and delete it.
    await s3.locator('.jp-ucdh-S3-crumb', { hasText: 'Buckets' }).click();
    await row(SMALL_BUCKET).click();
    const name = `upload-${Date.now()}.csv`;
    const bytes = Buffer.from('id,value\n' + 'x,1\n'.repeat(2000));
    const file = path.join(os.tmpdir(), name);
    fs.writeFileSync(file, bytes);
    await s3.locator('.jp-ucdh-S3-fileInput').setInputFiles(file);
    const uploaded = row(name);
    await expect(uploaded).toBeVisible({ timeout: 30_000 });
    await expect(uploaded.locator('.jp-ucdh-S3-size')).toHaveAttribute(
      'title',
      `${bytes.length.toLocaleString('en-US')} bytes`
    );
    await expect(uploaded.locator('.jp-ucdh-S3-size')).toHaveText('7.8 KiB');

    const downloading = page.waitForEvent('download');
    await uploaded.locator('.jp-ucdh-S3-download').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(name);
    const saved = await download.path();
    expect(fs.statSync(saved!).size).toBe(bytes.length);

    await page.mouse.move(900, 500);
    await page.locator('#ucdh-jupyter-sidebar').screenshot({
      path: '../docs/s3.png'
    });

    await uploaded.locator('.jp-ucdh-S3-delete').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(`Delete ${name}?`);
    await dialog.locator('.jp-mod-warn').click();
    await expect(uploaded).toHaveCount(0);
  });
});
