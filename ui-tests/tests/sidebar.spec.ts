import { expect, test } from '@jupyterlab/galata';

import { patient } from './helpers';

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
      { timeout: patient(10_000) }
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
    ).toHaveText(
      /^This JupyterLab: m5\.4xlarge · 16 vCPUs · \$\d+\.\d{2,4}\/h$/
    );
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

  test('keeps the last section reachable when its header grows after layout', async ({
    page
  }) => {
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    const header = page.locator('.jp-ucdh-StatusHeader');
    await expect(header.locator('.jp-ucdh-StatusHeader-account')).toBeVisible({
      timeout: patient(10_000)
    });
    const runsTitle = page.locator(
      '#ucdh-jupyter-sidebar .jp-AccordionPanel-title',
      { hasText: 'Runs' }
    );
    await expect(runsTitle).toBeInViewport({ ratio: 1 });
    // What a long problem message or the idle suggestion does, much taller.
    await header.evaluate(el => {
      const tall = document.createElement('div');
      tall.className = 'ucdh-test-tall';
      tall.style.height = '600px';
      tall.textContent = 'a long message';
      el.appendChild(tall);
    });
    await expect(runsTitle).toBeInViewport({ ratio: 1 });
    // The header scrolls its own overflow instead of pushing the sections out.
    const headerBox = page.locator(
      '#ucdh-jupyter-sidebar > .jp-SidePanel-header'
    );
    await expect
      .poll(() => headerBox.evaluate(el => el.scrollHeight > el.clientHeight))
      .toBe(true);
    // The title still works: it collapses and expands its section.
    const runs = page.locator('.jp-ucdh-Section-runs');
    const wasVisible = await runs.isVisible();
    await runsTitle.click();
    await expect(runs).toBeVisible({ visible: !wasVisible });
    await runsTitle.click();
    await expect(runs).toBeVisible({ visible: wasVisible });
    await header.evaluate(el => el.querySelector('.ucdh-test-tall')?.remove());
  });
});
