/**
 * Smoke test: the extension loads in this JupyterLab and its AWS sidebar
 * talks to the server. Cheap enough for every `make ui-test`; `make matrix`
 * runs it (tag @smoke) on the oldest and newest supported JupyterLab.
 */
import { expect, test } from '@jupyterlab/galata';

import { patient } from './helpers';

const DEMO_ACCOUNT = '123456789012';

test.describe('Smoke', { tag: '@smoke' }, () => {
  test('the AWS sidebar shows the status header and the S3 section', async ({
    page
  }) => {
    // Given JupyterLab started with the extension and the local AWS
    // When the researcher opens the AWS tab of the left sidebar
    await page.sidebar.openTab('ucdh-jupyter-sidebar');

    // Then the status header names the (demo) AWS account
    await expect(page.locator('.jp-ucdh-StatusHeader-account')).toContainText(
      DEMO_ACCOUNT,
      // A cold server's first status also builds the catalog (see sidebar.spec.ts).
      { timeout: patient(10_000) }
    );
    // And the S3 section is there, listing the demo buckets
    const sidebar = page.locator('#ucdh-jupyter-sidebar');
    await expect(
      sidebar.locator('.jp-AccordionPanel-title').filter({ hasText: 'S3' })
    ).toBeVisible();
    await expect(sidebar.locator('.jp-ucdh-Section-s3')).toBeAttached();
  });
});
