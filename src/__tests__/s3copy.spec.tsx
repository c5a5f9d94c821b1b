/**
 * "Copy to workspace" ends with a notification a user sees wherever they are:
 * what was copied where, with "Show in file browser" revealing it, or what
 * failed and why.
 */
import { Dialog, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import type { IS3TransferJob } from '../s3/api';
import { copyReport } from '../s3/copyreport';
import { copyText } from '../s3/transfers';
import { S3Section } from '../s3/section';
import { find, waitFor } from './dom';
import { fakeS3Server, openLab } from './s3fixtures';

describe('S3 copy to workspace', () => {
  let section: S3Section | null = null;
  let revealed: unknown[] = [];
  let commands: CommandRegistry;

  beforeEach(() => {
    revealed = [];
    commands = new CommandRegistry();
    // Stands in for the file browser's command, recording what it was asked.
    commands.addCommand('filebrowser:go-to-path', {
      execute: args => {
        revealed.push(args);
      }
    });
    Notification.dismiss();
  });

  afterEach(() => {
    section?.dispose();
    section = null;
    Dialog.flush();
    Notification.dismiss();
  });

  async function opened(
    server: ReturnType<typeof fakeS3Server>
  ): Promise<HTMLElement> {
    section = await openLab(server, {
      workspaceFolder: () => 'data',
      commands
    });
    return section.node;
  }

  /** The notifications shown so far, newest last. */
  const notices = () => Notification.manager.notifications.slice().reverse();

  /** Click the notification action labelled `label`. */
  function act(notice: Notification.INotification, label: string): void {
    const action = notice.options.actions?.find(a => a.label === label);
    expect(action).toBeDefined();
    action!.callback(new MouseEvent('click'));
  }

  /** Select obj-000.csv and obj-001.csv, copy them to the workspace, wait for the notice. */
  async function copyTwoToWorkspace(node: HTMLElement): Promise<void> {
    clickRow(node, 'obj-000.csv');
    clickRow(node, 'obj-001.csv', { ctrlKey: true });
    (
      await find(node, '.jp-ucdh-S3-selectionBar [data-action="workspace"]')
    ).click();
    await waitFor(() => notices().length === 1, 'the notification');
  }

  function clickRow(
    node: HTMLElement,
    key: string,
    modifiers: { ctrlKey?: boolean } = {}
  ): void {
    node
      .querySelector(`.jp-ucdh-S3-row[data-key="${key}"]`)!
      .dispatchEvent(new MouseEvent('click', { bubbles: true, ...modifiers }));
  }

  it('says where an object was copied, and Show in file browser selects it', async () => {
    // Given a folder with an object
    const server = fakeS3Server({ objects: 1 });
    const node = await opened(server);

    // When the user copies it to the workspace and the copy ends
    node
      .querySelector('[data-key="obj-000.csv"]')!
      .dispatchEvent(new MouseEvent('contextmenu', { bubbles: true }));
    (await find(document.body, '[data-action="workspace"]')).click();
    await waitFor(() => notices().length === 1, 'the notification');

    // Then a notification says so, with a way to see the file
    const [notice] = notices();
    expect(notice.type).toBe('success');
    expect(notice.message).toBe('Copied obj-000.csv to data/obj-000.csv');
    act(notice, 'Show in file browser');
    // (its folder first, so the listing has the new file when it is selected)
    await waitFor(() => revealed.length === 2, 'the file browser');
    expect(revealed).toEqual([{ path: 'data' }, { path: 'data/obj-000.csv' }]);
  });

  it('counts the files of several items, and reveals the folder they went to', async () => {
    // Given two selected objects
    const server = fakeS3Server({ objects: 3 });
    const node = await opened(server);
    // When both are copied to the workspace
    await copyTwoToWorkspace(node);

    // Then one notification counts them and shows their folder
    const [notice] = notices();
    expect(notice.message).toBe('Copied 2 files to data/');
    act(notice, 'Show in file browser');
    await waitFor(() => revealed.length === 2, 'the file browser');
    expect(revealed).toEqual([{ path: '' }, { path: 'data' }]);
  });

  it('names what failed and why, next to what was copied', async () => {
    // Given two selected objects, one of which cannot be read
    const server = fakeS3Server({ objects: 3, failCopies: ['obj-001.csv'] });
    const node = await opened(server);
    // When both are copied to the workspace
    await copyTwoToWorkspace(node);

    // Then an error notification that stays says which failed and why
    const [notice] = notices();
    expect(notice.type).toBe('error');
    expect(notice.options.autoClose).toBe(false);
    expect(notice.message).toBe(
      'Copied 1 file to data/. Copy to the workspace failed for 1 item: ' +
        'obj-001.csv: Access denied to s3://lab/obj-001.csv.'
    );
    // And the copied file can still be found
    act(notice, 'Show in file browser');
    await waitFor(() => revealed.length === 2, 'the file browser');
    expect(revealed).toEqual([{ path: '' }, { path: 'data' }]);
  });
});

describe('copyReport', () => {
  const trans = nullTranslator.load('ucdh_jupyter');
  const job = (path: string): IS3TransferJob => ({
    id: 'j1',
    kind: 'to_workspace',
    state: 'succeeded',
    source: { bucket: 'b', key: 'studies/cohort.parquet' },
    target: { path },
    bytes_done: 7,
    bytes_total: 7,
    files_done: 1,
    files_total: 1,
    error: null,
    created: '2026-12-05T22:00:00Z',
    started: '2026-12-05T22:00:00Z',
    finished: '2026-12-05T22:00:01Z'
  });

  it('says the workspace root rather than repeating the name of a file copied there', () => {
    expect(copyReport([job('cohort.parquet')], '', trans)).toEqual({
      kind: 'success',
      message: 'Copied cohort.parquet to the workspace root',
      reveal: 'cohort.parquet'
    });
    expect(
      copyReport([job('data/cohort.parquet')], 'data', trans)?.message
    ).toBe('Copied cohort.parquet to data/cohort.parquet');
    // and so does the section's own line
    expect(copyText(job('cohort.parquet'), trans)).toBe(
      'Copied cohort.parquet to the workspace root (7 B).'
    );
  });
});
