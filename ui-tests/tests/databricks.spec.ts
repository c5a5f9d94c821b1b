import { expect, test } from '@jupyterlab/galata';

import {
  openRunDialog,
  patient,
  resultName,
  setExpanded,
  submitRun
} from './helpers';

/**
 * The demo starts a local Databricks workspace stand-in: the run is imported
 * and submitted through databricks-sdk, its "job cluster" starts in a few
 * seconds, and papermill executes the notebook.
 */
const RUN_TIMEOUT = { timeout: patient(40_000) };

test.describe('Run on Databricks', () => {
  test.use({ viewport: { width: 1400, height: 1000 } });

  test('runs the welcome notebook on a Databricks job cluster and opens the result', async ({
    page
  }) => {
    test.setTimeout(patient(80_000));
    const dialog = await openRunDialog(page, 'welcome.ipynb');
    const rows = dialog.locator('input[data-parameter="rows"]');
    await expect(rows).toHaveValue('5');
    const databricks = dialog.locator(
      'input[type="radio"][value="databricks"]'
    );
    await expect(databricks).toBeEnabled();
    await databricks.check();
    const workers = dialog.locator('.jp-ucdh-RunDialog-workers');
    await workers.fill('2');
    // The catalog lists the workspace's node types only, priced with DBUs.
    await dialog
      .locator('.jp-ucdh-Compute-preset[data-preset="small"]')
      .click({ timeout: patient(10_000) });
    await dialog.locator('.jp-ucdh-RunDialog-expected').fill('0.1-0.2');
    await dialog.locator('.jp-ucdh-RunDialog-hours').fill('0.5');
    await rows.fill('3');
    // Max runtime × the driver + 2 workers at their rate, then the cluster is terminated.
    await expect(dialog.locator('.jp-ucdh-RunDialog-maxCost')).toContainText(
      /0\.5 h max runtime × 3 /
    );
    await expect(
      dialog.locator('.jp-ucdh-RunDialog-notebookOnly')
    ).toBeVisible();

    const run = await submitRun(page, dialog);
    expect(run.backend).toBe('databricks');
    expect(run.count).toBe(3);
    const nodeType = run.instance_type as string;

    await setExpanded(page, 'Compute', false);
    await setExpanded(page, 'S3 data', false);
    const item = page.locator(`.jp-ucdh-Runs-item[data-run-id="${run.id}"]`);
    await expect(item).toBeVisible();
    await expect(item.locator('.jp-ucdh-Runs-backend')).toHaveText(
      'Databricks'
    );
    await expect(item).toContainText(nodeType);
    const link = item.locator('.jp-ucdh-Runs-databricks');
    await expect(link).toHaveAttribute('href', run.databricks_run_url);
    await expect(link).toHaveAttribute('target', '_blank');
    await expect(item).toHaveAttribute('data-state', 'SUCCEEDED', RUN_TIMEOUT);
    await expect(item.locator('.jp-ucdh-Runs-cost')).toHaveText(/^<?\$\d/);

    await item.locator('.jp-ucdh-Runs-open').click();
    const name = resultName('welcome', run);
    await expect(
      page.locator('.jp-mod-current.lm-TabBar-tab', { hasText: name })
    ).toBeVisible();
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    // The parameter the user typed was injected, and the cells ran on "Databricks".
    await expect(notebook).toContainText('rows = 3');
    await expect(
      notebook.locator('.jp-OutputArea-output').first()
    ).toBeVisible();

    // The run as Databricks renders it came back too.
    await item.locator('.jp-ucdh-Runs-html').click();
    await expect(
      page.locator('.lm-TabBar-tab', {
        hasText: resultName('welcome', run, '.html')
      })
    ).toBeVisible();

    await page.screenshot({ path: '../docs/databricks.png' });
  });
});
