import { expect, test } from '@jupyterlab/galata';

import { patient, setExpanded } from './helpers';

/**
 * "E-mail when a run ends" at the foot of the Runs section, in the demo,
 * whose administrator named a topic in the local SNS (which confirms an
 * address at once and delivers nothing).
 */
test.describe('Run-end e-mail', () => {
  test('is turned on and off from the keyboard in the Runs section', async ({
    page
  }) => {
    await page.evaluate(() =>
      (window as any).jupyterapp.shell.activateById('ucdh-jupyter-sidebar')
    );
    await setExpanded(page, 'Runs', true);
    const mail = page.locator('.jp-ucdh-Runs-mail');
    await expect(mail).toContainText('E-mail when a run ends: off.', {
      timeout: patient(10_000)
    });
    await mail.getByRole('button', { name: 'Turn on…' }).click();
    // The address field takes the keyboard; Enter sends it
    await expect(mail.locator('input[type="email"]')).toBeFocused();
    await page.keyboard.type('jdoe@hospital.example');
    await page.keyboard.press('Enter');
    await expect(mail).toContainText(
      /E-mail when a run ends: (on, to|waiting for you to follow the link sent to) jdoe@hospital\.example\./
    );
    await mail.getByRole('button', { name: 'Turn off' }).click();
    await expect(mail).toContainText('E-mail when a run ends: off.');
  });

  test("the e-mail's link opens JupyterLab at the Runs section", async ({
    page,
    baseURL
  }) => {
    // Given JupyterLab with the AWS sidebar closed
    await page.evaluate(() => (window as any).jupyterapp.shell.collapseLeft());
    await page.goto(`${baseURL}/lab`);
    await expect(page.locator('#ucdh-jupyter-sidebar')).toBeHidden();
    // When the link of a run's e-mail is followed
    await page.goto(`${baseURL}/lab?ucdh-run=01J3ZK5V6Q8X9Y0A1B2C3D4E5F`);
    // Then the sidebar is open at its Runs section
    await expect(page.locator('#ucdh-jupyter-sidebar')).toBeVisible({
      timeout: patient(10_000)
    });
    await expect(page.locator('.jp-ucdh-Section-runs')).toBeVisible();
  });
});
