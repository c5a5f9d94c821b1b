import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

import { setExpanded } from './helpers';

/**
 * The server's first catalog request lists ~1,400 types from the local AWS,
 * which takes seconds on a cold server; later requests answer from memory.
 */
const FIRST_LOAD = { timeout: 30_000 };

/** Drag the left sidebar's edge so the table's columns fit. */
async function widenSidebar(page: Page, by: number): Promise<void> {
  const box = await page.locator('#jp-left-stack').boundingBox();
  if (!box) {
    throw new Error('the left sidebar is not shown');
  }
  const x = box.x + box.width + 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by, y, { steps: 5 });
  await page.mouse.up();
}

/** The $/h of the first two rows, in the order shown. */
async function firstTwoPrices(table: Locator): Promise<number[]> {
  const cells = table.locator('.jp-ucdh-Compute-row td:nth-child(5)');
  const texts = [
    await cells.nth(0).innerText(),
    await cells.nth(1).innerText()
  ];
  return texts.map(text => Number(text.replace(/[$,]/g, '')));
}

test.describe('Compute section', () => {
  // Tall enough for the screenshot to hold presets, table and estimate.
  test.use({ viewport: { width: 1280, height: 1100 } });

  test('GPU preset, sort by price, pick a type and estimate 2.5 hours', async ({
    page
  }) => {
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    await setExpanded(page, 'Compute', true);
    // Room for the picker: the other sections fold away.
    await setExpanded(page, 'S3 data', false);
    await setExpanded(page, 'Runs', false);
    await widenSidebar(page, 300);

    const compute = page.locator('.jp-ucdh-Compute');
    const source = compute.locator('.jp-ucdh-PriceSource');
    // The demo's local AWS has no Pricing API: the bundled snapshot is used, and said so.
    await expect(source).toBeVisible();
    await expect(source).toContainText('bundled', FIRST_LOAD);
    await expect(source).toContainText('2026-07-20');
    await expect(source).toHaveAttribute('title', /snapshot/i);

    const gpu = compute.locator('.jp-ucdh-Compute-preset[data-preset="gpu"]');
    await gpu.click();
    await expect(gpu).toHaveAttribute('aria-pressed', 'true');
    const table = compute.locator('.jp-ucdh-Compute-table');
    const rows = table.locator('.jp-ucdh-Compute-row');
    // Every row listed now has a GPU ("1 × NVIDIA T4 (16 GiB)", never "—").
    await expect(rows.first().locator('td').nth(3)).toContainText('×');
    await expect(compute.locator('.jp-ucdh-Compute-summary')).not.toContainText(
      'updating'
    );
    const gpuRowsText = await table
      .locator('.jp-ucdh-Compute-row td:nth-child(4)')
      .allInnerTexts();
    expect(gpuRowsText.every(text => text.includes('×'))).toBe(true);

    // The preset sorts cheapest first; the header flips the order, then back.
    const priceHeader = table.locator('th', {
      has: page.locator('button[data-sort="price"]')
    });
    await priceHeader.locator('button').click();
    await expect(priceHeader).toHaveAttribute('aria-sort', 'descending');
    const [dearest, next] = await firstTwoPrices(table);
    expect(dearest).toBeGreaterThanOrEqual(next);
    await priceHeader.locator('button').click();
    await expect(priceHeader).toHaveAttribute('aria-sort', 'ascending');
    const [cheapest, second] = await firstTwoPrices(table);
    expect(cheapest).toBeLessThanOrEqual(second);

    const picked = rows.nth(1);
    const name = (await picked.getAttribute('data-type')) as string;
    await picked.click();
    await expect(picked).toHaveAttribute('aria-selected', 'true');
    const estimate = compute.locator('.jp-ucdh-Compute-estimate');
    await expect(estimate.locator('.jp-ucdh-Compute-selectedName')).toHaveText(
      name
    );
    const range = estimate.locator('.jp-ucdh-Compute-estimateRange');
    // The default runtime is a range (1-2 hours): low – high.
    await expect(range).toHaveText(/^\$[\d,.]+ – \$[\d,.]+$/);
    const before = await range.innerText();

    await estimate.locator('.jp-ucdh-Compute-hours').fill('2.5');

    // One runtime: a single figure, above the 1-2 hour range's low end.
    await expect(range).toHaveText(/^\$[\d,.]+$/);
    const after = Number((await range.innerText()).replace(/[$,]/g, ''));
    expect(after).toBeGreaterThan(
      Number(before.split(' – ')[0].replace(/[$,]/g, ''))
    );
    expect(after).toBeGreaterThanOrEqual(cheapest * 2.5 - 0.01);
    await expect(estimate).toContainText('per second');
    await expect(estimate).toContainText('Not included');
    await expect(
      compute.locator('.jp-ucdh-Compute-chart .jp-mod-selected')
    ).toBeVisible();
    await expect(source).toContainText('bundled');

    // Clicking the row scrolled the table sideways; show it from its first column.
    await table.evaluate(el => {
      (el.parentElement as HTMLElement).scrollLeft = 0;
    });
    await page
      .locator('#ucdh-jupyter-sidebar')
      .screenshot({ path: '../docs/compute.png' });
  });

  test('rows are reachable and selectable from the keyboard', async ({
    page
  }) => {
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    await setExpanded(page, 'Compute', true);
    const rows = page.locator('.jp-ucdh-Compute-row');
    await expect(rows.first()).toBeVisible(FIRST_LOAD);

    await rows.first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');

    const second = rows.nth(1);
    await expect(second).toBeFocused();
    await expect(second).toHaveAttribute('aria-selected', 'true');
    await expect(
      page.locator('.jp-ucdh-Compute-estimate .jp-ucdh-Compute-selectedName')
    ).toHaveText((await second.getAttribute('data-type')) as string);
  });
});
