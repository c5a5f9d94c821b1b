/**
 * Selecting several rows of the S3 section and acting on them at once: clicks
 * with and without modifiers, the keyboard, the selection bar, the context
 * menu of a selected row, dragging the selection into a notebook, and bulk
 * delete, copy and URIs against a fake server.
 */
import { Clipboard, Dialog } from '@jupyterlab/apputils';

import { S3Section } from '../s3/section';
import { find, waitFor } from './dom';
import { dragStart, fakeS3Server, openLab } from './s3fixtures';

describe('S3 multi-select', () => {
  let section: S3Section | null = null;

  afterEach(() => {
    section?.dispose();
    section = null;
    Dialog.flush();
    jest.restoreAllMocks();
  });

  async function opened(
    server: ReturnType<typeof fakeS3Server>
  ): Promise<HTMLElement> {
    section = await openLab(server, {
      pageSize: 10,
      workspaceFolder: () => 'data'
    });
    return section.node;
  }

  const row = (node: HTMLElement, key: string): HTMLElement =>
    node.querySelector<HTMLElement>(`.jp-ucdh-S3-row[data-key="${key}"]`)!;

  const selectedKeys = (node: HTMLElement): string[] =>
    Array.from(
      node.querySelectorAll<HTMLElement>(
        '.jp-ucdh-S3-row[aria-selected="true"]'
      )
    ).map(item => item.dataset.key ?? '');

  const barText = (node: HTMLElement): string | null =>
    node.querySelector('.jp-ucdh-S3-selectionCount')?.textContent ?? null;

  function click(
    target: HTMLElement,
    modifiers: { ctrlKey?: boolean; metaKey?: boolean; shiftKey?: boolean } = {}
  ): void {
    target.dispatchEvent(
      new MouseEvent('click', { bubbles: true, ...modifiers })
    );
  }

  function key(
    target: Element,
    name: string,
    modifiers: { ctrlKey?: boolean; metaKey?: boolean; shiftKey?: boolean } = {}
  ): void {
    target.dispatchEvent(
      new KeyboardEvent('keydown', { key: name, bubbles: true, ...modifiers })
    );
  }

  it('is an accessible multi-select listbox whose rows say whether they are selected', async () => {
    const node = await opened(fakeS3Server({ objects: 3 }));

    const list = node.querySelector('.jp-ucdh-S3-window')!;
    expect(list.getAttribute('role')).toBe('listbox');
    expect(list.getAttribute('aria-multiselectable')).toBe('true');
    click(row(node, 'obj-001.csv'));

    await waitFor(() => barText(node) === '1 selected', 'the selection bar');
    expect(row(node, 'obj-001.csv').getAttribute('aria-selected')).toBe('true');
    expect(row(node, 'obj-000.csv').getAttribute('aria-selected')).toBe(
      'false'
    );
    expect(row(node, 'obj-001.csv').getAttribute('role')).toBe('option');
  });

  it('selects one row on click, toggles with Ctrl or Cmd, extends with Shift', async () => {
    const node = await opened(fakeS3Server({ objects: 6 }));

    click(row(node, 'obj-001.csv'));
    click(row(node, 'obj-003.csv'), { ctrlKey: true });
    await waitFor(() => barText(node) === '2 selected', 'two selected');
    expect(selectedKeys(node)).toEqual(['obj-001.csv', 'obj-003.csv']);

    click(row(node, 'obj-001.csv'), { metaKey: true });
    await waitFor(() => barText(node) === '1 selected', 'one toggled off');
    expect(selectedKeys(node)).toEqual(['obj-003.csv']);

    // The last row clicked with or without Ctrl anchors the range.
    click(row(node, 'obj-004.csv'), { shiftKey: true });
    await waitFor(() => barText(node) === '4 selected', 'a range');
    expect(selectedKeys(node)).toEqual([
      'obj-001.csv',
      'obj-002.csv',
      'obj-003.csv',
      'obj-004.csv'
    ]);

    click(row(node, 'runs/'));
    await waitFor(() => barText(node) === '1 selected', 'a plain click');
    expect(selectedKeys(node)).toEqual(['runs/']);
  });

  it('selects with Shift+arrows and Ctrl+A, and clears with Escape', async () => {
    const node = await opened(fakeS3Server({ objects: 4 }));
    const first = row(node, 'obj-000.csv');
    first.focus();

    key(first, 'ArrowDown', { shiftKey: true });
    await waitFor(() => barText(node) === '2 selected', 'Shift+ArrowDown');
    expect(selectedKeys(node)).toEqual(['obj-000.csv', 'obj-001.csv']);
    expect((document.activeElement as HTMLElement).dataset.key).toBe(
      'obj-001.csv'
    );

    key(document.activeElement!, 'a', { ctrlKey: true });
    await waitFor(() => barText(node) === '5 selected', 'Ctrl+A');

    key(document.activeElement!, 'Escape');
    await waitFor(() => barText(node) === null, 'Escape to clear');
    expect(selectedKeys(node)).toEqual([]);
  });

  it('moves the selection with the arrow keys and toggles a row with Space', async () => {
    const node = await opened(fakeS3Server({ objects: 3 }));
    row(node, 'runs/').focus();

    key(row(node, 'runs/'), 'ArrowDown');
    await waitFor(() => selectedKeys(node).join() === 'obj-000.csv', 'Down');
    key(document.activeElement!, 'ArrowDown', { ctrlKey: true });
    await waitFor(
      () =>
        (document.activeElement as HTMLElement).dataset.key === 'obj-001.csv',
      'Ctrl+Down to move the focus only'
    );
    key(document.activeElement!, ' ');

    await waitFor(() => barText(node) === '2 selected', 'Space');
    expect(selectedKeys(node)).toEqual(['obj-000.csv', 'obj-001.csv']);
  });

  it('acts on the whole selection from the menu of a selected row, on one row otherwise', async () => {
    const node = await opened(fakeS3Server({ objects: 3 }));
    click(row(node, 'obj-000.csv'));
    click(row(node, 'obj-002.csv'), { ctrlKey: true });
    await waitFor(() => barText(node) === '2 selected', 'two selected');

    row(node, 'obj-002.csv').dispatchEvent(
      new MouseEvent('contextmenu', { bubbles: true })
    );
    const menu = await find(document.body, '.jp-ucdh-S3-menu');
    expect(menu.querySelector('.jp-ucdh-S3-menuCaption')?.textContent).toBe(
      '2 selected'
    );
    expect(
      Array.from(menu.querySelectorAll<HTMLElement>('[data-action]')).map(
        item => item.dataset.action
      )
    ).toEqual(['download', 'uri', 'workspace', 'delete']);
    key(menu.querySelector('button')!, 'Escape');
    await waitFor(() => !document.querySelector('.jp-ucdh-S3-menu'), 'close');

    row(node, 'obj-001.csv').dispatchEvent(
      new MouseEvent('contextmenu', { bubbles: true })
    );
    const single = await find(document.body, '.jp-ucdh-S3-menu');
    expect(single.querySelector('.jp-ucdh-S3-menuCaption')).toBeNull();
    expect(single.querySelector('[data-action="properties"]')).not.toBeNull();
    await waitFor(() => barText(node) === '1 selected', 'the row alone');
    expect(selectedKeys(node)).toEqual(['obj-001.csv']);
  });

  it('deletes every selected object and folder after showing the total the server counted', async () => {
    const server = fakeS3Server({ objects: 4 });
    const node = await opened(server);
    click(row(node, 'runs/'));
    click(row(node, 'obj-000.csv'), { ctrlKey: true });
    click(row(node, 'obj-002.csv'), { ctrlKey: true });
    await waitFor(() => barText(node) === '3 selected', 'three selected');

    (
      node.querySelector(
        '.jp-ucdh-S3-selectionBar [data-action="delete"]'
      ) as HTMLElement
    ).click();

    const confirm = await find(document.body, '.jp-Dialog .jp-mod-warn');
    const dialog = document.body.querySelector('.jp-Dialog')!;
    // 3 objects under runs/ (3 MiB) + the two selected objects (1.5 + 4.5 KiB).
    await waitFor(
      () =>
        dialog.querySelector('.jp-Dialog-header')?.textContent ===
        'Delete 5 objects?',
      'the total in the title'
    );
    expect(dialog.textContent).toContain(
      'The 3 selected items hold 5 objects (3.0 MiB). They will be deleted for good.'
    );
    confirm.click();

    await waitFor(
      () =>
        !row(node, 'obj-000.csv') &&
        !row(node, 'obj-002.csv') &&
        !row(node, 'runs/'),
      'the deleted rows to go'
    );
    const deletes = server.requests
      .filter(r => r.path === 's3/delete')
      .map(r => r.body);
    expect(deletes).toEqual([
      {
        bucket: 'lab',
        keys: ['obj-000.csv', 'obj-002.csv'],
        dry_run: true
      },
      { bucket: 'lab', prefix: 'runs/', dry_run: true },
      {
        bucket: 'lab',
        keys: ['obj-000.csv', 'obj-002.csv'],
        dry_run: false
      },
      { bucket: 'lab', prefix: 'runs/', dry_run: false }
    ]);
    expect(row(node, 'obj-001.csv')).not.toBeNull();
  });

  it('deletes nothing when the user cancels a bulk delete', async () => {
    const server = fakeS3Server({ objects: 2 });
    const node = await opened(server);
    click(row(node, 'obj-000.csv'));
    click(row(node, 'obj-001.csv'), { shiftKey: true });
    await waitFor(() => barText(node) === '2 selected', 'two selected');

    key(row(node, 'obj-001.csv'), 'Delete');
    (await find(document.body, '.jp-Dialog .jp-mod-reject')).click();

    await waitFor(() => !document.querySelector('.jp-Dialog'), 'closed');
    const deletes = server.requests.filter(r => r.path === 's3/delete');
    expect(deletes.map(r => r.body.dry_run)).toEqual([true]);
    expect(selectedKeys(node)).toEqual(['obj-000.csv', 'obj-001.csv']);
  });

  it('copies the s3:// URIs of the selection, one per line', async () => {
    const copied: string[] = [];
    jest
      .spyOn(Clipboard, 'copyToSystem')
      .mockImplementation(text => void copied.push(String(text)));
    const node = await opened(fakeS3Server({ objects: 2 }));
    click(row(node, 'runs/'));
    click(row(node, 'obj-001.csv'), { ctrlKey: true });
    await waitFor(() => barText(node) === '2 selected', 'two selected');

    (
      node.querySelector(
        '.jp-ucdh-S3-selectionBar [data-action="uri"]'
      ) as HTMLElement
    ).click();

    expect(copied).toEqual(['s3://lab/runs/\ns3://lab/obj-001.csv']);
  });

  it('drags a snippet that reads every selected object when a selected row is dragged', async () => {
    const node = await opened(fakeS3Server({ objects: 4 }));
    click(row(node, 'runs/'));
    click(row(node, 'obj-001.csv'), { ctrlKey: true });
    click(row(node, 'obj-003.csv'), { ctrlKey: true });
    await waitFor(() => barText(node) === '3 selected', 'three selected');

    const selection = dragStart(row(node, 'obj-003.csv'));
    // The folder carries nothing; the unselected row alone, its own snippet.
    const alone = dragStart(row(node, 'obj-000.csv'));

    expect(selection.data['text/plain']).toBe(
      'import pandas as pd\nfrom ucdh_jupyter import open_s3\n\nframes = {\n' +
        '    "obj-001.csv": pd.read_csv(open_s3("s3://lab/obj-001.csv")),\n' +
        '    "obj-003.csv": pd.read_csv(open_s3("s3://lab/obj-003.csv")),\n}'
    );
    expect(selection.effectAllowed).toBe('copy');
    expect(alone.data['text/plain']).toBe(
      'import pandas as pd\nfrom ucdh_jupyter import open_s3\n\n' +
        'df = pd.read_csv(open_s3("s3://lab/obj-000.csv"))\ndf.head()'
    );
    expect(barText(node)).toBe('3 selected');
  });

  it('copies each selected item into the workspace folder, asking once before replacing files', async () => {
    const server = fakeS3Server({
      objects: 3,
      workspaceFiles: ['data/obj-002.csv']
    });
    const node = await opened(server);
    click(row(node, 'runs/'));
    click(row(node, 'obj-002.csv'), { ctrlKey: true });
    await waitFor(() => barText(node) === '2 selected', 'two selected');

    (
      node.querySelector(
        '.jp-ucdh-S3-selectionBar [data-action="workspace"]'
      ) as HTMLElement
    ).click();

    const replace = await find(document.body, '.jp-Dialog .jp-mod-warn');
    // The body is rendered after the buttons (a React widget updates later).
    await waitFor(
      () =>
        document.body
          .querySelector('.jp-Dialog')
          ?.textContent?.includes(
            "The workspace file 'data/obj-002.csv' already exists."
          ),
      'the existing file named'
    );
    replace.click();
    await waitFor(
      () =>
        node.querySelectorAll('.jp-ucdh-S3-transfer[data-state="succeeded"]')
          .length === 2,
      'both copies to finish'
    );
    const posts = server.requests
      .filter(r => r.path === 's3/transfers' && r.method === 'POST')
      .map(r => r.body);
    expect(posts).toEqual([
      {
        direction: 'to_workspace',
        bucket: 'lab',
        prefix: 'runs/',
        path: 'data/runs'
      },
      {
        direction: 'to_workspace',
        bucket: 'lab',
        key: 'obj-002.csv',
        path: 'data/obj-002.csv'
      },
      {
        direction: 'to_workspace',
        bucket: 'lab',
        key: 'obj-002.csv',
        path: 'data/obj-002.csv',
        overwrite: true
      }
    ]);
    expect(
      Array.from(node.querySelectorAll('.jp-ucdh-S3-transfer')).map(
        line => line.textContent
      )
    ).toEqual([
      'Copied runs to data/runs (1.5 KiB).',
      'Copied obj-002.csv to data/obj-002.csv (1.5 KiB).'
    ]);
  });
});
