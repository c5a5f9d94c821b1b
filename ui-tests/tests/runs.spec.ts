import { expect, test } from '@jupyterlab/galata';

import { openRunDialog, resultName, setExpanded, submitRun } from './helpers';

/**
 * The demo executes a run for real: the machine is created in the local AWS,
 * and the runner installs nothing new and runs the notebook with papermill
 * in a subprocess. On a cold machine that takes up to about a minute.
 */
const RUN_TIMEOUT = { timeout: 120_000 };

test.describe('Run on AWS', () => {
  test.use({ viewport: { width: 1400, height: 1000 } });

  test('runs the welcome notebook on EC2 and opens the executed copy', async ({
    page
  }) => {
    test.setTimeout(240_000);
    // The demo copies welcome.ipynb into the Jupyter root.
    const dialog = await openRunDialog(page, 'welcome.ipynb');
    const rows = dialog.locator('input[data-parameter="rows"]');
    await expect(rows).toHaveValue('5');
    await dialog
      .locator('.jp-ucdh-Compute-preset[data-preset="small"]')
      .click({ timeout: 30_000 });
    await dialog.locator('.jp-ucdh-RunDialog-hours').fill('0.5');
    await rows.fill('3');
    const type = await dialog
      .locator('.jp-ucdh-Compute-selectedName')
      .innerText();
    // Rate × max runtime, then the machine is terminated.
    await expect(dialog.locator('.jp-ucdh-RunDialog-maxCost')).toContainText(
      /^\$[\d.]+ \(\$[\d.]+\/h × 0\.5 h/
    );
    await expect(
      dialog.locator('.jp-ucdh-RunDialog-expectedCost')
    ).toContainText('$');

    const run = await submitRun(page, dialog);
    const runId = run.id as string;

    // Submitting reveals the Runs section, which follows the run to its end.
    await setExpanded(page, 'Compute', false);
    await setExpanded(page, 'S3 data', false);
    const item = page.locator(`.jp-ucdh-Runs-item[data-run-id="${runId}"]`);
    await expect(item).toBeVisible();
    await expect(item.locator('.jp-ucdh-Runs-state')).toBeVisible();
    await expect(item).toContainText(type);
    await expect(item).toHaveAttribute('data-state', 'SUCCEEDED', RUN_TIMEOUT);
    // The 60-second minimum of a small machine: "<$0.01".
    await expect(item.locator('.jp-ucdh-Runs-cost')).toHaveText(/^<?\$\d/);

    await item.locator('.jp-ucdh-Runs-open').click();

    const name = resultName('welcome', run);
    const tab = page.locator('.jp-mod-current.lm-TabBar-tab', {
      hasText: name
    });
    await expect(tab).toBeVisible();
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    // papermill injected the parameter the user typed, and the cells ran.
    await expect(notebook).toContainText('rows = 3');
    await expect(
      notebook.locator('.jp-OutputArea-output').first()
    ).toBeVisible();

    await page.screenshot({ path: '../docs/runs.png' });
  });
});
