import { expect, test } from '@jupyterlab/galata';

const DEMO_ACCOUNT = '123456789012';

test.describe('AWS sidebar', () => {
  test('opens and its status header shows the demo account', async ({
    page
  }) => {
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    const header = page.locator('.jp-ucdh-StatusHeader');

    // A cold server's first status also reads the Databricks identity (the SDK
    // alone imports in 2-3 s on a loaded machine) while it builds the catalog.
    await expect(header.locator('.jp-ucdh-StatusHeader-account')).toContainText(
      DEMO_ACCOUNT,
      { timeout: 30000 }
    );
    // The caller in words; the full ARN in its tooltip.
    const caller = header.locator('.jp-ucdh-StatusHeader-arn');
    await expect(caller).not.toContainText('arn:aws');
    await expect(caller).toHaveAttribute(
      'title',
      new RegExp(`^arn:aws:sts::${DEMO_ACCOUNT}:`)
    );
    // The demo's stand-in machine for this JupyterLab, priced from the price table.
    await expect(
      header.locator('.jp-ucdh-StatusHeader-machineType')
    ).toHaveText(/^This JupyterLab: m5\.4xlarge · 16 vCPUs · \$\d+\.\d{2}\/h$/);
    await expect(header.locator('.jp-ucdh-StatusHeader-idle')).toBeVisible();
    await expect(header.locator('.jp-ucdh-StatusHeader-region')).toContainText(
      'us-east-1'
    );
    await expect(header.locator('.jp-ucdh-StatusHeader-mode')).toBeVisible();
    for (const section of ['s3', 'compute', 'runs']) {
      await expect(page.locator(`.jp-ucdh-Section-${section}`)).toBeAttached();
    }
    await page
      .locator('#ucdh-jupyter-sidebar')
      .screenshot({ path: '../docs/sidebar.png' });
  });

  test('is reachable from the command palette', async ({ page }) => {
    await page.sidebar.close('left');
    await page.keyboard.press('Control+Shift+c');
    await page.keyboard.type('AWS');
    await page
      .getByText('Open the AWS panel', { exact: false })
      .first()
      .click();
    await expect(page.locator('.jp-ucdh-StatusHeader-account')).toContainText(
      DEMO_ACCOUNT
    );
  });

  test('follows the dark theme through JupyterLab variables', async ({
    page
  }) => {
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    const sidebar = page.locator('#ucdh-jupyter-sidebar');
    await expect(page.locator('.jp-ucdh-StatusHeader-account')).toBeVisible();
    const background = () =>
      sidebar.evaluate(el => getComputedStyle(el).backgroundColor);
    const light = await background();
    await page.theme.setDarkTheme();
    await expect.poll(background).not.toBe(light);
    await sidebar.screenshot({ path: '../docs/sidebar-dark.png' });
    await page.theme.setLightTheme();
  });
});
