/**
 * The S3 section as a user meets it, against a fake server: buckets, a folder
 * loaded one page at a time, the filter, keyboard navigation, an error with
 * Retry, and a delete that shows the count before it deletes.
 */
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { UcdhClient } from '../client';
import { S3Section } from '../s3/section';
import { find, typeInto, waitFor } from './dom';
import { dragStart, FakeXHR, fakeS3Server } from './s3fixtures';

const trans = nullTranslator.load('ucdh_jupyter');

describe('S3Section', () => {
  let section: S3Section | null = null;

  afterEach(() => {
    section?.dispose();
    section = null;
    Dialog.flush();
  });

  function shown(server: ReturnType<typeof fakeS3Server>): HTMLElement {
    section = new S3Section({
      trans,
      client: new UcdhClient(server.serverSettings),
      pageSize: 4,
      workspaceFolder: () => 'data'
    });
    Widget.attach(section, document.body);
    return section.node;
  }

  const rowKeys = (node: HTMLElement): string[] =>
    Array.from(node.querySelectorAll<HTMLElement>('.jp-ucdh-S3-row')).map(
      row => row.dataset.key ?? ''
    );

  async function openLab(node: HTMLElement): Promise<void> {
    (await find(node, '.jp-ucdh-S3-row[data-key="lab"]')).click();
    await find(node, '.jp-ucdh-S3-row[data-kind="object"]');
  }

  it('asks for nothing until shown, then lists buckets', async () => {
    const server = fakeS3Server({ objects: 2 });
    section = new S3Section({
      trans,
      client: new UcdhClient(server.serverSettings)
    });
    expect(server.requests).toHaveLength(0);

    Widget.attach(section, document.body);

    const bucket = await find(section.node, '.jp-ucdh-S3-row[data-key="lab"]');
    expect(bucket.dataset.kind).toBe('bucket');
  });

  it('shows folders then one page of objects with sizes, and loads the next page on demand', async () => {
    const server = fakeS3Server({ objects: 6 });
    const node = shown(server);

    await openLab(node);

    expect(node.querySelector('.jp-ucdh-S3-breadcrumb')?.textContent).toBe(
      'Buckets/lab'
    );
    expect(rowKeys(node)).toEqual([
      'runs/',
      'obj-000.csv',
      'obj-001.csv',
      'obj-002.csv',
      'obj-003.csv'
    ]);
    const first = node.querySelector('[data-key="obj-000.csv"]');
    expect(first?.querySelector('.jp-ucdh-S3-size')?.textContent).toBe(
      '1.5 KiB'
    );
    expect(first?.textContent).toContain('STANDARD');

    (await find(node, '.jp-ucdh-S3-more')).click();

    await waitFor(() => rowKeys(node).length === 7, 'the second page');
    expect(node.querySelector('.jp-ucdh-S3-more')).toBeNull();
    const lists = server.requests.filter(r => r.path === 's3/list');
    expect(lists.map(r => r.query.cursor)).toEqual([undefined, '4']);
    expect(lists.every(r => r.query.limit === '4')).toBe(true);
  });

  it('filters the loaded rows by name', async () => {
    const node = shown(fakeS3Server({ objects: 3 }));
    await openLab(node);

    typeInto(
      node.querySelector('.jp-ucdh-S3-filter') as HTMLInputElement,
      'OBJ-002'
    );

    await waitFor(() => rowKeys(node).length === 1, 'the filter');
    expect(rowKeys(node)).toEqual(['obj-002.csv']);
    expect(node.querySelector('.jp-ucdh-S3-status')?.textContent).toBe(
      '1 of 4 items shown'
    );
  });

  it('opens a folder with Enter and goes up with Backspace', async () => {
    const node = shown(fakeS3Server({ objects: 1 }));
    await openLab(node);
    const folder = node.querySelector<HTMLElement>('[data-key="runs/"]')!;
    expect(folder.tabIndex).toBe(0);

    folder.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
    );

    const empty = await find(node, '.jp-ucdh-S3-empty');
    expect(empty.textContent).toContain('This folder is empty.');
    node
      .querySelector('.jp-ucdh-S3-folder')!
      .dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Backspace', bubbles: true })
      );
    await find(node, '[data-key="obj-000.csv"]');
  });

  it('explains a failed listing and lists again on Retry', async () => {
    const node = shown(fakeS3Server({ objects: 1, failLists: 1 }));
    (await find(node, '[data-key="lab"]')).click();

    const problem = await find(node, '.jp-ucdh-Compute-problem');
    expect(problem.textContent).toContain('Access denied to s3://lab/.');
    expect(problem.querySelector('code')?.textContent).toBe('s3:ListBucket');

    (problem.querySelector('.jp-ucdh-Compute-retry') as HTMLElement).click();

    await find(node, '[data-key="obj-000.csv"]');
    expect(node.querySelector('.jp-ucdh-Compute-problem')).toBeNull();
  });

  it('counts before deleting, deletes on confirm and lists again', async () => {
    const server = fakeS3Server({ objects: 2 });
    const node = shown(server);
    await openLab(node);

    (
      node.querySelector(
        '[data-key="obj-001.csv"] .jp-ucdh-S3-delete'
      ) as HTMLElement
    ).click();

    const confirm = await find(document.body, '.jp-Dialog .jp-mod-warn');
    expect(document.body.querySelector('.jp-Dialog')?.textContent).toContain(
      's3://lab/obj-001.csv will be deleted for good.'
    );
    const deletes = server.requests.filter(r => r.path === 's3/delete');
    expect(deletes.map(r => r.body.dry_run)).toEqual([true]);
    confirm.click();

    await waitFor(
      () => !rowKeys(node).includes('obj-001.csv'),
      'the deleted row to go'
    );
    expect(rowKeys(node)).toEqual(['runs/', 'obj-000.csv']);
  });

  it('shows how many objects a folder holds before deleting it', async () => {
    const server = fakeS3Server({ objects: 1 });
    const node = shown(server);
    await openLab(node);

    (
      node.querySelector('[data-key="runs/"] .jp-ucdh-S3-delete') as HTMLElement
    ).click();

    const confirm = await find(document.body, '.jp-Dialog .jp-mod-warn');
    const dialog = document.body.querySelector('.jp-Dialog');
    // The header is a React widget, rendered after the buttons: wait for it
    // (a loaded machine read it empty).
    await waitFor(
      () =>
        dialog?.querySelector('.jp-Dialog-header')?.textContent ===
        'Delete 3 objects?',
      'the question with the count'
    );
    expect(dialog?.textContent).toContain(
      'The folder runs/ holds 3 objects (3.0 MiB).'
    );
    confirm.click();

    await waitFor(() => !rowKeys(node).includes('runs/'), 'the folder to go');
    const deletes = server.requests.filter(r => r.path === 's3/delete');
    expect(deletes.map(r => [r.body.prefix, r.body.dry_run])).toEqual([
      ['runs/', true],
      ['runs/', false]
    ]);
  });

  it('creates a folder with the name the user types', async () => {
    const server = fakeS3Server({ objects: 1 });
    const node = shown(server);
    await openLab(node);

    (node.querySelector('.jp-ucdh-S3-newFolder') as HTMLElement).click();
    const input = await find(document.body, '.jp-Dialog input');
    typeInto(input as HTMLInputElement, 'cohort 2026');
    (
      document.body.querySelector('.jp-Dialog .jp-mod-accept') as HTMLElement
    ).click();

    await find(node, '[data-key="cohort 2026/"]');
    expect(server.requests.find(r => r.path === 's3/folder')?.body).toEqual({
      bucket: 'lab',
      prefix: 'cohort 2026'
    });
  });

  it('copies an object into the file browser folder from the row menu, with progress', async () => {
    const server = fakeS3Server({ objects: 1 });
    const node = shown(server);
    await openLab(node);

    node
      .querySelector('[data-key="obj-000.csv"]')!
      .dispatchEvent(new MouseEvent('contextmenu', { bubbles: true }));
    (await find(document.body, '[data-action="workspace"]')).click();

    const line = await find(node, '.jp-ucdh-S3-transfer');
    await waitFor(
      () => line.dataset.state === 'succeeded',
      'the copy to finish'
    );
    expect(line.textContent).toBe(
      'Copied obj-000.csv to data/obj-000.csv (1.5 KiB).'
    );
    const started = server.requests.find(r => r.path === 's3/transfers');
    expect(started?.body).toEqual({
      direction: 'to_workspace',
      bucket: 'lab',
      key: 'obj-000.csv',
      path: 'data/obj-000.csv'
    });
  });

  function menuAction(node: HTMLElement, key: string, selector: string) {
    node
      .querySelector(`[data-key="${key}"]`)!
      .dispatchEvent(new MouseEvent('contextmenu', { bubbles: true }));
    return find(document.body, `.jp-ucdh-S3-menu ${selector}`);
  }

  it('renames an object from the row menu, asks before replacing, waits for the job and lists again', async () => {
    const server = fakeS3Server({ objects: 2 });
    const node = shown(server);
    await openLab(node);

    (await menuAction(node, 'obj-000.csv', '.jp-ucdh-S3-rename')).click();
    const input = (await find(
      document.body,
      '.jp-Dialog input'
    )) as HTMLInputElement;
    expect(input.value).toBe('obj-000.csv');
    typeInto(input, 'obj-001.csv');
    (
      document.body.querySelector('.jp-Dialog .jp-mod-accept') as HTMLElement
    ).click();

    const replace = await find(document.body, '.jp-Dialog .jp-mod-warn');
    expect(document.body.querySelector('.jp-Dialog')?.textContent).toContain(
      's3://lab/obj-001.csv already exists. Moving will replace it.'
    );
    replace.click();

    const line = await find(node, '.jp-ucdh-S3-transfer');
    await waitFor(() => line.dataset.state === 'succeeded', 'the move');
    expect(line.textContent).toBe('Moved obj-000.csv to s3://lab/obj-001.csv.');
    await waitFor(
      () => rowKeys(node).join() === 'runs/,obj-001.csv',
      'the listing to refresh'
    );
    const moves = server.requests.filter(r => r.path === 's3/move');
    expect(moves.map(r => r.body)).toEqual([
      { bucket: 'lab', key: 'obj-000.csv', dest_key: 'obj-001.csv' },
      {
        bucket: 'lab',
        key: 'obj-000.csv',
        dest_key: 'obj-001.csv',
        overwrite: true
      }
    ]);
    expect(server.requests.map(r => r.path)).toContain('s3/transfers/m1');
  });

  it('moves a folder to a new prefix, keeping its trailing slash', async () => {
    const server = fakeS3Server({ objects: 1 });
    const node = shown(server);
    await openLab(node);

    (await menuAction(node, 'runs/', '[data-action="rename"]')).click();
    const input = (await find(
      document.body,
      '.jp-Dialog input'
    )) as HTMLInputElement;
    expect(input.value).toBe('runs/');
    typeInto(input, 'archive/runs-2025');
    (
      document.body.querySelector('.jp-Dialog .jp-mod-accept') as HTMLElement
    ).click();

    await find(node, '[data-key="archive/runs-2025/"]');
    expect(server.requests.find(r => r.path === 's3/move')?.body).toEqual({
      bucket: 'lab',
      prefix: 'runs/',
      dest_prefix: 'archive/runs-2025/'
    });
    expect(node.querySelector('.jp-ucdh-S3-transfer')?.textContent).toBe(
      'Moved runs to s3://lab/archive/runs-2025/.'
    );
  });

  const matchKeys = (node: HTMLElement): string[] =>
    Array.from(node.querySelectorAll<HTMLElement>('.jp-ucdh-S3-match')).map(
      match => match.dataset.key ?? ''
    );

  it('searches the whole folder on the server, further on demand, and opens the folder of a match', async () => {
    const server = fakeS3Server({ objects: 3 });
    const node = shown(server);
    await openLab(node);

    (node.querySelector('.jp-ucdh-S3-searchToggle') as HTMLElement).click();
    typeInto(
      (await find(node, '.jp-ucdh-S3-search')) as HTMLInputElement,
      'OBJ-'
    );

    await waitFor(() => matchKeys(node).length === 2, 'the first matches');
    expect(node.querySelector('.jp-ucdh-S3-row')).toBeNull();
    expect(node.querySelector('.jp-ucdh-S3-status')?.textContent).toBe(
      '2 matches in 2 keys scanned so far; more keys to search'
    );
    (await find(node, '.jp-ucdh-S3-searchFurther')).click();

    await waitFor(() => matchKeys(node).length === 4, 'more matches');
    expect(matchKeys(node)).toEqual([
      'obj-000.csv',
      'obj-001.csv',
      'obj-002.csv',
      'runs/obj-900.csv'
    ]);
    expect(node.querySelector('.jp-ucdh-S3-status')?.textContent).toBe(
      '4 matches in 4 keys'
    );
    expect(node.querySelector('.jp-ucdh-S3-searchFurther')).toBeNull();
    // A match in a folder shows its name first, then the folders it is in
    // (cut at the end, a long path hid the name searched for)
    const nested = node.querySelector('[data-key="runs/obj-900.csv"]')!;
    expect(nested.querySelector('.jp-ucdh-S3-name')?.textContent).toBe(
      'obj-900.csv'
    );
    expect(nested.querySelector('.jp-ucdh-S3-matchWithin')?.textContent).toBe(
      'runs/'
    );
    const searches = server.requests.filter(r => r.path === 's3/search');
    expect(searches.map(r => r.query)).toEqual([
      { bucket: 'lab', prefix: '', q: 'OBJ-' },
      { bucket: 'lab', prefix: '', q: 'OBJ-', cursor: '2' }
    ]);

    (
      node.querySelector(
        '[data-key="runs/obj-900.csv"] .jp-ucdh-S3-matchFolder'
      ) as HTMLElement
    ).click();
    await find(node, '.jp-ucdh-S3-empty');
    expect(node.querySelector('.jp-ucdh-S3-breadcrumb')?.textContent).toBe(
      'Buckets/lab/runs'
    );
  });

  it('cancels a search when its text changes or is cleared', async () => {
    const server = fakeS3Server({ objects: 3 });
    const node = shown(server);
    await openLab(node);
    const searches = () =>
      server.requests.filter(r => r.path === 's3/search').map(r => r.query.q);
    (node.querySelector('.jp-ucdh-S3-searchToggle') as HTMLElement).click();
    const input = (await find(node, '.jp-ucdh-S3-search')) as HTMLInputElement;

    typeInto(input, 'slow');
    await waitFor(() => searches().includes('slow'), 'the slow search');
    typeInto(input, 'obj-002');
    await waitFor(
      () =>
        node.querySelector('.jp-ucdh-S3-status')?.textContent ===
        '1 match in 4 keys',
      'the new search'
    );
    // The slow answer (every key) arrives after it was cancelled, and is not shown.
    await new Promise(resolve => setTimeout(resolve, 250));
    expect(matchKeys(node)).toEqual(['obj-002.csv']);

    typeInto(input, '');
    await find(node, '.jp-ucdh-S3-row');
    const asked = searches();
    await new Promise(resolve => setTimeout(resolve, 400));
    expect(searches()).toEqual(asked);
    // (The new search scanned on by itself: its first page had no match.)
    expect(asked).toEqual(['slow', 'obj-002', 'obj-002']);
  });

  it('lets an object row be dragged into a notebook as a snippet that reads it', async () => {
    const server = fakeS3Server({ objects: 1 });
    const node = shown(server);
    await openLab(node);
    const row = node.querySelector<HTMLElement>('[data-key="obj-000.csv"]')!;
    expect(row.draggable).toBe(true);
    expect(
      node.querySelector<HTMLElement>('[data-key="runs/"]')!.draggable
    ).toBe(false);

    const { data, effectAllowed } = dragStart(row);

    expect(data['text/plain']).toBe(
      'import pandas as pd\nfrom ucdh_jupyter import open_s3\n\n' +
        'df = pd.read_csv(open_s3("s3://lab/obj-000.csv"))\ndf.head()'
    );
    expect(effectAllowed).toBe('copy');
  });

  describe('uploads', () => {
    const original = window.XMLHttpRequest;

    beforeEach(() => {
      FakeXHR.sent = [];
      FakeXHR.hold = false;
      (window as any).XMLHttpRequest = FakeXHR;
      document.cookie = '_xsrf=token-from-cookie';
    });

    afterEach(() => {
      window.XMLHttpRequest = original;
    });

    function pick(node: HTMLElement, file: File): void {
      const input = node.querySelector('.jp-ucdh-S3-fileInput')!;
      Object.defineProperty(input, 'files', { value: [file] });
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }

    it('asks before replacing an existing object, then uploads with overwrite and lists again', async () => {
      FakeXHR.answer = xhr =>
        xhr.url.includes('overwrite=1')
          ? [201, { key: 'obj-000.csv', size: 5 }]
          : [409, { message: 'It exists.', code: 'exists', hint: '' }];
      const server = fakeS3Server({ objects: 1 });
      const node = shown(server);
      await openLab(node);
      const listsBefore = server.requests.filter(r => r.path === 's3/list');

      pick(node, new File(['hello'], 'obj-000.csv'));

      const replace = await find(document.body, '.jp-Dialog .jp-mod-warn');
      expect(document.body.querySelector('.jp-Dialog')?.textContent).toContain(
        's3://lab/obj-000.csv already exists.'
      );
      replace.click();
      const item = await find(node, '.jp-ucdh-S3-progress[data-state="done"]');
      expect(item.textContent).toContain('Uploaded');
      expect(FakeXHR.sent.map(xhr => new URL(xhr.url).search)).toEqual([
        '?bucket=lab&key=obj-000.csv',
        '?bucket=lab&key=obj-000.csv&overwrite=1'
      ]);
      expect(FakeXHR.sent[0].url).toMatch(
        /^http:\/\/localhost:8888\/ucdh-jupyter\/s3\/upload\?/
      );
      expect(FakeXHR.sent[0].headers['X-XSRFToken']).toBe('token-from-cookie');
      await waitFor(
        () =>
          server.requests.filter(r => r.path === 's3/list').length >
          listsBefore.length,
        'the listing to refresh'
      );
    });

    it('keeps the existing object when the user says so', async () => {
      FakeXHR.answer = () => [
        409,
        { message: 'It exists.', code: 'exists', hint: '' }
      ];
      const node = shown(fakeS3Server({ objects: 1 }));
      await openLab(node);

      pick(node, new File(['hello'], 'obj-000.csv'));
      (await find(document.body, '.jp-Dialog .jp-mod-reject')).click();

      const item = await find(
        node,
        '.jp-ucdh-S3-progress[data-state="cancelled"]'
      );
      expect(item.textContent).toContain('Kept');
      expect(FakeXHR.sent).toHaveLength(1);
    });

    it('cancels an upload in flight', async () => {
      FakeXHR.hold = true;
      const node = shown(fakeS3Server({ objects: 1 }));
      await openLab(node);

      pick(node, new File(['x'.repeat(100)], 'big.bam'));
      (await find(node, '.jp-ucdh-S3-progress .jp-ucdh-S3-cancel')).click();

      const item = await find(
        node,
        '.jp-ucdh-S3-progress[data-state="cancelled"]'
      );
      expect(item.textContent).toContain('Cancelled');
      expect(item.dataset.key).toBe('big.bam');
    });
  });
});
