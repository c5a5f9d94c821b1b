/**
 * JupyterLab entry point of ucdh-jupyter.
 *
 * Activation only builds widgets and registers commands: every network call
 * happens later, so the extension adds no latency to JupyterLab's start even
 * when AWS is slow or unreachable. The one early request, `GET config` for the
 * feature switches, is sent once JupyterLab has restored its layout; it reads
 * the server's settings and never reaches AWS.
 *
 * Switched-off features: their sidebar sections are removed and their
 * commands (palette, menus, toolbar button) report `isVisible`/`isEnabled`
 * false once the switches are known. Until then everything shows, so a slow
 * or failed config request never hides what the administrator enabled; the
 * server refuses every route of an off feature anyway (403 feature_disabled).
 *
 * Jupyter Notebook 7 loads the same plugins, but its left panel starts closed
 * and has no tab bar: the panel is reachable from View → "Open the AWS Panel"
 * and the command palette, and is opened once, on the first visit of each
 * Notebook page (tree, notebook), so a newcomer sees that it exists.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';

import { UcdhClient } from './client';
import { cloudIcon } from './icons';
import { StatusModel } from './status/model';
import { RunsSection } from './runs/section';
import { runsPlugin } from './runs/plugin';
import { addUploadToS3Command } from './s3/command';
import { acceptSnippetDropsIn } from './s3/notebookdrop';
import { S3Section } from './s3/section';
import { FeatureSwitches, UcdhSidebar } from './sidebar';
import {
  CommandIDs,
  IFeatureSwitches,
  IUcdhClient,
  IUcdhStatus,
  PALETTE_CATEGORY,
  PluginIDs,
  TRANSLATION_DOMAIN
} from './tokens';

export * from './api';
export * from './client';
export * from './compute/api';
export * from './runs/api';
export * from './status/api';
export * from './status/model';
export { InstancePicker } from './compute';
export type { IInstancePickerProps } from './compute';
export { openRunDialog, RunsSection } from './runs';
export { S3Browser, S3Section } from './s3';
export type { IS3Location, IS3Listing, IS3Object, IS3Folder } from './s3';
export * from './request';
export * from './tokens';

/**
 * The one client of the server routes, on JupyterLab's server settings; the
 * other plugins receive it (no request is sent here).
 */
export const clientPlugin: JupyterFrontEndPlugin<UcdhClient> = {
  id: PluginIDs.client,
  description: 'The client of the ucdh-jupyter server routes.',
  autoStart: true,
  provides: IUcdhClient,
  activate: (app: JupyterFrontEnd): UcdhClient =>
    new UcdhClient(app.serviceManager.serverSettings)
};

/**
 * The shared status and configuration; asked by its first reader (the
 * feature switches once JupyterLab has restored, the header once shown).
 */
export const statusPlugin: JupyterFrontEndPlugin<StatusModel> = {
  id: PluginIDs.status,
  description: 'The AWS status and the administrator configuration.',
  autoStart: true,
  requires: [IUcdhClient],
  provides: IUcdhStatus,
  activate: (app: JupyterFrontEnd, client: UcdhClient): StatusModel =>
    new StatusModel(client)
};

/** The administrator's feature switches, read once JupyterLab has started. */
export const featuresPlugin: JupyterFrontEndPlugin<IFeatureSwitches> = {
  id: PluginIDs.features,
  description: 'Which ucdh-jupyter features the administrator switched on.',
  autoStart: true,
  requires: [IUcdhStatus],
  provides: IFeatureSwitches,
  activate: (app: JupyterFrontEnd, status: StatusModel): IFeatureSwitches => {
    const features = new FeatureSwitches(status);
    // Not awaited: the switches apply when they arrive.
    void app.restored.then(() => features.load());
    return features;
  }
};

