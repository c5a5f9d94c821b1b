/**
 * "Upload to S3…" from the file browser: the command and its context-menu item
 * (hidden when the server turns S3 off), the destination dialog that defaults
 * to the folder open in the S3 section, the transfer requests it sends, the
 * overwrite question, and the S3 listing that shows the upload once it is done.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { ContextMenuSvg } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { UcdhClient } from '../client';
import { IS3Location } from '../s3/api';
import { addUploadToS3Command, UPLOAD_TO_S3_COMMAND } from '../s3/command';
import { S3Activity } from '../s3/jobs';
import { IWorkspaceItem } from '../s3/destination';
import { uploadToS3 } from '../s3/uploadtos3';
import { find, typeInto, waitFor } from './dom';
import { fakeS3Server, openLab } from './s3fixtures';

const trans = nullTranslator.load('ucdh_jupyter');
const LAB: IS3Location = {
  name: 'lab',
  bucket: 'lab',
  prefix: '',
  created: null
};
const SUMMARY: IWorkspaceItem = {
  path: 'results/summary.csv',
  name: 'summary.csv',
  isDirectory: false
};
const COHORT: IWorkspaceItem = {
  path: 'results/cohort',
  name: 'cohort',
  isDirectory: true
};

const dialog = (): HTMLElement =>
  document.body.querySelector<HTMLElement>('.jp-Dialog')!;
const accept = (): void =>
  (dialog().querySelector('.jp-mod-accept') as HTMLElement).click();
const transferPosts = (server: ReturnType<typeof fakeS3Server>): unknown[] =>
  server.requests
    .filter(r => r.path === 's3/transfers' && r.method === 'POST')
    .map(r => r.body);

describe('Upload to S3', () => {
  afterEach(() => {
    Dialog.flush();
  });

  it('defaults to the open S3 folder, shows where each item goes, and starts one job per item', async () => {
    const server = fakeS3Server({
      objects: 1,
      workspaceFolders: ['results/cohort']
    });
    const activity = new S3Activity(new UcdhClient(server.serverSettings));
    activity.setPlace({ location: LAB, prefix: 'runs/' });

    const done = uploadToS3({
      items: [SUMMARY, COHORT],
      activity,
      trans,
      onShow: () => undefined
    });

    const prefix = (await find(
      document.body,
      '.jp-Dialog .jp-ucdh-S3-destPrefix'
    )) as HTMLInputElement;
    expect(prefix.value).toBe('runs/');
    const targets = (): string[] =>
      Array.from(dialog().querySelectorAll('.jp-ucdh-S3-destTargets code')).map(
        code => code.textContent ?? ''
      );
    await waitFor(() => targets().length === 2, 'the targets');
    expect(targets()).toEqual([
      's3://lab/runs/summary.csv',
      's3://lab/runs/cohort/'
    ]);
    typeInto(prefix, 'incoming');
    await waitFor(
      () => targets()[0] === 's3://lab/incoming/summary.csv',
      'the new folder'
    );
    accept();

    const jobs = await done;
    expect(jobs.map(job => job.state)).toEqual(['succeeded', 'succeeded']);
    expect(transferPosts(server)).toEqual([
      {
        direction: 'to_s3',
        bucket: 'lab',
        path: 'results/summary.csv',
        prefix: 'incoming/'
      },
      {
        direction: 'to_s3',
        bucket: 'lab',
        path: 'results/cohort',
        prefix: 'incoming/cohort/'
      }
    ]);
  });

  it('asks before replacing an existing object and sends that item again with overwrite', async () => {
    const server = fakeS3Server({ objects: 1 });
    const activity = new S3Activity(new UcdhClient(server.serverSettings));
    activity.setPlace({ location: LAB, prefix: '' });
    const existing = {
      path: 'obj-000.csv',
      name: 'obj-000.csv',
      isDirectory: false
    };

    const done = uploadToS3({
      items: [existing, SUMMARY],
      activity,
      trans,
      onShow: () => undefined
    });
    await find(document.body, '.jp-Dialog .jp-ucdh-S3-destTargets');
    accept();

    const replace = await find(document.body, '.jp-Dialog .jp-mod-warn');
    await waitFor(
      () =>
        dialog().querySelector('.jp-Dialog-header')?.textContent ===
        'Replace 1 existing item?',
      'the question'
    );
    expect(dialog().textContent).toContain(
      's3://lab/obj-000.csv already exists.'
    );
    replace.click();

    const jobs = await done;
    expect(jobs).toHaveLength(2);
    expect(transferPosts(server)).toEqual([
      { direction: 'to_s3', bucket: 'lab', path: 'obj-000.csv', prefix: '' },
      {
        direction: 'to_s3',
        bucket: 'lab',
        path: 'results/summary.csv',
        prefix: ''
      },
      {
        direction: 'to_s3',
        bucket: 'lab',
        path: 'obj-000.csv',
        prefix: '',
        overwrite: true
      }
    ]);
  });

  it('picks the first bucket when no S3 folder is open', async () => {
    const server = fakeS3Server({ objects: 1 });
    const activity = new S3Activity(new UcdhClient(server.serverSettings));

    const done = uploadToS3({
      items: [SUMMARY],
      activity,
      trans,
      onShow: () => undefined
    });

    await waitFor(
      () =>
        dialog()?.querySelector('.jp-ucdh-S3-destTargets code')?.textContent ===
        's3://lab/summary.csv',
      'the first bucket'
    );
    accept();
    await done;
    expect(transferPosts(server)).toEqual([
      {
        direction: 'to_s3',
        bucket: 'lab',
        path: 'results/summary.csv',
        prefix: ''
      }
    ]);
  });

  it('lists the uploaded file in the open S3 folder once its job is done', async () => {
    const server = fakeS3Server({ objects: 1 });
    const section = await openLab(server);

    const done = uploadToS3({
      items: [SUMMARY],
      activity: section.activity,
      trans,
      onShow: () => undefined
    });
    await find(document.body, '.jp-Dialog .jp-ucdh-S3-destTargets');
    accept();
    await done;

    await find(section.node, '.jp-ucdh-S3-row[data-key="summary.csv"]');
    const line = section.node.querySelector('.jp-ucdh-S3-transfer');
    expect(line?.textContent).toBe(
      'Uploaded summary.csv to s3://lab/ (2.0 KiB).'
    );
    section.dispose();
  });

  describe('command', () => {
    /** A JupyterLab shell with a file browser whose selection is `items`. */
    function fakeApp(
      server: ReturnType<typeof fakeS3Server>,
      items: { path: string; name: string; type: string }[]
    ) {
      const commands = new CommandRegistry();
      const contextMenu = new ContextMenuSvg({ commands });
      const browser = Object.assign(new Widget(), {
        selectedItems: () => items[Symbol.iterator]()
      });
      browser.id = 'filebrowser';
      const app = {
        commands,
        contextMenu,
        contextMenuHitTest: () => undefined,
        shell: {
          widgets: (area: string) =>
            (area === 'left' ? [browser] : [])[Symbol.iterator]()
        },
        serviceManager: { contents: { localPath: (path: string) => path } }
      } as unknown as JupyterFrontEnd;
      const activity = new S3Activity(new UcdhClient(server.serverSettings));
      activity.setPlace({ location: LAB, prefix: 'runs/' });
      addUploadToS3Command(app, { trans, activity, reveal: () => undefined });
      return { commands, contextMenu };
    }

    /** Open the context menu on a file browser item; the labels it shows. */
    function openMenu(contextMenu: ContextMenuSvg): string[] {
      const item = document.createElement('li');
      item.className = 'jp-DirListing-item';
      item.dataset.isdir = 'false';
      document.body.appendChild(item);
      let shown: string[] = [];
      item.addEventListener('contextmenu', event => {
        contextMenu.open(event);
        shown = contextMenu.menu.items
          .filter(entry => entry.isVisible)
          .map(entry => entry.label);
        contextMenu.menu.close();
      });
      item.dispatchEvent(
        new MouseEvent('contextmenu', { bubbles: true, cancelable: true })
      );
      item.remove();
      return shown;
    }

    it('is in the file browser context menu and uploads the selected files', async () => {
      const server = fakeS3Server({ objects: 1 });
      const { commands, contextMenu } = fakeApp(server, [
        { path: 'results/summary.csv', name: 'summary.csv', type: 'file' }
      ]);

      expect(openMenu(contextMenu)).toEqual(['Upload to S3…']);
      expect(commands.isEnabled(UPLOAD_TO_S3_COMMAND)).toBe(true);
      const running = commands.execute(UPLOAD_TO_S3_COMMAND);
      await find(document.body, '.jp-Dialog .jp-ucdh-S3-destTargets');
      accept();
      await running;

      expect(transferPosts(server)).toEqual([
        {
          direction: 'to_s3',
          bucket: 'lab',
          path: 'results/summary.csv',
          prefix: 'runs/'
        }
      ]);
    });

    it('is hidden once the server says S3 is turned off', async () => {
      const server = fakeS3Server({ objects: 1, s3Enabled: false });
      const { commands, contextMenu } = fakeApp(server, [
        { path: 'a.csv', name: 'a.csv', type: 'file' }
      ]);

      openMenu(contextMenu);
      await waitFor(
        () => !commands.isVisible(UPLOAD_TO_S3_COMMAND),
        'the config answer'
      );

      expect(openMenu(contextMenu)).toEqual([]);
      expect(commands.isEnabled(UPLOAD_TO_S3_COMMAND)).toBe(false);
      await commands.execute(UPLOAD_TO_S3_COMMAND);
      expect(document.body.querySelector('.jp-Dialog')).toBeNull();
      expect(transferPosts(server)).toEqual([]);
    });
  });
});
