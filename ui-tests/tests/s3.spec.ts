import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  openEmptyNotebook,
  patient,
  sectionTitle,
  setExpanded,
  widenSidebar
} from './helpers';

/** The demo seeds `reads/batch-001/` of this bucket with 5,200 keys. */
const BIG_BUCKET = 'ucdh-demo-genomics';
const SMALL_BUCKET = 'ucdh-demo-shared';
/** The demo's echo study: a CSV per site under `studies/echo-2025/raw/`. */
const STUDY_BUCKET = 'ucdh-demo-cardiology';

/** The folder of the echo study's site A, and a CSV in it. */
const SITE_A = ['studies', 'echo-2025', 'raw', 'site-a'];
const VISITS_CSV = 'studies/echo-2025/raw/site-a/visits.csv';
/** What dragging VISITS_CSV into a notebook writes. */
const VISITS_SNIPPET =
  'import pandas as pd\nfrom ucdh_jupyter import open_s3\n\n' +
  `df = pd.read_csv(open_s3("s3://${STUDY_BUCKET}/${VISITS_CSV}"))\n` +
  'df.head()';

/** Show the S3 section alone; its root and a row by key (bucket name on the bucket list). */
async function openS3(page: IJupyterLabPageFixture) {
  await page.sidebar.openTab('ucdh-jupyter-sidebar');
  await setExpanded(page, 'Compute', false);
  await setExpanded(page, 'Runs', false);
  await setExpanded(page, 'S3 data', true);
  const s3 = page.locator('.jp-ucdh-S3');
  const row = (key: string) => s3.locator(`.jp-ucdh-S3-row[data-key="${key}"]`);
  return { s3, row };
}

/** From the bucket list of the S3 section, into a folder of a bucket. */
async function openFolder(
  { s3, row }: Awaited<ReturnType<typeof openS3>>,
  bucket: string,
  folders: string[]
) {
  await row(bucket).click();
  let prefix = '';
  for (const folder of folders) {
    prefix += `${folder}/`;
    await row(prefix).dblclick();
  }
  await expect(s3.locator('.jp-ucdh-S3-breadcrumb')).toContainText(
    [bucket, ...folders].join('/')
  );
}

/** The sources of the cells of the notebook in the main area. */
async function cellSources(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.evaluate(() =>
    (window as any).jupyterapp.shell.currentWidget.content.widgets.map(
      (cell: any) => cell.model.sharedModel.getSource()
    )
  );
}

