import { expect, test } from '@jupyterlab/galata';

import { openSmallRunDialog, patient, setExpanded, submitRun } from './helpers';

/**
 * A recurring run in the demo, for real: "Run on a schedule" every minute hands the
 * schedule to the local EventBridge Scheduler (it ticks in the demo's process, not
 * in Jupyter), whose fire submits an AWS Batch job; the job claims its run, which the
 * Runs section finds and follows, and the Schedules list shows it as its last run.
 */
test.describe('Run on a schedule', () => {
  test.use({ viewport: { width: 1500, height: 1000 } });

  test('fires an every-minute schedule of welcome.ipynb and pauses it', async ({
    page
  }) => {
    test.setTimeout(patient(300_000));
    await page.evaluate(() =>
      (window as any).jupyterapp.shell.activateById('ucdh-jupyter-sidebar')
    );
    const dialog = await openSmallRunDialog(page, 'welcome.ipynb', 'rows', '5');
    await dialog.locator('.jp-ucdh-Schedule-toggle input').check();
    await dialog.locator('.jp-ucdh-Schedule-kind').selectOption('minutes');
    await dialog.locator('.jp-ucdh-Schedule-every').selectOption('1');
    await dialog.locator('.jp-ucdh-Schedule-timezone').fill('Europe/Berlin');
    // The cost of a month of it, before anything is created.
    await expect(dialog.locator('.jp-ucdh-Schedule-monthlyCost')).toContainText(
      '$',
      { timeout: patient(10_000) }
    );
    await expect(dialog.locator('.jp-ucdh-RunDialog-submit')).toContainText(
      'Create schedule'
    );
    const schedule = await submitRun(page, dialog, 'schedules');
    expect(schedule.description).toBe('Every minute (Europe/Berlin)');

    await setExpanded(page, 'S3 data', false);
    await setExpanded(page, 'Compute', false);
    const row = page.locator(
      `.jp-ucdh-Schedule-row[data-schedule-id="${schedule.id as string}"]`
    );
    await expect(row).toBeVisible({ timeout: patient(20_000) });
    await expect(row.locator('.jp-ucdh-Schedule-description')).toContainText(
      'Every minute'
    );
    // Within a minute or two the scheduler fires it, and the run goes to its end.
    const fired = row.locator('.jp-ucdh-Schedule-run').first();
    await expect(fired).toBeVisible({ timeout: patient(150_000) });
    const card = page.locator('.jp-ucdh-Runs-item').first();
    await expect(card).toContainText('welcome.ipynb');
    await expect(card).toHaveAttribute('data-state', 'SUCCEEDED', {
      timeout: patient(120_000)
    });
    await page.locator('#ucdh-jupyter-sidebar').screenshot({
      path: '../docs/schedules.png'
    });
    // Paused: no next fire.
    await row.locator('.jp-ucdh-Schedule-pause').click();
    await expect(row).toHaveAttribute('data-state', 'paused', {
      timeout: patient(10_000)
    });
    // Deleted, so later tests (and the demo) see no schedule firing every minute.
    await row.locator('.jp-ucdh-Schedule-delete').click();
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await expect(row).toHaveCount(0, { timeout: patient(10_000) });
  });
});