/** The left sidebar: AWS identity and the S3, compute and runs sections. */
const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: PluginIDs.sidebar,
  description: 'A left sidebar showing your AWS identity, data and runs.',
  autoStart: true,
  requires: [IUcdhClient, IUcdhStatus],
  optional: [
    ISettingRegistry,
    ICommandPalette,
    ITranslator,
    ILayoutRestorer,
    INotebookTracker,
    IFeatureSwitches
  ],
  activate: (
    app: JupyterFrontEnd,
    client: UcdhClient,
    status: StatusModel,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null,
    features: IFeatureSwitches | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const sidebar = new UcdhSidebar({
      client,
      status,
      translator: translator ?? nullTranslator,
      commands: app.commands,
      workspaceFolder: () => fileBrowserPath(app),
      features: features ?? undefined
    });
    app.shell.add(sidebar, 'left', { rank: 850 });
    restorer?.add(sidebar, sidebar.id);

    const s3 = sidebar.widgets.find(widget => widget instanceof S3Section);
    if (s3 instanceof S3Section) {
      addUploadToS3Command(app, {
        trans,
        activity: s3.activity,
        status,
        reveal: () => {
          app.shell.activateById(sidebar.id);
          sidebar.showSection('s3');
        }
      });
    }
    if (notebooks) {
      acceptSnippetDropsIn(notebooks);
    }

    app.commands.addCommand(CommandIDs.openSidebar, {
      label: trans.__('Open the AWS Panel'),
      caption: trans.__('Show the ucdh-jupyter AWS sidebar'),
      icon: cloudIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
    app.commands.addCommand(CommandIDs.refreshStatus, {
      label: trans.__('Refresh AWS Status'),
      caption: trans.__('Check your AWS credentials again'),
      icon: refreshIcon,
      execute: () => sidebar.statusHeader.refresh()
    });
    const runsOn = (): boolean => features?.isOn('runs') ?? true;
    app.commands.addCommand(CommandIDs.showRuns, {
      label: trans.__('Show Notebook Runs'),
      caption: trans.__(
        'Show the runs of notebooks on AWS, with their progress'
      ),
      icon: cloudIcon,
      isVisible: runsOn,
      isEnabled: runsOn,
      execute: args => {
        app.shell.activateById(sidebar.id);
        const section = sidebar.showSection('runs');
        if (section instanceof RunsSection) {
          if (typeof args.runId === 'string') {
            section.expect(args.runId);
          }
          void section.refresh();
        }
      }
    });
    // A run's e-mail links to /lab?ucdh-run=<id>: open the Runs section there.
    if (new URLSearchParams(window.location.search).has('ucdh-run')) {
      void app.restored.then(() => app.commands.execute(CommandIDs.showRuns));
    }
    introduceInNotebook(app, () => app.shell.activateById(sidebar.id));
    for (const command of [
      CommandIDs.openSidebar,
      CommandIDs.refreshStatus,
      CommandIDs.showRuns
    ]) {
      palette?.addItem({ command, category: PALETTE_CATEGORY });
    }

    if (settingRegistry) {
      // Not awaited: settings arrive after activation and apply when they do.
      settingRegistry
        .load(PluginIDs.sidebar)
        .then(settings => {
          const apply = (): void => {
            sidebar.statusHeader.refreshIntervalSeconds = settings.get(
              'refreshIntervalSeconds'
            ).composite as number;
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error(
            `ucdh-jupyter: could not load settings of ${PluginIDs.sidebar}.`,
            reason
          );
        });
    }
  }
};

/** Where the browser remembers the Notebook 7 pages that showed the panel. */
const INTRODUCED_KEY = 'ucdh-jupyter:aws-panel-introduced';

/**
 * In Jupyter Notebook 7, open the AWS panel once the page is restored, the
 * first time this browser shows each kind of Notebook page (its left panel
 * starts closed there, and without a tab bar nothing hints at the panel).
 * JupyterLab, whose left tab bar always shows the AWS tab, is left alone.
 */
function introduceInNotebook(app: JupyterFrontEnd, open: () => void): void {
  // Notebook 7 names its page (tree, notebooks, edit, consoles); JupyterLab has none.
  const page = PageConfig.getOption('notebookPage');
  if (!page) {
    return;
  }
  let seen: string[] = [];
  try {
    seen = JSON.parse(window.localStorage.getItem(INTRODUCED_KEY) ?? '[]');
  } catch {
    // Unreadable or blocked storage: introduce the panel again, harmlessly.
  }
  if (!Array.isArray(seen) || seen.includes(page)) {
    return;
  }
  // On Notebook 7.6's file tree a panel opened at `restored` stays hidden (its
  // shell adds the page's main widget later); opened once the main widget is
  // in (`mainWidgetLoaded`, absent from older releases), it shows. Measured on
  // 7.6.5 with `make matrix`; 7.4 works either way.
  const shell = app.shell as { mainWidgetLoaded?: Promise<void> };
  void app.restored
    .then(() => shell.mainWidgetLoaded)
    .then(() => {
      open();
      try {
        window.localStorage.setItem(
          INTRODUCED_KEY,
          JSON.stringify([...seen, page])
        );
      } catch {
        // Storage refused (private mode): the panel opens again next time.
      }
    });
}

/**
 * The folder the default file browser shows, "" (the root) if there is none.
 *
 * Read from the widget instead of requiring `IDefaultFileBrowser`, so the
 * sidebar still works in a JupyterLab build without the file browser.
 */
function fileBrowserPath(app: JupyterFrontEnd): string {
  for (const widget of app.shell.widgets('left')) {
    if (widget.id === 'filebrowser') {
      const path = (widget as { model?: { path?: unknown } }).model?.path;
      return typeof path === 'string' ? path : '';
    }
  }
  return '';
}

export default [
  clientPlugin,
  statusPlugin,
  featuresPlugin,
  sidebarPlugin,
  runsPlugin
];
