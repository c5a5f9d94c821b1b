import { expect, test } from '@jupyterlab/galata';

import {
  openRunDialog,
  patient,
  resultName,
  setExpanded,
  submitRun
} from './helpers';

/**
 * The demo's R notebook (IRkernel, base R only) run on the local Databricks
 * workspace: imported as an R notebook, its parameters injected as R, and
 * executed for real on the `ir` kernel that `make install` sets up.
 */
const RUN_TIMEOUT = { timeout: patient(50_000) };

test.describe('R notebook', () => {
  test.use({ viewport: { width: 1400, height: 1000 } });

  test('runs the R demo notebook on Databricks with its parameters and opens the result', async ({
    page
  }) => {
    test.setTimeout(patient(100_000));
    const dialog = await openRunDialog(page, 'cohort-summary-r.ipynb');
    // The R parameters cell is read like a Python one: names and literal defaults.
    const size = dialog.locator('input[data-parameter="cohort_size"]');
    const label = dialog.locator('input[data-parameter="label"]');
    await expect(size).toHaveValue('200');
    await expect(label).toHaveValue('demo cohort');
    await expect(dialog.locator('input[data-parameter="min_age"]')).toHaveValue(
      '40'
    );

    const databricks = dialog.locator(
      'input[type="radio"][value="databricks"]'
    );
    await expect(databricks).toBeEnabled();
    await databricks.check();
    await dialog
      .locator('.jp-ucdh-Compute-preset[data-preset="small"]')
      .click({ timeout: patient(10_000) });
    // The expected runtime under the 0.5 h max (the default 0.5-1 h would be refused).
    await dialog.locator('.jp-ucdh-RunDialog-expected').fill('0.1-0.2');
    await dialog.locator('.jp-ucdh-RunDialog-hours').fill('0.5');
    await size.fill('60');
    await label.fill('galata cohort');

    const run = await submitRun(page, dialog);
    expect(run.backend).toBe('databricks');

    await setExpanded(page, 'Compute', false);
    await setExpanded(page, 'S3 data', false);
    const item = page.locator(`.jp-ucdh-Runs-item[data-run-id="${run.id}"]`);
    await expect(item).toBeVisible();
    await expect(item).toHaveAttribute('data-state', 'SUCCEEDED', RUN_TIMEOUT);

    await item.locator('.jp-ucdh-Runs-open').click();
    const name = resultName('cohort-summary-r', run);
    await expect(
      page.locator('.jp-mod-current.lm-TabBar-tab', { hasText: name })
    ).toBeVisible();
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    // The values typed in the dialog reached R, and the cells ran on IRkernel.
    await expect(notebook).toContainText(
      'Cohort: galata cohort, 60 synthetic patients'
    );
    await expect(notebook).toContainText('EF change per year of age');
  });
});
