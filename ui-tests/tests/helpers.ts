/** Helpers shared by the browser tests: the sidebar's accordion sections. */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

/**
 * A deadline (ms) that is enough on a quiet developer machine, stretched by the
 * suites' patience factor (UCDH_TEST_PATIENCE, default 5: the CI machine was
 * measured five times slower). As `patient` in ui-tests/galata-common.js.
 */
export function patient(ms: number): number {
  return ms * Number(process.env.UCDH_TEST_PATIENCE || 5);
}

/** The accordion bar of a sidebar section, by its title. */
export function sectionTitle(page: Page, title: string): Locator {
  return page
    .locator('#ucdh-jupyter-sidebar .jp-AccordionPanel-title')
    .filter({ hasText: title });
}

/** Expand (or collapse) a sidebar section unless it already is. */
export async function setExpanded(
  page: Page,
  title: string,
  expanded: boolean
): Promise<void> {
  const bar = sectionTitle(page, title);
  if ((await bar.getAttribute('aria-expanded')) !== String(expanded)) {
    await bar.click();
  }
  await expect(bar).toHaveAttribute('aria-expanded', String(expanded));
}

/** Open a notebook by its path from the Jupyter root; its panel once shown. */
export async function openNotebook(page: Page, path: string): Promise<Locator> {
  await page.evaluate(async (notebook: string) => {
    await (window as any).jupyterapp.commands.execute('docmanager:open', {
      path: notebook
    });
  }, path);
  const panel = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
  await expect(panel).toBeVisible();
  return panel;
}

/** A Python notebook of two empty code cells. */
export const EMPTY_NOTEBOOK = {
  cells: ['single', 'selection'].map(id => ({
    id,
    cell_type: 'code',
    execution_count: null,
    metadata: {},
    outputs: [],
    source: ''
  })),
  metadata: {
    kernelspec: {
      name: 'python3',
      display_name: 'Python 3',
      language: 'python'
    }
  },
  nbformat: 4,
  nbformat_minor: 5
};

/** Save EMPTY_NOTEBOOK at `path` and open it; its panel once shown. */
export async function openEmptyNotebook(
  page: IJupyterLabPageFixture,
  path: string
): Promise<Locator> {
  await page.contents.uploadContent(
    JSON.stringify(EMPTY_NOTEBOOK),
    'text',
    path
  );
  return openNotebook(page, path);
}

/** Open a notebook of the demo's Jupyter root, then its Run dialog. */
export async function openRunDialog(
  page: Page,
  path: string
): Promise<Locator> {
  await openNotebook(page, path);
  const button = page.locator('.jp-NotebookPanel-toolbar .jp-ucdh-RunButton');
  await expect(button).toBeVisible();
  await button.click();
  return page.locator('.jp-ucdh-RunDialog');
}

/**
 * Open the Run dialog of a demo notebook once it shows the notebook's
 * `parameter` default, on the small preset with a short expected runtime and a
 * quarter of an hour's max runtime: the start of the sweep and schedule tests.
 */
export async function openSmallRunDialog(
  page: Page,
  path: string,
  parameter: string,
  value: string
): Promise<Locator> {
  const dialog = await openRunDialog(page, path);
  await expect(
    dialog.locator(`input[data-parameter="${parameter}"]`)
  ).toHaveValue(value, { timeout: patient(10_000) });
  await dialog
    .locator('.jp-ucdh-Compute-preset[data-preset="small"]')
    .click({ timeout: patient(10_000) });
  await dialog.locator('.jp-ucdh-RunDialog-expected').fill('0.05-0.1');
  await dialog.locator('.jp-ucdh-RunDialog-hours').fill('0.25');
  return dialog;
}

/** Drag the sidebar's edge ``pixels`` to the right (wider screenshots). */
export async function widenSidebar(page: Page, pixels: number): Promise<void> {
  const handle = page
    .locator('#jp-main-split-panel > .lm-SplitPanel-handle')
    .first();
  const box = (await handle.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + pixels, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** What the Run dialog's submit posts to, and the status the server accepts it with. */
const ACCEPTED = { runs: 202, schedules: 201 };

/**
 * Submit the Run dialog; what the server accepted: the run (202 from `POST runs`)
 * or, with "Run on a schedule" on, the schedule (201 from `POST schedules`).
 */
export async function submitRun(
  page: Page,
  dialog: Locator,
  route: keyof typeof ACCEPTED = 'runs'
): Promise<Record<string, any>> {
  const submitted = page.waitForResponse(
    response =>
      // JupyterLab appends a cache-busting timestamp, even to a POST.
      new RegExp(`/ucdh-jupyter/${route}(\\?\\d*)?$`).test(response.url()) &&
      response.request().method() === 'POST'
  );
  await dialog.locator('.jp-ucdh-RunDialog-submit').click();
  const response = await submitted;
  expect(response.status()).toBe(ACCEPTED[route]);
  await expect(dialog).toHaveCount(0);
  return response.json();
}

/**
 * The name "Open result" gives a run's copy (see `runs/results.py`): the
 * run's submission minute in UTC, e.g. `welcome.run-2026-12-04-1530.ipynb`,
 * with the seconds and a counter when another run of the notebook (an earlier
 * test's) took that name.
 */
export function resultName(
  stem: string,
  run: Record<string, any>,
  suffix = '.ipynb'
): RegExp {
  const stamp = String(run.created_at)
    .slice(0, 16)
    .replace('T', '-')
    .replace(':', '');
  const escape = (text: string): string =>
    text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `${escape(stem)}\\.run-${stamp}(\\d\\d)?(-\\d+)?${escape(suffix)}`
  );
}
