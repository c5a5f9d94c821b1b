import { expect, test } from '@jupyterlab/galata';

import { patient } from './helpers';

// SageMaker Studio serves JupyterLab under /jupyterlab/default/; galata's automatic
// navigation does not handle a base URL, so this test navigates itself.
test.use({ autoGoto: false });

test('the sidebar works under the SageMaker Studio base URL', async ({
  page,
  baseURL
}) => {
  await page.goto(`${baseURL}/lab`);
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  await page
    .locator('.jp-SideBar .lm-TabBar-tab[data-id="ucdh-jupyter-sidebar"]')
    .click();
  // A cold server answers its first status while it builds the instance catalog
  // for the Compute section (both on the worker pool): allow for that.
  await expect(page.locator('.jp-ucdh-StatusHeader-account')).toContainText(
    '123456789012',
    { timeout: patient(10_000) }
  );
  await expect(page.locator('.jp-ucdh-StatusHeader-region')).toContainText(
    'us-east-1'
  );
});