test.describe('S3 data', () => {
  test.use({ viewport: { width: 1400, height: 1000 } });

  test('pages a 5,200-key folder, then uploads, downloads and deletes a file', async ({
    page
  }) => {
    test.setTimeout(patient(60_000));
    const { s3, row } = await openS3(page);

    await row(BIG_BUCKET).click();
    // In a folder a click selects; a double-click (or Enter) opens.
    await row('reads/').dblclick();
    await row('reads/batch-001/').dblclick();
    await expect(s3.locator('.jp-ucdh-S3-breadcrumb')).toContainText(
      `${BIG_BUCKET}/reads/batch-001`
    );
    const status = s3.locator('.jp-ucdh-S3-status');
    // One page of 1,000, not the whole folder.
    await expect(status).toHaveText('1000 items loaded, more to come');
    await expect(s3.locator('.jp-ucdh-S3-more')).toBeAttached();

    // Scrolling near the end loads the next page, until all 5,200 are in; only
    // the rows in view are in the DOM.
    const scroller = s3.locator('.jp-ucdh-S3-scroll');
    await expect(async () => {
      await scroller.evaluate(node => {
        node.scrollTop = node.scrollHeight;
      });
      await expect(status).toHaveText('5200 items', { timeout: 1000 });
    }).toPass({ timeout: patient(15_000) });
    await scroller.evaluate(node => {
      node.scrollTop = node.scrollHeight;
    });
    await expect(row('reads/batch-001/read-05199.fastq')).toBeVisible();
    const rendered = s3.locator('.jp-ucdh-S3-window > .jp-ucdh-S3-row');
    expect(await rendered.count()).toBeGreaterThan(10);
    expect(await rendered.count()).toBeLessThan(200);

    // Ctrl+click selects a second row; the bar counts them; Escape clears.
    await row('reads/batch-001/read-05198.fastq').click();
    await row('reads/batch-001/read-05199.fastq').click({
      modifiers: ['Control']
    });
    const count = s3.locator('.jp-ucdh-S3-selectionCount');
    await expect(count).toHaveText('2 selected');
    await expect(
      s3.locator('.jp-ucdh-S3-row[aria-selected="true"]')
    ).toHaveCount(2);
    await page.keyboard.press('Escape');
    await expect(count).toHaveCount(0);

    // The keyboard reaches rows that were not rendered: Home goes to the first.
    const objects = s3.locator('.jp-ucdh-S3-row[data-kind="object"]');
    await objects.last().focus();
    await page.keyboard.press('Home');
    await expect(row('reads/batch-001/read-00000.fastq')).toBeFocused();

    // Backspace goes up, one folder at a time.
    await page.keyboard.press('Backspace');
    await expect(row('reads/batch-001/')).toBeVisible();

    // Widen the sidebar so the screenshot shows every column.
    await widenSidebar(page, 260);

    // Another bucket: upload a file, see it listed, download and delete it.
    await s3.locator('.jp-ucdh-S3-crumb', { hasText: 'Buckets' }).click();
    await row(SMALL_BUCKET).click();
    const name = `upload-${Date.now()}.csv`;
    const bytes = Buffer.from('id,value\n' + 'x,1\n'.repeat(2000));
    const file = path.join(os.tmpdir(), name);
    fs.writeFileSync(file, bytes);
    await s3.locator('.jp-ucdh-S3-fileInput').setInputFiles(file);
    const uploaded = row(name);
    await expect(uploaded).toBeVisible({ timeout: patient(10_000) });
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

  test('uploads a workspace file to the open S3 folder from the file browser menu', async ({
    page,
    tmpPath
  }) => {
    const name = `from-workspace-${Date.now()}.csv`;
    await page.contents.uploadContent(
      'id,value\nx,1\n',
      'text',
      `${tmpPath}/${name}`
    );
    const { s3, row } = await openS3(page);
    await row(SMALL_BUCKET).click();
    await row('reference/').dblclick();
    await expect(s3.locator('.jp-ucdh-S3-breadcrumb')).toContainText(
      `${SMALL_BUCKET}/reference`
    );

    await page.sidebar.openTab('filebrowser');
    await page.filebrowser.refresh();
    const item = page.locator('.jp-DirListing-item', { hasText: name });
    await item.click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Upload to S3…' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('.jp-ucdh-S3-destPrefix')).toHaveValue(
      'reference/'
    );
    await expect(dialog.locator('.jp-ucdh-S3-destTargets')).toHaveText(
      `s3://${SMALL_BUCKET}/reference/${name}`
    );
    await dialog.locator('.jp-mod-accept').click();
    await expect(
      page.getByText(`Uploaded 1 item to s3://${SMALL_BUCKET}/reference/.`)
    ).toBeVisible({ timeout: patient(10_000) });

    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    const uploaded = row(`reference/${name}`);
    await expect(uploaded).toBeVisible();
    await expect(s3.locator('.jp-ucdh-S3-transfer')).toHaveText(
      `Uploaded ${name} to s3://${SMALL_BUCKET}/reference/ (13 B).`
    );

    await uploaded.click();
    await page.keyboard.press('Delete');
    await page.locator('.jp-Dialog .jp-mod-warn').click();
    await expect(uploaded).toHaveCount(0);
  });

  test('drags a CSV row, then three selected objects, into notebook cells as Python that reads them', async ({
    page,
    tmpPath
  }) => {
    const notebook = await openEmptyNotebook(page, `${tmpPath}/drop.ipynb`);
    const editors = notebook.locator('.jp-Cell .cm-content');
    const browser = await openS3(page);
    const { s3, row } = browser;

    // The real drop of the browser into CodeMirror, not a synthetic event.
    await openFolder(browser, STUDY_BUCKET, SITE_A);
    await row(VISITS_CSV).dragTo(editors.nth(0));
    await expect.poll(() => cellSources(page)).toEqual([VISITS_SNIPPET, '']);
    // The snippet runs as it is: the kernel reads the object through the
    // extension's own settings (here the demo's local AWS), no s3fs needed.
    await page.notebook.runCell(0);
    const output = notebook
      .locator('.jp-Cell')
      .nth(0)
      .locator('.jp-OutputArea');
    await expect(output).toContainText('FAKE-00000', {
      timeout: patient(15_000)
    });
    await expect(output).toContainText('ef_percent');

    // Dragging a selected row carries the whole selection.
    await s3.locator('.jp-ucdh-S3-crumb', { hasText: 'Buckets' }).click();
    await openFolder(browser, BIG_BUCKET, ['reads', 'batch-001']);
    const read = (n: number) => `reads/batch-001/read-0000${n}.fastq`;
    await row(read(0)).click();
    await row(read(2)).click({ modifiers: ['Shift'] });
    await expect(s3.locator('.jp-ucdh-S3-selectionCount')).toHaveText(
      '3 selected'
    );
    await row(read(1)).dragTo(editors.nth(1));
    const get = (n: number) =>
      `    "read-0000${n}.fastq": open_s3("s3://${BIG_BUCKET}/${read(n)}").read(),\n`;
    await expect
      .poll(async () => (await cellSources(page))[1])
      .toBe(
        'from ucdh_jupyter import open_s3\n\ndata = {\n' +
          get(0) +
          get(1) +
          get(2) +
          '}'
      );
  });

  test('drops a row below the last cell, then on a prompt, as new active code cells that read it', async ({
    page,
    tmpPath
  }) => {
    const notebook = await openEmptyNotebook(
      page,
      `${tmpPath}/drop-cells.ipynb`
    );
    const cells = notebook.locator('.jp-Notebook');
    const browser = await openS3(page);
    await openFolder(browser, STUDY_BUCKET, SITE_A);
    const { row } = browser;
    const activeCell = () =>
      page.evaluate(
        () =>
          (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex
      );

    // The empty space under the two cells: a new cell at the end.
    const box = await cells.boundingBox();
    await row(VISITS_CSV).dragTo(cells, {
      targetPosition: { x: box!.width / 2, y: box!.height - 40 }
    });
    await expect
      .poll(() => cellSources(page))
      .toEqual(['', '', VISITS_SNIPPET]);
    await expect.poll(activeCell).toBe(2);

    // The prompt of the first cell: a new cell right after it.
    await row(VISITS_CSV).dragTo(
      notebook.locator('.jp-Cell').nth(0).locator('.jp-InputPrompt')
    );
    await expect
      .poll(() => cellSources(page))
      .toEqual(['', VISITS_SNIPPET, '', VISITS_SNIPPET]);
    await expect.poll(activeCell).toBe(1);
  });

  test('searches past the first page of keys with its progress, from the magnifier, and Escape closes it', async ({
    page
  }) => {
    // Scanning 5,200 keys is six listings of the local S3: slow on a loaded machine.
    test.setTimeout(patient(60_000));
    const { s3, row } = await openS3(page);
    await openFolder({ s3, row }, BIG_BUCKET, ['reads', 'batch-001']);

    // The magnifier puts the cursor in the search box.
    await s3.locator('.jp-ucdh-S3-searchToggle').click();
    const box = s3.locator('.jp-ucdh-S3-search');
    await expect(box).toBeFocused();

    // The last of 5,200 keys is past the 5,000 one request scans: the scan goes on.
    await page.keyboard.type('read-05199');
    const match = s3.locator(
      '.jp-ucdh-S3-match[data-key="reads/batch-001/read-05199.fastq"]'
    );
    await expect(match).toBeVisible({ timeout: patient(40_000) });
    await expect(s3.locator('.jp-ucdh-S3-status')).toHaveText(
      '1 match in 5,200 keys'
    );
    await expect(s3.locator('.jp-ucdh-S3-searchCancel')).toHaveCount(0);

    await page.keyboard.press('Escape');
    await expect(box).toHaveCount(0);
    await expect(s3.locator('.jp-ucdh-S3-searchToggle')).toBeFocused();
    await expect(row('reads/batch-001/read-00000.fastq')).toBeVisible();
  });

  test('an expanded S3 section is never a sliver: not squeezed by another, dragged to the edge, or restored', async ({
    page
  }) => {
    const section = page.locator('#ucdh-jupyter-section-s3');
    const height = async () => (await section.boundingBox())?.height ?? 0;
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    for (const title of ['S3 data', 'Compute', 'Runs']) {
      await setExpanded(page, title, true);
    }

    // Runs alone takes the whole height; then, after S3 is expanded again,
    // expanding Runs gives back that whole height, which squeezed S3 to 2 px.
    await setExpanded(page, 'S3 data', false);
    await setExpanded(page, 'Compute', false);
    await setExpanded(page, 'Runs', false);
    await setExpanded(page, 'S3 data', true);
    await setExpanded(page, 'Runs', true);
    await expect.poll(height).toBeGreaterThanOrEqual(150);

    // Dragging the handle below S3 up to its title leaves it usable.
    const handle = page
      .locator(
        '#ucdh-jupyter-sidebar .lm-AccordionPanel > .lm-SplitPanel-handle:not(.lm-mod-hidden)'
      )
      .first();
    const box = (await handle.boundingBox())!;
    const title = (await sectionTitle(page, 'S3 data').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, title.y, { steps: 8 });
    await page.mouse.up();
    await expect.poll(height).toBeGreaterThanOrEqual(150);

    // And so does the layout JupyterLab restores from what it saved.
    await page.reload();
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    await expect(sectionTitle(page, 'S3 data')).toHaveAttribute(
      'aria-expanded',
      'true'
    );
    await expect.poll(height).toBeGreaterThanOrEqual(150);
  });

  test('shows whole modification dates when the sidebar is wide enough for them', async ({
    page
  }) => {
    const { s3, row } = await openS3(page);
    await widenSidebar(page, 260);
    await openFolder({ s3, row }, STUDY_BUCKET, SITE_A);

    const dates = s3.locator(
      '.jp-ucdh-S3-row[data-kind="object"] .jp-ucdh-S3-modified'
    );
    await expect(dates.first()).toBeVisible();
    const cells = await dates.evaluateAll(nodes =>
      nodes.map(node => ({
        text: node.textContent ?? '',
        cut: node.scrollWidth > node.clientWidth
      }))
    );
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) {
      expect(cell.text).not.toBe('');
      expect(cell).toEqual({ text: cell.text, cut: false });
    }
  });

  test('tells when a copy to the workspace ended, and shows the file in the file browser', async ({
    page,
    tmpPath
  }) => {
    const { s3, row } = await openS3(page);
    await openFolder({ s3, row }, STUDY_BUCKET, SITE_A);

    await row(VISITS_CSV).click({ button: 'right' });
    await page.locator('.jp-ucdh-S3-menu [data-action="workspace"]').click();
    const toast = page.locator('.jp-Notification-Toast-success', {
      hasText: `Copied visits.csv to ${tmpPath}/visits.csv`
    });
    await expect(toast).toBeVisible({ timeout: patient(10_000) });

    // The file browser replaces the AWS panel, in the folder of the copy.
    await toast.getByRole('button', { name: 'Show in file browser' }).click();
    await expect(page.locator('#filebrowser')).toBeVisible();
    const item = page.locator('.jp-DirListing-item', { hasText: 'visits.csv' });
    await expect(item).toBeVisible({ timeout: patient(5_000) });
    // and the copied file is the one selected there
    await expect(item).toHaveClass(/jp-mod-selected/, {
      timeout: patient(3_000)
    });
  });
});
