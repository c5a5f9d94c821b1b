/**
 * The Run on AWS entry points: a notebook toolbar button (declared in
 * `schema/runs.json`, so users can move or hide it) and a palette command.
 * Both open the run dialog; nothing is fetched before the user asks.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IToolbarWidgetRegistry,
  Notification
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ToolbarButton } from '@jupyterlab/ui-components';

import type { UcdhClient } from '../client';
import { cloudIcon } from '../icons';
import type { StatusModel } from '../status/model';
import { toProblem } from '../common/problem';
import {
  CommandIDs,
  CSS,
  IFeatureSwitches,
  IUcdhClient,
  IUcdhStatus,
  PALETTE_CATEGORY,
  PluginIDs,
  RUN_TOOLBAR_ITEM,
  TRANSLATION_DOMAIN
} from '../tokens';
import { machineText } from './backends';
import { RunChoices } from './choices';
import { ISaveable, openRunDialog } from './dialog';
import { baseName, IRerun } from './model';
import { isSchedule } from './scheduleapi';
import { scheduledText } from './schedulemodel';

/** The toolbar button and the run command. */
export const runsPlugin: JupyterFrontEndPlugin<void> = {
  id: PluginIDs.runs,
  description: 'Run the current notebook on a fresh AWS machine.',
  autoStart: true,
  requires: [IUcdhClient, IUcdhStatus],
  optional: [
    IStateDB,
    INotebookTracker,
    IToolbarWidgetRegistry,
    ICommandPalette,
    ITranslator,
    IFeatureSwitches
  ],
  activate: (
    app: JupyterFrontEnd,
    client: UcdhClient,
    status: StatusModel,
    state: IStateDB | null,
    tracker: INotebookTracker | null,
    toolbarRegistry: IToolbarWidgetRegistry | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    features: IFeatureSwitches | null
  ): void => {
    // Runs switched off by the administrator: no command, no button.
    const runsOn = (): boolean => features?.isOn('runs') ?? true;
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands } = app;
    // The last run's choices survive a reload in the state database; read
    // once JupyterLab has restored, not awaited here.
    const choices = new RunChoices(state);
    void app.restored.then(() => choices.restore());
    let open = false;

    const run = async (
      path: string,
      document: ISaveable | null,
      initial?: IRerun
    ): Promise<void> => {
      // One dialog at a time: a second click would queue a second dialog.
      if (open) {
        return;
      }
      open = true;
      try {
        const submitted = await openRunDialog({
          notebookPath: path,
          document,
          initial,
          trans,
          client,
          status,
          choices
        });
        if (!submitted) {
          return;
        }
        if (isSchedule(submitted)) {
          Notification.success(scheduledText(submitted, trans), {
            autoClose: 8000
          });
          // The Runs section shows it in its Schedules list.
          if (commands.hasCommand(CommandIDs.showRuns)) {
            await commands.execute(CommandIDs.showRuns, {});
          }
          return;
        }
        Notification.success(
          trans.__(
            'Run of %1 on %2 submitted.',
            baseName(path),
            machineText(submitted, trans)
          ),
          { autoClose: 5000 }
        );
        if (commands.hasCommand(CommandIDs.showRuns)) {
          await commands.execute(CommandIDs.showRuns, { runId: submitted.id });
        }
      } catch (error) {
        const problem = toProblem(error);
        Notification.error(
          trans.__('Could not run %1: %2', baseName(path), problem.message),
          { autoClose: false }
        );
      } finally {
        open = false;
      }
    };

    commands.addCommand(CommandIDs.runNotebook, {
      label: trans.__('Run Notebook on AWS…'),
      caption: trans.__(
        'Run the notebook on a fresh AWS machine that exists only while it runs'
      ),
      icon: cloudIcon,
      isVisible: runsOn,
      isEnabled: args =>
        runsOn() && (typeof args.path === 'string' || !!tracker?.currentWidget),
      execute: async args => {
        const path =
          typeof args.path === 'string'
            ? args.path
            : tracker?.currentWidget?.context.path;
        if (!path) {
          return;
        }
        const panel = tracker?.find(p => p.context.path === path);
        await run(
          path,
          panel?.context ?? null,
          (args.rerun as IRerun | undefined) ?? undefined
        );
      }
    });
    palette?.addItem({
      command: CommandIDs.runNotebook,
      category: PALETTE_CATEGORY
    });

    toolbarRegistry?.addFactory<NotebookPanel>(
      'Notebook',
      RUN_TOOLBAR_ITEM,
      panel => {
        const button = new ToolbarButton({
          className: CSS.runButton,
          icon: cloudIcon,
          label: trans.__('Run on AWS'),
          tooltip: trans.__(
            'Run this notebook on a fresh AWS machine, with its cost shown first'
          ),
          onClick: () => void run(panel.context.path, panel.context)
        });
        const show = (): void => button.setHidden(!runsOn());
        show();
        features?.changed.connect(show, button);
        return button;
      }
    );
  }
};
