/**
 * The "Upload to S3…" command and its item in the file browser's context menu
 * (files and folders). It is hidden once the server says S3 is turned off
 * (`UcdhConfig.enable_s3`); that is asked the first time a context menu opens,
 * not at start, so the extension still sends nothing before it is used.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { Contents } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { fileUploadIcon } from '@jupyterlab/ui-components';
import type { Widget } from '@lumino/widgets';

import { toProblem } from '../common/problem';
import { StatusModel } from '../status/model';
import { IS3Place, S3Activity } from './jobs';
import { IWorkspaceItem } from './destination';
import { uploadToS3 } from './uploadtos3';

/** Command id of "Upload to S3…" (args: none; acts on the file browser's selection). */
export const UPLOAD_TO_S3_COMMAND = 'ucdh-jupyter:upload-to-s3';

/** Where the item sits in the file browser's context menu (after Download). */
const CONTEXT_MENU_RANK = 9.5;

/** Options of {@link addUploadToS3Command}. */
export interface IUploadToS3CommandOptions {
  trans: TranslationBundle;
  /** The S3 section's place and jobs: default destination and progress. */
  activity: S3Activity;
  /** Bring the S3 section into view. */
  reveal: () => void;
  /** The shared configuration, which says whether S3 is on; its own when omitted. */
  status?: StatusModel;
}

/** The part of a JupyterLab `FileBrowser` this command needs. */
interface IFileBrowserLike extends Widget {
  selectedItems(): IterableIterator<Contents.IModel>;
}

function isFileBrowser(widget: Widget): widget is IFileBrowserLike {
  return (
    typeof (widget as { selectedItems?: unknown }).selectedItems === 'function'
  );
}

/**
 * The file browser the context menu was opened on, else the default one.
 *
 * Found among the shell's widgets rather than through `IDefaultFileBrowser`,
 * so the extension needs no file browser to load (like the S3 section).
 */
function fileBrowser(app: JupyterFrontEnd): IFileBrowserLike | null {
  const clicked = app.contextMenuHitTest(node =>
    node.classList.contains('jp-FileBrowser')
  );
  for (const area of ['left', 'right']) {
    for (const widget of app.shell.widgets(area)) {
      const match = clicked
        ? widget.node === clicked
        : widget.id === 'filebrowser';
      if (match && isFileBrowser(widget)) {
        return widget;
      }
    }
  }
  return null;
}

/** The files and folders selected in the file browser. */
function selectedItems(app: JupyterFrontEnd): IWorkspaceItem[] {
  const browser = fileBrowser(app);
  if (!browser) {
    return [];
  }
  const contents = app.serviceManager.contents;
  return Array.from(browser.selectedItems()).map(model => ({
    // The server resolves paths of the default drive: drop any drive prefix.
    path: contents.localPath(model.path),
    name: model.name,
    isDirectory: model.type === 'directory'
  }));
}

/** Register "Upload to S3…" and add it to the file browser's context menu. */
export function addUploadToS3Command(
  app: JupyterFrontEnd,
  options: IUploadToS3CommandOptions
): void {
  const { trans, activity, reveal } = options;
  const status = options.status ?? new StatusModel(activity.client);
  // Whether the admin turned S3 on; null until the server said so.
  let enabled: boolean | null = null;
  const s3Enabled = async (): Promise<boolean> => {
    const config = await status.loadConfig();
    // Unknown: let the server answer the upload itself; the next call asks again.
    if (config) {
      enabled = config.features.s3 !== false;
    }
    return enabled !== false;
  };
  app.contextMenu.opened.connect(() => void s3Enabled());

  app.commands.addCommand(UPLOAD_TO_S3_COMMAND, {
    label: trans.__('Upload to S3…'),
    caption: trans.__(
      'Copy the selected files and folders into a folder of an S3 bucket'
    ),
    icon: fileUploadIcon,
    isVisible: () => enabled !== false,
    isEnabled: () => enabled !== false && selectedItems(app).length > 0,
    execute: async () => {
      const items = selectedItems(app);
      if (items.length === 0) {
        return;
      }
      if (!(await s3Enabled())) {
        Notification.warning(
          trans.__('S3 is turned off on this server (UcdhConfig.enable_s3).'),
          { autoClose: 5000 }
        );
        return;
      }
      try {
        await uploadToS3({
          items,
          activity,
          trans,
          onShow: (place: IS3Place) => {
            activity.setPlace(place);
            reveal();
          }
        });
      } catch (error) {
        Notification.error(
          trans.__('Upload to S3 failed: %1', toProblem(error).message),
          { autoClose: false }
        );
      }
    }
  });
  app.contextMenu.addItem({
    command: UPLOAD_TO_S3_COMMAND,
    selector: '.jp-DirListing-item[data-isdir]',
    rank: CONTEXT_MENU_RANK
  });
}
