import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

import { patient, setExpanded } from './helpers';

/**
 * The server's first catalog request lists ~1,400 types from the local AWS,
 * which takes seconds on a cold server (over 30 s on a loaded machine); later
 * requests answer from memory.
 */
const FIRST_LOAD = { timeout: patient(15_000) };

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
  const cells = table.locator('.jp-ucdh-Compute-row td[data-col="price"]');
  const texts = [
    await cells.nth(0).innerText(),
    await cells.nth(1).innerText()
  ];
  // The cell's own figure comes first; screen-reader text may follow it.
  return texts.map(text =>
    Number((/\$([\d,.]+)/.exec(text)?.[1] ?? 'NaN').replace(/,/g, ''))
  );
}

/**
 * Check that the type, summary and $/h cells of the first rows lie inside the
 * table's visible width, with nothing to scroll sideways, and that those of
 * the selected row (a preset's suggestion) are wholly in view.
 */
async function expectMainColumnsVisible(page: Page): Promise<void> {
  const wrap = page.locator('.jp-ucdh-Compute-tableWrap');
  const box = await wrap.boundingBox();
  if (!box) {
    throw new Error('the table is not shown');
  }
  const widths = await wrap.evaluate(el => ({
    scroll: el.scrollWidth,
    client: el.clientWidth,
    left: el.scrollLeft
  }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  expect(widths.left).toBe(0);
  const rows = page.locator('.jp-ucdh-Compute-row');
  const count = Math.min(await rows.count(), 4);
  expect(count).toBeGreaterThan(0);
  const selected = page.locator('.jp-ucdh-Compute-row[aria-selected="true"]');
  const hasSelection = (await selected.count()) > 0;
  // Wholly in view: the selected row, else the first (a preset's suggestion
  // may scroll the first rows up out of the box).
  const checks: [Locator, boolean][] = [];
  for (let i = 0; i < count; i++) {
    checks.push([rows.nth(i), i === 0 && !hasSelection]);
  }
  if (hasSelection) {
    checks.push([selected, true]);
  }
  for (const [row, inView] of checks) {
    for (const col of ['name', 'summary', 'price']) {
      const cell = await row.locator(`td[data-col="${col}"]`).boundingBox();
      if (!cell) {
        throw new Error(`a row has no ${col} cell`);
      }
      expect(cell.x).toBeGreaterThanOrEqual(box.x);
      expect(cell.x + cell.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
      if (inView) {
        expect(cell.y).toBeGreaterThanOrEqual(box.y);
        expect(cell.y + cell.height).toBeLessThanOrEqual(
          box.y + box.height + 0.5
        );
      }
    }
  }
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
    // The demo's local AWS has no Pricing API: the bundled snapshot is used; the line
    // says where the prices come from and as of when, the tooltip how.
    await expect(source).toBeVisible();
    await expect(source).toHaveAttribute('data-source', 'bundled', FIRST_LOAD);
    await expect(source).toHaveText(
      /^AWS list prices, [a-z0-9-]+, 2026-07-20 \(bundled\)$/
    );
    await expect(source).toHaveAttribute('title', /snapshot/i);
    // Never a file path in the UI.
    expect(await source.getAttribute('title')).not.toMatch(/\.go\b|karpenter/i);

    const gpu = compute.locator('.jp-ucdh-Compute-preset[data-preset="gpu"]');
    await gpu.click();
    await expect(gpu).toHaveAttribute('aria-pressed', 'true');
    const table = compute.locator('.jp-ucdh-Compute-table');
    const rows = table.locator('.jp-ucdh-Compute-row');
    // Every row listed now has a GPU ("1 × T4 (16 GiB)", never "—"), in its own
    // column or in the summary, whichever the width allows.
    const gpuCells = table.locator(
      '.jp-ucdh-Compute-row :is(td[data-col="gpu"], td[data-col="summary"])'
    );
    await expect(gpuCells.first()).toContainText('×');
    await expect(compute.locator('.jp-ucdh-Compute-summary')).not.toContainText(
      'updating'
    );
    const gpuRowsText = await gpuCells.allInnerTexts();
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
    await expect(source).toHaveAttribute('data-source', 'bundled');
    // Clicking a row never scrolls the table sideways.
    expect(await table.evaluate(el => el.parentElement?.scrollLeft)).toBe(0);
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

  test('at the default sidebar width, type, summary and $/h show for every preset', async ({
    page
  }) => {
    // Five presets, each a new catalog: more than one test's time on a loaded machine.
    test.slow();
    // The sidebar keeps JupyterLab's default width: no resizing here.
    await page.sidebar.openTab('ucdh-jupyter-sidebar');
    await setExpanded(page, 'Compute', true);
    await setExpanded(page, 'S3 data', false);
    await setExpanded(page, 'Runs', false);
    const compute = page.locator('.jp-ucdh-Compute');
    const rows = compute.locator('.jp-ucdh-Compute-row');
    await expect(rows.first()).toBeVisible(FIRST_LOAD);
    const table = compute.locator('.jp-ucdh-Compute-table');
    await expect(table).toHaveAttribute('data-columns', 'name summary price');
    await expectMainColumnsVisible(page);

    const presets = await compute
      .locator('.jp-ucdh-Compute-preset')
      .evaluateAll(els => els.map(el => el.getAttribute('data-preset')));
    expect(presets).toContain('gpu');
    for (const preset of presets) {
      const button = compute.locator(
        `.jp-ucdh-Compute-preset[data-preset="${preset}"]`
      );
      await button.click();
      await expect(button).toHaveAttribute('aria-pressed', 'true');
      await expect(
        compute.locator('.jp-ucdh-Compute-summary')
      ).not.toContainText('updating');
      // The new catalog arrives and the suggestion scrolls into view.
      await expect(() => expectMainColumnsVisible(page)).toPass();
    }

    // Clicking a row, and moving with the arrow keys, never scrolls sideways;
    // the selected row shows what the hidden columns say under it.
    const wrap = compute.locator('.jp-ucdh-Compute-tableWrap');
    await rows.nth(1).click();
    await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
    await expect(compute.locator('.jp-ucdh-Compute-details')).toContainText(
      'per vCPU-hour'
    );
    expect(await wrap.evaluate(el => el.scrollLeft)).toBe(0);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(rows.nth(2)).toHaveAttribute('aria-selected', 'true');
    expect(await wrap.evaluate(el => el.scrollLeft)).toBe(0);
    await expectMainColumnsVisible(page);
    await page
      .locator('#ucdh-jupyter-sidebar')
      .screenshot({ path: 'test-results/compute-default-width.png' });
  });
});
