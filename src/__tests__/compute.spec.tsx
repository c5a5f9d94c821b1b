/**
 * The Compute section as a user meets it, against a fake server: catalog on
 * first show, presets, sorting, keyboard selection, the estimate following the
 * runtime as it is typed, greyed types and the error state.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { UcdhClient } from '../client';
import { ComputeSection } from '../compute/widget';
import { fakeServer } from './computefixtures';
import { find, typeInto, waitFor } from './dom';

const trans = nullTranslator.load('ucdh_jupyter');

function press(element: HTMLElement, key: string): void {
  element.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
}

/**
 * A ResizeObserver (jsdom has none) that reports every observed element as
 * `width` pixels wide, like a sidebar of that width.
 */
function observeWidth(width: number): void {
  class FixedWidthObserver {
    constructor(private callback: ResizeObserverCallback) {}
    observe(target: Element): void {
      const entry = { target, contentRect: { width } } as ResizeObserverEntry;
      this.callback([entry], this as unknown as ResizeObserver);
    }
    unobserve(): void {
      /* nothing to undo */
    }
    disconnect(): void {
      /* nothing to undo */
    }
  }
  (window as unknown as { ResizeObserver: unknown }).ResizeObserver =
    FixedWidthObserver;
}

function headerColumns(root: HTMLElement): string[] {
  return Array.from(
    root.querySelectorAll('.jp-ucdh-Compute-table thead th')
  ).map(th => th.getAttribute('data-col') ?? '');
}

function rowNames(root: HTMLElement): string[] {
  return Array.from(root.querySelectorAll('.jp-ucdh-Compute-row')).map(
    row => row.getAttribute('data-type') ?? ''
  );
}

