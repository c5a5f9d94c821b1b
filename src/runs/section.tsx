/**
 * The sidebar's Runs section: every run the server knows, followed live while
 * the section is on screen (new runs, however started, appear within seconds),
 * with cancel, open result, log and run again.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { IProblem } from '../api';
import { IRun, IRunUsage, RunLogSource } from './api';
import { formatDateTime } from '../common/format';
import type { UcdhClient } from '../client';
import { LazyReactWidget } from '../common/lazy';
import { toProblem } from '../common/problem';
import { CommandIDs, CSS } from '../tokens';
import { cancelText } from './backends';
import { RunAction, RunsView } from './list';
import { firstLogSource, showRunLog } from './log';
import { RunMail } from './mail';
import {
  baseName,
  formatRunCost,
  IRerun,
  stateBadge,
  usageText
} from './model';
import { RunsPoller } from './poller';
import { SchedulesPanel } from './schedules';
import { sweepSize } from './sweepchildren';

/** The command of the file browser that opens a document by path. */
const OPEN_COMMAND = 'docmanager:open';

/**
 * JupyterLab's HTML viewer: a sandboxed frame, so the exported page cannot
 * run scripts unless the user trusts it from the viewer's toolbar.
 */
const HTML_VIEWER = 'HTML Viewer';

/** A run card shown from its schedule. */
const HIGHLIGHTED = 'jp-mod-highlighted';

/** The Runs section widget. */
export class RunsSection extends LazyReactWidget {
  /** Create the section; it asks for nothing until shown. */
  constructor(options: RunsSection.IOptions) {
    super();
    this.addClass(CSS.Runs.section);
    this._trans = options.trans;
    this._client = options.client;
    this._commands = options.commands ?? null;
    this._schedulesIntervalMs = options.schedulesIntervalMs;
    this._poller = new RunsPoller({
      fetch: async signal => {
        const body = await this._client.runs.listRuns(signal);
        const usage = body.usage;
        if (JSON.stringify(usage) !== JSON.stringify(this._usage)) {
          this._usage = usage;
          // The poller repaints only when the runs change.
          this.update();
        }
        return body.runs;
      },
      onChange: () => this.update(),
      onEnded: run => this._announce(run),
      intervalMs: options.intervalMs,
      idleIntervalMs: options.idleIntervalMs
    });
  }

  /** The poller, exposed for tests and the show-runs command. */
  get poller(): RunsPoller {
    return this._poller;
  }

  /** Fetch the list, and the schedules, now. */
  refresh(): Promise<void> {
    this._schedulesTick++;
    this.update();
    return this._poller.refresh();
  }

  /** Announce the end of a run submitted from this page, however short it is. */
  expect(runId: string): void {
    this._poller.expect(runId);
  }

