import { expect, test } from '@jupyterlab/galata';

import {
  openRunDialog,
  patient,
  resultName,
  setExpanded,
  submitRun
} from './helpers';

/**
 * The demo executes a run for real: the machine is created in the local AWS,
 * and the runner installs nothing new and runs the notebook with papermill
 * in a subprocess. On a cold machine that takes up to about a minute.
 */
const RUN_TIMEOUT = { timeout: patient(40_000) };

test.describe('Run on AWS', () => {
  test.use({ viewport: { width: 1400, height: 1000 } });

  test('runs the welcome notebook on EC2 and opens the executed copy', async ({
    page
  }) => {
    test.setTimeout(patient(80_000));
    // A researcher with the S3 and Compute sections open (their titles are at
    // the top; the Runs title can sit below the fold, see the closing note).
    await page.evaluate(() =>
      (window as any).jupyterapp.shell.activateById('ucdh-jupyter-sidebar')
    );
    await setExpanded(page, 'S3 data', true);
    await setExpanded(page, 'Compute', true);
    // The demo copies welcome.ipynb into the Jupyter root.
    const dialog = await openRunDialog(page, 'welcome.ipynb');
    const rows = dialog.locator('input[data-parameter="rows"]');
    // A cold server reads the notebook while it builds the instance catalog and
    // answers the status for the sidebar, all on its worker pool.
    await expect(rows).toHaveValue('5', { timeout: patient(10_000) });
    await dialog
      .locator('.jp-ucdh-Compute-preset[data-preset="small"]')
      .click({ timeout: patient(10_000) });
    // Expected a few minutes, stopped after half an hour at most.
    await dialog.locator('.jp-ucdh-RunDialog-expected').fill('0.1-0.2');
    await dialog.locator('.jp-ucdh-RunDialog-hours').fill('0.5');
    await rows.fill('3');
    // Max runtime × the machine at its rate (disk included), then it is terminated.
    await expect(dialog.locator('.jp-ucdh-RunDialog-maxCost')).toContainText(
      /^\$[\d.]+ 0\.5 h max runtime × 1 /
    );
    await expect(
      dialog.locator('.jp-ucdh-RunDialog-expectedCost')
    ).toContainText('$');

    const run = await submitRun(page, dialog);
    const runId = run.id as string;
    const type = run.instance_type as string;

    // Submitting reveals the Runs section with room for the new run: its card
    // is in sight, not below the fold of a sliver under S3 and Compute.
    const item = page.locator(`.jp-ucdh-Runs-item[data-run-id="${runId}"]`);
    await expect(item).toBeVisible();
    const share = async (): Promise<number> => {
      const heights = await page
        .locator('#ucdh-jupyter-sidebar .jp-ucdh-Section')
        .evaluateAll(nodes =>
          nodes.map(node => ({
            runs: node.classList.contains('jp-ucdh-Section-runs'),
            height: node.getBoundingClientRect().height
          }))
        );
      const total = heights.reduce((sum, h) => sum + h.height, 0);
      return (heights.find(h => h.runs)?.height ?? 0) / total;
    };
    await expect.poll(share).toBeGreaterThanOrEqual(0.45);
    // It follows the run to its end (the other sections closed for the screenshot).
    await setExpanded(page, 'Compute', false);
    await setExpanded(page, 'S3 data', false);
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

  test('shows one cost story for EC2 and Databricks, with the server verdict', async ({
    page
  }) => {
    test.setTimeout(patient(40_000));
    const dialog = await openRunDialog(page, 'welcome.ipynb');
    await dialog
      .locator('.jp-ucdh-Compute-preset[data-preset="small"]')
      .click({ timeout: patient(10_000) });
    // One cost block, and no second runtime from the instance picker.
    await expect(dialog.locator('.jp-ucdh-RunDialog-cost')).toHaveCount(1);
    await expect(dialog).not.toContainText('Runtime (hours)');
    // The max runtime follows the expected runtime: twice its end.
    await dialog.locator('.jp-ucdh-RunDialog-expected').fill('1-3');
    await expect(dialog.locator('.jp-ucdh-RunDialog-hours')).toHaveValue('6');
    await expect(
      dialog.locator('.jp-ucdh-RunDialog-expectedCost')
    ).toContainText(/1–3 h × 1 \S+ at \$[\d.]+\/h \+ \d+ GB disk/);
    await expect(dialog.locator('.jp-ucdh-RunDialog-maxCost')).toContainText(
      '6 h max runtime'
    );
    // The verdict is the server's, in its words.
    await expect(dialog.locator('.jp-ucdh-RunDialog-verdict')).toHaveText(
      /^Within (budget|the limits)/
    );
    // A max below the expected end is refused, in the dialog's words.
    await dialog.locator('.jp-ucdh-RunDialog-hours').fill('2');
    await expect(dialog.locator('.jp-ucdh-RunDialog-verdict')).toContainText(
      "The max runtime (2 h) is below the expected runtime's upper end (3 h)"
    );
    await dialog.locator('.jp-ucdh-RunDialog-hours').fill('');
    await expect(dialog.locator('.jp-ucdh-RunDialog-hours')).toHaveValue('6');

    // On Databricks the same block counts every node and its DBUs.
    await dialog
      .locator('.jp-ucdh-RunDialog-backend input[value="databricks"]')
      .check();
    await dialog
      .locator('.jp-ucdh-Compute-preset[data-preset="small"]')
      .click({ timeout: patient(10_000) });
    await expect(dialog.locator('.jp-ucdh-RunDialog-cost')).toHaveCount(1);
    await expect(dialog.locator('.jp-ucdh-RunDialog-maxCost')).toContainText(
      /6 h max runtime × \d+ \S+ \(\d+ workers? \+ the driver\) at .* DBU\/h/
    );
    await expect(dialog.locator('.jp-ucdh-RunDialog-verdict')).toHaveText(
      /^(Within|The )/
    );
    await expect(dialog).not.toContainText(/\(01[0-9A-Z]{5}/);

    // Keyboard: Tab from the Run button goes round every field, not only the
    // two buttons, and reaches the runtime fields going forward.
    await dialog.locator('.jp-ucdh-RunDialog-submit').focus();
    const focusedClass = () =>
      page.evaluate(() => document.activeElement?.className ?? '');
    const seen: string[] = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const now = await focusedClass();
      seen.push(now);
      if (now.includes('jp-ucdh-RunDialog-expected')) {
        break;
      }
    }
    expect(seen[seen.length - 1]).toContain('jp-ucdh-RunDialog-expected');
    expect(
      seen.filter(c => c.includes('jp-Dialog-button')).length
    ).toBeLessThan(seen.length);
    await page.locator('.jp-Dialog-button.jp-mod-reject').click();
    await expect(dialog).toHaveCount(0);
  });

  test('keeps its fields still while the machine list loads, so a click lands where it was aimed', async ({
    page
  }) => {
    // A slow machine list, as on a busy server: the form shows first and the
    // list arrives later, making the dialog taller.
    await page.route(/\/ucdh-jupyter\/compute\/catalog/, async route => {
      await new Promise(resolve => setTimeout(resolve, 1500));
      await route.continue();
    });
    const dialog = await openRunDialog(page, 'welcome.ipynb');
    const databricks = dialog.locator(
      'input[type="radio"][value="databricks"]'
    );
    await expect(databricks).toBeVisible();
    const presets = dialog.locator('.jp-ucdh-Compute-preset');
    await expect(presets).toHaveCount(0);
    // The dialog's scrolling body: once the form reaches the dialog's cap
    // (92% of the window) the dialog stops growing and its body scrolls.
    const body = dialog.locator('.jp-Dialog-body');
    const formHeight = () => body.evaluate(el => el.scrollHeight);
    const before = await databricks.boundingBox();
    const heightBefore = await formHeight();
    await expect(presets.first()).toBeVisible({ timeout: patient(10_000) });
    // The form did grow; the fields above the list stayed where they were.
    expect(await formHeight()).toBeGreaterThan(heightBefore);
    expect((await databricks.boundingBox())!.y).toBe(before!.y);
    await databricks.check();
    await expect(databricks).toBeChecked();
    await page.locator('.jp-Dialog-button.jp-mod-reject').click();
    await expect(dialog).toHaveCount(0);
  });
});

test.describe('Demo notebooks', () => {
  test('open unchanged, so Run on AWS has nothing to ask to save', async ({
    page
  }) => {
    // train-model.ipynb: an example no other test opens or saves.
    await openRunDialog(page, 'train-model.ipynb');
    // JupyterLab rewrites kernelspec and language_info once the kernel has
    // answered; wait for that, then for its signal handlers.
    const dirty = await page.evaluate(async () => {
      const widget = (window as any).jupyterapp.shell.currentWidget;
      await widget.sessionContext.ready;
      const kernel = widget.sessionContext.session.kernel;
      await kernel.info;
      await kernel.spec;
      await new Promise(resolve => setTimeout(resolve, 1000));
      return widget.context.model.dirty;
    });
    expect(dirty).toBe(false);
    const tab = page.locator('.lm-TabBar-tab', {
      hasText: 'train-model.ipynb'
    });
    await expect(tab).toBeVisible();
    await expect(tab).not.toHaveClass(/jp-mod-dirty/);
    // The Run dialog opened straight away, with no "save first" question.
    await expect(page.locator('.jp-ucdh-RunDialog')).toBeVisible();
    await page.locator('.jp-Dialog-button.jp-mod-reject').click();
  });
});