describe('ComputeSection', () => {
  let section: ComputeSection | null = null;

  /** A section shown in the page, talking to a fresh fake server. */
  function shown(options: { failCatalog?: number } = {}): {
    node: HTMLElement;
    requests: ReturnType<typeof fakeServer>['requests'];
  } {
    const server = fakeServer(options);
    section = new ComputeSection({
      trans,
      client: new UcdhClient(server.serverSettings),
      debounceMs: 20
    });
    Widget.attach(section, document.body);
    return { node: section.node, requests: server.requests };
  }

  afterEach(() => {
    section?.dispose();
    section = null;
    delete (window as unknown as { ResizeObserver?: unknown }).ResizeObserver;
  });

  it('asks for the catalog only once shown', async () => {
    const server = fakeServer();
    section = new ComputeSection({
      trans,
      client: new UcdhClient(server.serverSettings)
    });
    section.hide();
    Widget.attach(section, document.body);
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(0);

    section.show();

    await find(section.node, '.jp-ucdh-Compute-row');
    expect(server.requests.map(r => r.path)).toEqual(['compute/catalog']);
    // No cache-busting timestamp: the server refuses unknown parameters.
    expect(server.requests[0].params.toString()).toBe('');
  });

  it('lists every type with the price source and greys what the admin forbids', async () => {
    const { node } = shown();

    await find(node, '.jp-ucdh-Compute-row');
    const source = node.querySelector<HTMLElement>('.jp-ucdh-PriceSource');
    const forbidden = node.querySelector<HTMLElement>(
      '.jp-ucdh-Compute-row[data-type="p4d.24xlarge"]'
    );

    expect(rowNames(node)).toHaveLength(6);
    expect(source?.textContent).toBe(
      'AWS list prices, us-east-1, 2026-07-20 (bundled)'
    );
    // How they were obtained is in the tooltip.
    expect(source?.title).toContain('Snapshot');
    expect(forbidden?.classList.contains('jp-mod-disabled')).toBe(true);
    expect(forbidden?.title).toBe(
      'Not allowed: costs more than the $10.00/h limit'
    );
    expect(forbidden?.textContent).toContain('8 × A100');
    expect(node.querySelector('.jp-ucdh-Compute-chart svg')).not.toBeNull();
  });

  it('sorts by price when its header is clicked, and back', async () => {
    const { node } = shown();
    await find(node, '.jp-ucdh-Compute-row');
    const header = node.querySelector<HTMLElement>(
      'button[data-sort="price"]'
    ) as HTMLElement;

    header.click();
    await waitFor(
      () => rowNames(node)[0] === 't3.micro',
      'cheapest type first'
    );
    expect(header.parentElement?.getAttribute('aria-sort')).toBe('ascending');

    header.click();
    await waitFor(
      () => rowNames(node)[0] === 'p4d.24xlarge',
      'dearest type first'
    );
    expect(header.parentElement?.getAttribute('aria-sort')).toBe('descending');
    expect(rowNames(node)[5]).toBe('zz9.large');
  });

  it('applies the GPU preset and estimates its suggested type as hours are typed', async () => {
    const { node, requests } = shown();
    const gpu = await find(node, '.jp-ucdh-Compute-preset[data-preset="gpu"]');

    gpu.click();

    await waitFor(
      () => rowNames(node).join() === 'g4dn.xlarge,p4d.24xlarge',
      'only GPU types listed'
    );
    const last = requests.filter(r => r.path === 'compute/catalog').pop();
    expect(last?.params.toString()).toBe('gpu=yes');
    expect(gpu.getAttribute('aria-pressed')).toBe('true');
    const range = await find(node, '.jp-ucdh-Compute-estimateRange');
    expect(range.textContent).toBe('$0.53 – $1.05');

    const hours = node.querySelector<HTMLInputElement>(
      'input.jp-ucdh-Compute-hours'
    ) as HTMLInputElement;
    typeInto(hours, '2.');
    typeInto(hours, '2.5');

    await waitFor(
      () => range.textContent === '$1.32' || null,
      'estimate for 2.5 hours'
    );
    const estimates = requests.filter(r => r.path === 'compute/estimate');
    expect(estimates[estimates.length - 1].body).toMatchObject({
      instance_type: 'g4dn.xlarge',
      hours_low: 2.5,
      hours_high: 2.5,
      count: 1
    });
    const panel = node.querySelector('.jp-ucdh-Compute-estimate');
    expect(panel?.textContent).toContain('per second');
    expect(panel?.textContent).toContain('Not included:Savings Plans');
    expect(
      node.querySelector('.jp-ucdh-Compute-chart .jp-mod-selected')
    ).not.toBeNull();
  });

  it('says what to fix instead of estimating a runtime it cannot read', async () => {
    const { node, requests } = shown();
    (await find(node, '.jp-ucdh-Compute-row[data-type="m5.large"]')).click();
    const hours = (await find(
      node,
      'input.jp-ucdh-Compute-hours'
    )) as HTMLInputElement;
    await find(node, '.jp-ucdh-Compute-estimateRange');
    const before = requests.length;

    typeInto(hours, 'soon');

    await waitFor(
      () => hours.getAttribute('aria-invalid') === 'true',
      'the runtime marked invalid'
    );
    expect(node.textContent).toContain('Use a number of hours (2.5)');
    expect(node.querySelector('.jp-ucdh-Compute-estimateRange')).toBeNull();
    await new Promise(resolve => setTimeout(resolve, 60));
    expect(requests.length).toBe(before);
  });

  it('moves with the arrow keys and selects with Enter', async () => {
    const { node } = shown();
    const first = await find(node, '.jp-ucdh-Compute-row');
    expect(first.tabIndex).toBe(0);

    first.focus();
    press(first, 'ArrowDown');
    const second = await waitFor(
      () =>
        document.activeElement?.getAttribute('data-type') === rowNames(node)[1]
          ? (document.activeElement as HTMLElement)
          : null,
      'focus on the second row'
    );
    press(second, 'Enter');

    const name = await find(node, '.jp-ucdh-Compute-selectedName');
    expect(name.textContent).toBe(rowNames(node)[1]);
    expect(second.getAttribute('aria-selected')).toBe('true');
  });

  it('shows why a forbidden type cannot be launched once selected', async () => {
    const { node } = shown();
    const row = await find(
      node,
      '.jp-ucdh-Compute-row[data-type="p4d.24xlarge"]'
    );

    press(row, ' ');

    const reason = await find(node, '.jp-ucdh-Compute-reason');
    expect(reason.textContent).toBe(
      'Not allowed: costs more than the $10.00/h limit'
    );
  });

  it('says when no type matches the filters, and clears them', async () => {
    const { node } = shown();
    await find(node, '.jp-ucdh-Compute-row');
    const family = node.querySelector<HTMLInputElement>(
      'input[data-filter="family"]'
    ) as HTMLInputElement;

    typeInto(family, 'nosuch');

    await waitFor(
      () => node.textContent?.includes('No machine sizes match these filters'),
      'the empty state'
    );
    const clear = Array.from(node.querySelectorAll('button')).find(
      b => b.textContent === 'Clear filters' && !b.disabled
    ) as HTMLButtonElement;
    clear.click();
    await waitFor(() => rowNames(node).length === 6, 'every type again');
  });

  it('shows the server message and hint, and retries', async () => {
    const { node } = shown({ failCatalog: 1 });

    const retry = await find(node, 'button.jp-ucdh-Compute-retry');
    expect(node.querySelector('.jp-ucdh-Compute-message')?.textContent).toBe(
      'AWS refused to list instance types.'
    );
    expect(node.querySelector('.jp-ucdh-Hint code')?.textContent).toBe(
      'ec2:DescribeInstanceTypes'
    );

    retry.click();

    await find(node, '.jp-ucdh-Compute-row');
    expect(node.querySelector('.jp-ucdh-Compute-problem')).toBeNull();
  });
  it('fits type, summary and $/h in a default-width sidebar, the rest in a details line', async () => {
    // Given a sidebar about as wide as JupyterLab's default
    observeWidth(300);
    const { node } = shown();
    const row = await find(node, '.jp-ucdh-Compute-row[data-type="m5.large"]');

    // Then only the type, the vCPU/memory/GPU summary and $/h are columns
    expect(headerColumns(node)).toEqual(['name', 'summary', 'price']);
    const cells = Array.from(row.querySelectorAll('td'));
    expect(cells.map(td => td.getAttribute('data-col'))).toEqual([
      'name',
      'summary',
      'price'
    ]);
    expect(cells[1].textContent).toBe('2 vCPU · 8 GiB');
    expect(cells[2].firstChild?.textContent).toBe('$0.096');
    // Sorting by vCPU, memory and GPU stays reachable from the summary header
    const summary = node.querySelector('th[data-col="summary"]') as HTMLElement;
    expect(
      Array.from(summary.querySelectorAll('button')).map(b =>
        b.getAttribute('data-sort')
      )
    ).toEqual(['vcpu', 'memory', 'gpu']);
    // Screen readers hear the hidden columns on every row
    expect(row.querySelector('.jp-ucdh-Compute-srOnly')?.textContent).toBe(
      ', $0.048 per vCPU-hour, $0.012 per GiB-hour'
    );
    expect(node.querySelector('.jp-ucdh-Compute-details')).toBeNull();

    // When the row is selected
    row.click();

    // Then a muted details line under it says what the hidden columns say
    const details = await find(node, '.jp-ucdh-Compute-details');
    expect(details.previousElementSibling).toBe(row);
    expect(details.textContent).toBe(
      '$0.048 per vCPU-hour · $0.012 per GiB-hour'
    );
    expect(details.querySelector('td')?.colSpan).toBe(3);
  });

  it('keeps the full GPU name in the details line of a GPU type', async () => {
    observeWidth(300);
    const { node } = shown();
    const row = await find(
      node,
      '.jp-ucdh-Compute-row[data-type="g4dn.xlarge"]'
    );
    expect(row.querySelector('td[data-col="summary"]')?.textContent).toBe(
      '4 vCPU · 16 GiB · 1 × T4'
    );

    press(row, 'Enter');

    const details = await find(node, '.jp-ucdh-Compute-details');
    expect(details.textContent).toContain('1 × NVIDIA T4 (16 GiB)');
  });

  it('shows every column in a wide box, with no details line', async () => {
    // Given a widened sidebar (or a dialog)
    observeWidth(800);
    const { node } = shown();
    const row = await find(node, '.jp-ucdh-Compute-row[data-type="m5.large"]');

    row.click();

    await waitFor(
      () => row.getAttribute('aria-selected') === 'true',
      'the row selected'
    );
    expect(headerColumns(node)).toEqual([
      'name',
      'vcpu',
      'memory',
      'gpu',
      'price',
      'price_per_vcpu',
      'price_per_gib'
    ]);
    expect(node.querySelector('.jp-ucdh-Compute-details')).toBeNull();
    expect(node.querySelector('.jp-ucdh-Compute-srOnly')).toBeNull();
  });
});