  /** Stop polling and cancel the request in flight. */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poller.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    const usage = this._usage;
    return (
      <>
        {usage && (
          <p
            className={CSS.Runs.usage}
            title={this._trans._n(
              '%2 of %1 run going at once. Finished runs count at their cost, runs still going at the most they can cost.',
              '%2 of %1 runs going at once. Finished runs count at their cost, runs still going at the most they can cost.',
              usage.max_concurrent,
              usage.live_runs
            )}
          >
            {usageText(usage, this._trans)}
          </p>
        )}
        <RunsView
          snapshot={this._poller.snapshot}
          now={Date.now()}
          pending={this._pending}
          problems={this._problems}
          htmlPaths={this._htmlPaths}
          onAction={(action, run, index) => void this.act(action, run, index)}
          onRefresh={() => void this.refresh()}
          trans={this._trans}
        />
        <SchedulesPanel
          client={this._client}
          trans={this._trans}
          visible={this.onScreen}
          tick={this._schedulesTick}
          intervalMs={this._schedulesIntervalMs}
          onShowRun={runId => this._showRun(runId)}
        />
        <RunMail client={this._client} trans={this._trans} />
      </>
    );
  }

  protected onShown(): void {
    this._poller.setVisible(true);
    this.update();
  }

  protected onHidden(): void {
    this._poller.setVisible(false);
    this.update();
  }

  /** Bring a run's card into view and mark it a moment; false when it is not listed. */
  private _showRun(runId: string): boolean {
    const card = Array.from(
      this.node.querySelectorAll<HTMLElement>(`.${CSS.Runs.item}`)
    ).find(item => item.dataset.runId === runId);
    if (!card) {
      return false;
    }
    card.tabIndex = -1;
    card.scrollIntoView?.({ block: 'nearest' });
    card.focus();
    card.classList.add(HIGHLIGHTED);
    window.setTimeout(() => card.classList.remove(HIGHLIGHTED), 2000);
    return true;
  }

  /**
   * Do what a run's button asks; a failure is shown on the run.
   *
   * @param index the sweep's child, for `child`
   */
  async act(action: RunAction, run: IRun, index = 0): Promise<void> {
    if (this._pending[run.id]) {
      return;
    }
    this._pending = { ...this._pending, [run.id]: action };
    this._problems = { ...this._problems, [run.id]: undefined };
    this.update();
    let problem: IProblem | undefined = undefined;
    try {
      await this._do(action, run, index);
    } catch (error) {
      problem = toProblem(error);
    }
    this._pending = { ...this._pending, [run.id]: undefined };
    this._problems = { ...this._problems, [run.id]: problem };
    this.update();
  }

  private async _do(
    action: RunAction,
    run: IRun,
    index: number
  ): Promise<void> {
    const trans = this._trans;
    switch (action) {
      case 'cancel': {
        if (await this._confirmCancel(run)) {
          this._poller.replace(await this._client.runs.cancelRun(run.id));
        }
        return;
      }
      case 'open': {
        const output = await this._client.runs.copyRunOutput(run.id);
        if (output.html_path) {
          // Offered from now on, next to Open result.
          this._htmlPaths = { ...this._htmlPaths, [run.id]: output.html_path };
        }
        // A run may have only one of the two (a Databricks run cancelled
        // before it saved its notebook has just its HTML view): open what exists.
        if (output.path) {
          await this._commands?.execute(OPEN_COMMAND, { path: output.path });
        } else if (output.html_path) {
          await this._commands?.execute(OPEN_COMMAND, {
            path: output.html_path,
            factory: HTML_VIEWER
          });
          // Without this the view, often cells with no output, reads as a
          // result: say what it is.
          Notification.info(
            trans.__(
              "%1 ended (%2) before it saved its notebook: this is Databricks' view of the run as far as it got; cells without output did not run. Its Log shows how far it got.",
              baseName(run.notebook_path),
              stateBadge(run.state, trans).label.toLowerCase()
            ),
            { autoClose: 10000 }
          );
        }
        return;
      }
      case 'child': {
        // As Open result: the server copies the notebook next to the original.
        const output = await this._client.runs.copyChildOutput(run.id, index);
        await this._commands?.execute(OPEN_COMMAND, { path: output.path });
        return;
      }
      case 'export': {
        const output = await this._client.runs.exportChildren(run.id);
        Notification.info(trans.__('The runs of the sweep: %1', output.path), {
          autoClose: 5000
        });
        await this._commands?.execute(OPEN_COMMAND, { path: output.path });
        return;
      }
      case 'html': {
        const path = this._htmlPaths[run.id];
        if (path) {
          await this._commands?.execute(OPEN_COMMAND, {
            path,
            factory: HTML_VIEWER
          });
        }
        return;
      }
      case 'log': {
        const load = (source: RunLogSource) =>
          this._client.runs.getRunLog(run.id, source);
        // The notebook's log first: when it is empty the run may never have
        // got that far, and its machine's boot log says why.
        const runner = await load('runner');
        await showRunLog(
          // Runs are told apart by when they were submitted, as on their
          // cards; the id is at the foot of the log, for support.
          trans.__(
            'Log of %1, submitted %2',
            baseName(run.notebook_path),
            formatDateTime(run.created_at)
          ),
          {
            run,
            first: firstLogSource(run, runner),
            initial: { runner },
            load
          },
          trans
        );
        return;
      }
      case 'rerun': {
        const rerun: IRerun = {
          // An EC2 sweep ran on AWS Batch: it is submitted as EC2 again.
          backend: run.backend === 'databricks' ? 'databricks' : 'ec2',
          instance_type: run.instance_type,
          max_hours: run.max_hours,
          parameters: run.parameters,
          files: run.files,
          ...(run.kind === 'sweep'
            ? { sweep_rows: run.sweep_rows, parallelism: run.parallelism }
            : {}),
          ...(run.backend === 'databricks'
            ? { workers: run.workers, cluster_mode: run.cluster_mode }
            : {})
        };
        await this._commands?.execute(CommandIDs.runNotebook, {
          path: run.notebook_path,
          rerun: rerun as any
        });
        return;
      }
    }
  }

  private async _confirmCancel(run: IRun): Promise<boolean> {
    const trans = this._trans;
    const name = baseName(run.notebook_path);
    const sweep = run.kind === 'sweep';
    const answer = await showDialog({
      title: sweep
        ? trans.__('Cancel the sweep of %1?', name)
        : trans.__('Cancel the run of %1?', name),
      body: cancelText(run, trans),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Keep running') }),
        Dialog.warnButton({
          label: sweep
            ? trans.__('Cancel all %1 runs', sweepSize(run))
            : trans.__('Cancel run')
        })
      ]
    });
    return answer.button.accept;
  }

  /** A notification when a run ends; failures stay until dismissed. */
  private _announce(run: IRun): void {
    const trans = this._trans;
    const name = baseName(run.notebook_path);
    const cost = formatRunCost(run, trans);
    // A sweep's results are its children's: their table, as a CSV.
    const open =
      run.kind === 'sweep'
        ? {
            label: trans.__('Export CSV'),
            callback: () => void this.act('export', run)
          }
        : {
            label: trans.__('Open result'),
            callback: () => void this.act('open', run)
          };
    switch (run.state) {
      case 'SUCCEEDED':
        Notification.success(
          trans.__('Run of %1 succeeded (%2).', name, cost),
          { autoClose: 8000, actions: [open] }
        );
        break;
      case 'CANCELLED':
        Notification.info(trans.__('Run of %1 cancelled (%2).', name, cost), {
          autoClose: 8000,
          actions: [open]
        });
        break;
      default:
        Notification.error(
          run.state === 'EXPIRED'
            ? trans.__('Run of %1 reached its max runtime (%2).', name, cost)
            : trans.__('Run of %1 failed (%2).', name, cost),
          { autoClose: false, actions: [open] }
        );
    }
  }

  private _trans: TranslationBundle;
  private _client: UcdhClient;
  private _commands: CommandRegistry | null;
  /** Bumped to ask the schedules again at once. */
  private _schedulesTick = 0;
  private _schedulesIntervalMs: number | undefined;
  private _poller: RunsPoller;
  /** This month's usage from the last list; null until then. */
  private _usage: IRunUsage | null = null;
  private _pending: Record<string, RunAction | undefined> = {};
  private _problems: Record<string, IProblem | undefined> = {};
  /** HTML views the server exported with a run's output, by run id. */
  private _htmlPaths: Record<string, string | undefined> = {};
}

/** Statics of {@link RunsSection}. */
export namespace RunsSection {
  /** Options to build a {@link RunsSection}. */
  export interface IOptions {
    trans: TranslationBundle;
    /** The server routes. */
    client: UcdhClient;
    /** To open results and the run dialog; those actions do nothing without. */
    commands?: CommandRegistry;
    /** Milliseconds between polls while a run is active. */
    intervalMs?: number;
    /** Milliseconds between polls while every run is over (to see new ones). */
    idleIntervalMs?: number;
    /** Milliseconds between asks for the schedules. */
    schedulesIntervalMs?: number;
  }
}
