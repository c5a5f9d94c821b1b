/** Helpers shared by the browser tests: the sidebar's accordion sections. */
import { expect } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

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
