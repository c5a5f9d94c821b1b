/**
 * Smoke test of the AWS panel in Jupyter Notebook 7 (its /tree and /notebooks
 * pages, served by the same server when `notebook` is installed).
 *
 * Not a `*.spec.ts` file: `make ui-test` runs in a venv without Notebook 7, so
 * only `make matrix` (scripts/matrix.playwright.config.js) selects it.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';

import { patient } from './helpers';

const DEMO_ACCOUNT = '123456789012';

/** The AWS panel's status header and S3 section, once the server answered. */
async function expectAwsPanel(page: Page): Promise<void> {
  const sidebar = page.locator('#ucdh-jupyter-sidebar');
  await expect(sidebar.locator('.jp-ucdh-StatusHeader-account')).toContainText(
    DEMO_ACCOUNT,
    { timeout: patient(10_000) }
  );
  await expect(
    sidebar.locator('.jp-AccordionPanel-title').filter({ hasText: 'S3' })
  ).toBeVisible();
  await expect(sidebar.locator('.jp-ucdh-Section-s3')).toBeAttached();
}

test.describe('Notebook 7', { tag: '@notebook7' }, () => {
  test('the file tree opens the AWS panel on a first visit', async ({
    page
  }) => {
    // Given a browser that never showed Notebook 7's file tree
    // When the researcher opens it
    await page.goto('tree');

    // Then the left panel is open on the AWS panel
    await expectAwsPanel(page);
  });

  test('a notebook finds the AWS panel through View → Open the AWS Panel', async ({
    page
  }) => {
    // Given a browser that was already introduced to the panel on every page
    await page.addInitScript(() =>
      window.localStorage.setItem(
        'ucdh-jupyter:aws-panel-introduced',
        JSON.stringify(['tree', 'notebooks', 'edit', 'consoles'])
      )
    );
    await page.goto('notebooks/welcome.ipynb');
    await expect(page.locator('.jp-Notebook')).toBeVisible({
      timeout: patient(10_000)
    });
    await expect(page.locator('#ucdh-jupyter-sidebar')).toBeHidden();

    // When the researcher picks the entry in the View menu
    await page.locator('.lm-MenuBar-item', { hasText: 'View' }).click();
    await page
      .locator('.lm-Menu-item', { hasText: 'Open the AWS Panel' })
      .click();

    // Then the AWS panel shows, with its status header and S3 section
    await expectAwsPanel(page);
  });
});
