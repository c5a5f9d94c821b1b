/**
 * The windowed object list in a 480 px viewport (jsdom has no layout, so the
 * list's height is given and scrolling is done by setting scrollTop): a few
 * dozen rows in the DOM however many pages are loaded, the next page when the
 * end comes near, and keyboard, filter and selection across unrendered rows.
 */
import { Dialog } from '@jupyterlab/apputils';

import { S3Section } from '../s3/section';
import { ROW_HEIGHT } from '../s3/virtual';
import { find, typeInto, waitFor } from './dom';
import { fakeS3Server, openLab } from './s3fixtures';

const VIEWPORT = 480;

describe('S3 windowed list', () => {
  let section: S3Section | null = null;

  beforeAll(() => {
    // Only the list's scrolling area has a height; everything else is unlaid-out.
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains('jp-ucdh-S3-scroll') ? VIEWPORT : 0;
      }
    });
  });

  afterAll(() => {
    delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
  });

  afterEach(() => {
    section?.dispose();
    section = null;
    Dialog.flush();
  });

  async function opened(
    server: ReturnType<typeof fakeS3Server>
  ): Promise<HTMLElement> {
    section = await openLab(server, { pageSize: 1000 });
    return section.node;
  }

  const rendered = (node: HTMLElement): HTMLElement[] =>
    Array.from(node.querySelectorAll<HTMLElement>('.jp-ucdh-S3-window > li'));
  const status = (node: HTMLElement): string =>
    node.querySelector('.jp-ucdh-S3-status')?.textContent ?? '';

  function scrollTo(node: HTMLElement, top: number): void {
    const scroller = node.querySelector<HTMLElement>('.jp-ucdh-S3-scroll')!;
    scroller.scrollTop = top;
    scroller.dispatchEvent(new Event('scroll'));
  }

  function scrollToEnd(node: HTMLElement): void {
    const list = node.querySelector<HTMLElement>('.jp-ucdh-S3-window')!;
    scrollTo(node, parseInt(list.style.height, 10) - VIEWPORT);
  }

  it('keeps the DOM to a few dozen rows while 5,200 keys load page by page on scrolling', async () => {
    const server = fakeS3Server({ objects: 5200 });
    const node = await opened(server);
    expect(status(node)).toBe('1001 items loaded, more to come');
    expect(rendered(node).length).toBeLessThan(50);

    for (let loaded = 2001; loaded <= 5001; loaded += 1000) {
      scrollToEnd(node);
      await waitFor(
        () => status(node) === `${loaded} items loaded, more to come`,
        `${loaded} rows`
      );
    }
    scrollToEnd(node);
    await waitFor(() => status(node) === '5201 items', 'the last page');
    scrollToEnd(node);
    await waitFor(
      () => rendered(node).some(row => row.dataset.key === 'obj-5199.csv'),
      'the last row'
    );

    const rows = rendered(node);
    expect(rows.length).toBeLessThan(200);
    expect(rows[rows.length - 1].dataset.key).toBe('obj-5199.csv');
    expect(rows[0].getAttribute('aria-setsize')).toBe('5201');
    const list = node.querySelector<HTMLElement>('.jp-ucdh-S3-window')!;
    expect(list.style.height).toBe(`${5201 * ROW_HEIGHT}px`);
    expect(rows[0].style.top).toBe(
      `${Number(rows[0].dataset.index) * ROW_HEIGHT}px`
    );
    const lists = server.requests.filter(r => r.path === 's3/list');
    expect(lists.map(r => r.query.cursor)).toEqual([
      undefined,
      '1000',
      '2000',
      '3000',
      '4000',
      '5000'
    ]);
  });

  it('asks for no page while the list is not scrolled near its end', async () => {
    const server = fakeS3Server({ objects: 2500 });
    const node = await opened(server);

    scrollTo(node, 200 * ROW_HEIGHT);
    await waitFor(
      () => rendered(node).some(row => row.dataset.key === 'obj-199.csv'),
      'the window to move'
    );

    expect(rendered(node).some(row => row.dataset.key === 'obj-000.csv')).toBe(
      false
    );
    expect(server.requests.filter(r => r.path === 's3/list')).toHaveLength(1);
  });

  it('moves the keyboard focus to rows that were not rendered, scrolling them into view', async () => {
    const node = await opened(fakeS3Server({ objects: 900 }));
    const first = node.querySelector<HTMLElement>('[data-key="runs/"]')!;
    first.focus();

    first.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'End', bubbles: true })
    );

    await waitFor(
      () =>
        (document.activeElement as HTMLElement).dataset.key === 'obj-899.csv',
      'the focus on the last row'
    );
    const scroller = node.querySelector<HTMLElement>('.jp-ucdh-S3-scroll')!;
    expect(scroller.scrollTop).toBe(901 * ROW_HEIGHT - VIEWPORT);
    expect(rendered(node).length).toBeLessThan(50);
    expect(
      node
        .querySelector('[data-key="obj-899.csv"]')
        ?.getAttribute('aria-selected')
    ).toBe('true');

    document.activeElement!.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'PageUp', bubbles: true })
    );
    await waitFor(
      () =>
        (document.activeElement as HTMLElement).dataset.key === 'obj-880.csv',
      'a page up'
    );
  });

  it('keeps the focused row in the DOM when it is scrolled out of view', async () => {
    const node = await opened(fakeS3Server({ objects: 900 }));
    const focused = node.querySelector<HTMLElement>(
      '[data-key="obj-003.csv"]'
    )!;
    focused.focus();

    scrollTo(node, 500 * ROW_HEIGHT);
    await waitFor(
      () => rendered(node).some(row => row.dataset.key === 'obj-500.csv'),
      'the window to move'
    );

    expect(document.activeElement).toBe(focused);
    expect(focused.isConnected).toBe(true);
    expect(focused.tabIndex).toBe(0);
  });

  it('filters all loaded rows, not just the rendered ones', async () => {
    const node = await opened(fakeS3Server({ objects: 900 }));

    typeInto(
      node.querySelector('.jp-ucdh-S3-filter') as HTMLInputElement,
      'obj-87'
    );

    await waitFor(() => rendered(node).length === 10, 'the filter');
    expect(rendered(node)[0].dataset.key).toBe('obj-870.csv');
    expect(status(node)).toBe('10 of 901 items shown');
  });

  it('selects a range across rows that are not in the DOM', async () => {
    const node = await opened(fakeS3Server({ objects: 900 }));
    node
      .querySelector<HTMLElement>('[data-key="obj-000.csv"]')!
      .dispatchEvent(new MouseEvent('click', { bubbles: true }));
    scrollTo(node, 600 * ROW_HEIGHT);
    const far = await find(node, '[data-key="obj-600.csv"]');

    far.dispatchEvent(
      new MouseEvent('click', { bubbles: true, shiftKey: true })
    );

    await waitFor(
      () =>
        node.querySelector('.jp-ucdh-S3-selectionCount')?.textContent ===
        '601 selected',
      'the range'
    );
    expect(
      node.querySelectorAll('.jp-ucdh-S3-row[aria-selected="true"]').length
    ).toBeLessThan(50);
  });
});
