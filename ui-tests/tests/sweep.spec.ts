import { expect, test } from '@jupyterlab/galata';

import {
  openEmptyNotebook,
  openSmallRunDialog,
  patient,
  setExpanded,
  submitRun,
  widenSidebar
} from './helpers';

/**
 * A parameter sweep in the demo, for real: "Run for several parameter sets" with a
 * 3 × 2 grid sends the demo's sweep.ipynb to the local AWS Batch as one array job
 * of six children; each child boots like a run machine and glues its results with
 * scrapbook, which the children table shows as columns.
 */
test.describe('Sweep on AWS Batch', () => {
  test.use({ viewport: { width: 1500, height: 1000 } });

  test('runs a 3 x 2 grid as six runs and shows their glued values', async ({
    page
  }) => {
    test.setTimeout(patient(240_000));
    await page.evaluate(() =>
      (window as any).jupyterapp.shell.activateById('ucdh-jupyter-sidebar')
    );
    const dialog = await openSmallRunDialog(page, 'sweep.ipynb', 'rows', '100');
    // The grid: every combination of the values of each parameter.
    await dialog.locator('.jp-ucdh-Sweep-toggle input').check();
    await dialog
      .locator('.jp-ucdh-Sweep-values[data-parameter="rows"]')
      .fill('10, 100, 1000');
    await dialog
      .locator('.jp-ucdh-Sweep-values[data-parameter="seed"]')
      .fill('1, 2');
    await expect(dialog.locator('.jp-ucdh-Sweep-count')).toContainText(
      '3 × 2 = 6 runs'
    );
    // Each run's cost, and the sweep's: six times as much.
    await expect(dialog.locator('.jp-ucdh-Sweep-total')).toContainText(
      /6 runs × \$/,
      { timeout: patient(10_000) }
    );
    await page.screenshot({ path: '../docs/sweep-dialog.png' });

    const sweep = await submitRun(page, dialog);
    expect(sweep.kind).toBe('sweep');
    expect(sweep.backend).toBe('batch');
    expect(sweep.sweep_rows).toHaveLength(6);

    const item = page.locator(
      `.jp-ucdh-Runs-item[data-run-id="${sweep.id as string}"]`
    );
    await expect(item).toBeVisible();
    await expect(item).toContainText('AWS Batch');
    await expect(item).toHaveAttribute('data-state', 'SUCCEEDED', {
      timeout: patient(200_000)
    });
    await expect(item.locator('.jp-ucdh-Sweep-summary')).toContainText(
      '6 done'
    );
    await setExpanded(page, 'S3 data', false);
    await setExpanded(page, 'Compute', false);
    const expand = item.locator('.jp-ucdh-Sweep-expand');
    if ((await expand.getAttribute('aria-expanded')) !== 'true') {
      await expand.click();
    }
    const children = item.locator('tr.jp-ucdh-Sweep-child');
    await expect(children).toHaveCount(6);
    // Every child ran with its own row and glued its own mean and spread.
    const table = item.locator('.jp-ucdh-Sweep-children');
    await expect(table.locator('th')).toContainText(['mean', 'spread']);
    for (let index = 0; index < 6; index++) {
      const child = item.locator(
        `tr.jp-ucdh-Sweep-child[data-index="${index}"]`
      );
      await expect(child).toHaveAttribute('data-state', 'SUCCEEDED');
      await expect(child).toContainText(/\d+\.\d+/);
    }
    // Widen the sidebar so the screenshot shows every column.
    await widenSidebar(page, 420);
    await page.locator('#ucdh-jupyter-sidebar').screenshot({
      path: '../docs/sweep.png'
    });

    // The table as CSV next to the notebook, opened in JupyterLab.
    await item.locator('.jp-ucdh-Sweep-export').click();
    await expect(
      page.locator('.lm-TabBar-tab[title*="children.csv"]').first()
    ).toBeVisible({ timeout: patient(20_000) });
  });

  test('starts a sweep from the Sweep widget in a cell and follows it there', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(patient(240_000));
    const notebook = await openEmptyNotebook(page, `${tmpPath}/widget.ipynb`);
    await page.notebook.setCell(
      0,
      'code',
      'from ucdh_jupyter.widgets import Sweep\n' +
        'Sweep("../sweep.ipynb", "t3.micro", grid={"rows": [10, 20]}, max_hours=0.25)'
    );
    await page.notebook.runCell(0);
    const output = notebook
      .locator('.jp-Cell')
      .nth(0)
      .locator('.jp-OutputArea');
    // A box per parameter of sweep.ipynb, the count and the sweep's cost.
    const seed = output
      .locator('.widget-text', { hasText: 'seed' })
      .locator('input');
    await expect(seed).toBeVisible({ timeout: patient(30_000) });
    await expect(output).toContainText('2 runs × $');
    await seed.fill('1, 2');
    await seed.press('Enter');
    await expect(output).toContainText('4 runs × $', {
      timeout: patient(10_000)
    });
    const start = output.locator('button', { hasText: 'Start' });
    await expect(start).toBeEnabled();
    await start.click();
    await expect(output).toContainText('of 4 runs submitted', {
      timeout: patient(10_000)
    });
    await expect(start).toBeDisabled();
    // The widget follows the sweep to its end: four runs, each with its glued mean.
    await expect(output).toContainText(/SUCCEEDED\s*·\s*sweep\.ipynb/, {
      timeout: patient(200_000)
    });
    await expect(output).toContainText('runs 4/4');
    await expect(output).toContainText(
      /child\s+state\s+rows\s+seed\s+mean\s+spread/
    );
    await notebook.screenshot({ path: '../docs/sweep-widget.png' });
  });
});
