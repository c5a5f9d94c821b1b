/**
 * A run's card after it ends, as a researcher meets it: Open result offers
 * what the run left (a notebook, an HTML view, or a plain sentence when there
 * is nothing), the card says when the run started, and its elapsed time is
 * the machine's (as %ucdh_runs prints it) and never goes back when it ends.
 */
import { Dialog, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { RunDialog } from '../runs/dialog';
import { formatDateTime, formatMoment } from '../common/format';
import { find, waitFor } from './dom';
import {
  DONE_ID,
  fakeRunsServer,
  makeRun,
  RUNNING_ID,
  runsSections,
  openRunDialog
} from './runsfixtures';

const trans = nullTranslator.load('ucdh_jupyter');

/** `docmanager:open` calls, with the factory when one was asked for. */
function recordingCommands(): {
  commands: CommandRegistry;
  opened: { path: string; factory?: string }[];
} {
  const commands = new CommandRegistry();
  const opened: { path: string; factory?: string }[] = [];
  commands.addCommand('docmanager:open', {
    execute: args => {
      if (typeof args.path !== 'string') {
        // What JupyterLab does with a null path: an internal error.
        throw new TypeError("Cannot read properties of null (reading 'split')");
      }
      opened.push({
        path: args.path,
        factory: args.factory as string | undefined
      });
    }
  });
  return { commands, opened };
}

/** The seconds of an elapsed figure such as "12 s" or "1 min 05 s". */
function seconds(text: string | null | undefined): number {
  const match = /^(?:(\d+) min )?(\d+) s$/.exec(text ?? '');
  if (!match) {
    throw new Error(`not an elapsed time in seconds: ${text}`);
  }
  return Number(match[1] ?? 0) * 60 + Number(match[2]);
}

describe('A run card after the run', () => {
  const sections = runsSections();
  const shown = sections.show;

  afterEach(() => {
    sections.dispose();
  });

  it('opens the HTML view of a cancelled Databricks run that saved no notebook', async () => {
    const { commands, opened } = recordingCommands();
    const cancelled = makeRun({
      id: DONE_ID,
      backend: 'databricks',
      state: 'CANCELLED',
      instance_id: null
    });
    const html = 'studies/welcome.run-2026-07-20-1000.html';
    const server = fakeRunsServer([cancelled], {
      outputs: { [DONE_ID]: { path: null, html_path: html } }
    });
    const node = shown(server, commands);
    const item = await find(node, `[data-run-id="${DONE_ID}"]`);

    (await find(item, '.jp-ucdh-Runs-open')).click();

    await waitFor(() => opened.length > 0, 'the HTML view to open');
    expect(opened).toEqual([{ path: html, factory: 'HTML Viewer' }]);
    // and it stays offered, with no error on the card
    await find(item, '.jp-ucdh-Runs-html');
    expect(item.querySelector('[role="alert"]')).toBeNull();
    // and a notice says what the view is, so cells without output do not read as a result
    const notice = await waitFor(
      () =>
        Notification.manager.notifications.find(n =>
          n.message.includes("Databricks' view of the run as far as it got")
        ),
      'the notice'
    );
    expect(notice.message).toMatch(
      /^welcome\.ipynb ended \(cancelled\) before it saved its notebook/
    );
    expect(notice.type).toBe('info');
  });

  it('says plainly that a cancelled run left no output, and what to do', async () => {
    const { commands, opened } = recordingCommands();
    const cancelled = makeRun({ id: DONE_ID, state: 'CANCELLED' });
    const server = fakeRunsServer([cancelled], {
      outputs: {
        [DONE_ID]: {
          status: 404,
          code: 'no_output',
          message: 'This run was cancelled before it saved any output.',
          hint: 'Its Log shows how far it got; Run again starts it afresh.'
        }
      }
    });
    const node = shown(server, commands);
    const item = await find(node, `[data-run-id="${DONE_ID}"]`);

    (await find(item, '.jp-ucdh-Runs-open')).click();

    const alert = await find(item, '[role="alert"]');
    expect(alert.textContent).toContain(
      'This run was cancelled before it saved any output.'
    );
    expect(alert.textContent).toContain('Its Log shows how far it got');
    expect(alert.textContent).not.toContain('Wait for a cell');
    expect(opened).toEqual([]);
  });

  it('shows when each run was submitted, in local time', async () => {
    const today = new Date(Date.now() - 5 * 60_000).toISOString();
    const older = '2026-07-20T10:00:00Z';
    const node = shown(
      fakeRunsServer([
        makeRun({ id: RUNNING_ID, created_at: today }),
        makeRun({ id: DONE_ID, state: 'SUCCEEDED', created_at: older })
      ])
    );
    const running = await find(node, `[data-run-id="${RUNNING_ID}"]`);
    const done = await find(node, `[data-run-id="${DONE_ID}"]`);

    const started = running.querySelector('time.jp-ucdh-Runs-started');
    expect(started?.getAttribute('datetime')).toBe(today);
    // Today: the clock time alone; another day: its date too.
    expect(started?.textContent).toBe(formatMoment(today, Date.now()));
    const earlier = done.querySelector('time.jp-ucdh-Runs-started');
    expect(earlier?.textContent).toBe(formatMoment(older, Date.now()));
    // in the one date-and-time style of the UI and the magics
    expect(earlier?.textContent).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(earlier?.getAttribute('title')).toBe(
      `Submitted ${formatDateTime(older)}`
    );
  });

  it('never shows a shorter elapsed time when the run ends', async () => {
    // Given a run whose machine started 10 s ago and whose runner last
    // reported 8 s in
    const started = Date.now() - 10_000;
    const iso = (ms: number): string =>
      new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    const server = fakeRunsServer([
      makeRun({
        id: RUNNING_ID,
        created_at: iso(started - 30_000),
        started_at: iso(started),
        progress: {
          cell: 2,
          cells: 3,
          last_lines: [],
          heartbeat_at: iso(started + 8_000)
        }
      })
    ]);
    const node = shown(server);
    const item = await find(node, `[data-run-id="${RUNNING_ID}"]`);
    const live = seconds(
      item.querySelector('.jp-ucdh-Runs-elapsed')?.textContent
    );
    // Machine time as the runner reported it, not the 40 s since submission
    expect(live).toBe(8);

    // When the server reports its end: the runner finished 9 s in, and the
    // server noticed (recorded the final state) later
    server.setState(RUNNING_ID, 'SUCCEEDED', {
      ended_at: iso(started + 9_000),
      updated_at: iso(Date.now())
    });
    await find(node, `[data-run-id="${RUNNING_ID}"][data-state="SUCCEEDED"]`);

    // Then the final figure is the machine's 9 s (what %ucdh_runs prints
    // and the cost counts), not below the one shown while it ran
    const final = seconds(
      item.querySelector('.jp-ucdh-Runs-elapsed')?.textContent
    );
    expect(final).toBe(9);
    expect(final).toBeGreaterThanOrEqual(live);
  });

  it('shows the machine time of a run whose end the server noted late', async () => {
    // Given a run whose machine ran 2 min 05 s, submitted 40 s before it
    // started, and whose end the server recorded an hour late (restarted)
    const server = fakeRunsServer([
      makeRun({
        id: DONE_ID,
        state: 'SUCCEEDED',
        created_at: '2026-12-04T23:30:00Z',
        started_at: '2026-12-04T23:30:40Z',
        ended_at: '2026-12-04T23:32:45Z',
        updated_at: '2026-12-05T00:32:45Z'
      })
    ]);
    const node = shown(server);
    const item = await find(node, `[data-run-id="${DONE_ID}"]`);
    // Then the card reads as %ucdh_runs does for the same record
    expect(item.querySelector('.jp-ucdh-Runs-elapsed')?.textContent).toBe(
      '2 min 05 s'
    );
  });

  it('shows no elapsed time for a run whose machine never started', async () => {
    const server = fakeRunsServer([
      makeRun({
        id: DONE_ID,
        state: 'FAILED',
        started_at: null,
        ended_at: '2026-07-20T10:00:09Z'
      })
    ]);
    const node = shown(server);
    const item = await find(node, `[data-run-id="${DONE_ID}"]`);
    expect(item.querySelector('.jp-ucdh-Runs-elapsed')).toBeNull();
  });
});

describe('The run dialog in the singular', () => {
  let dialog: RunDialog | null = null;

  afterEach(() => {
    dialog?.dispose();
    dialog = null;
    Dialog.flush();
  });

  it('says "1 package" and "1 of 1 file", not "1 packages" or "1 files"', async () => {
    const server = fakeRunsServer([], {
      prepare: {
        files: [
          {
            path: 'data.csv',
            size: 2_400_000,
            sensitive: false,
            previous_result: false
          }
        ],
        environment: {
          source: 'requirements.txt',
          packages: ['pandas==2.2.3'],
          problem: null,
          unresolved: []
        }
      }
    });
    dialog = openRunDialog(server, trans).dialog;
    const node = dialog.node;

    const environment = await find(node, '.jp-ucdh-RunDialog-environment');
    await waitFor(
      () => environment.textContent?.includes('from requirements.txt'),
      'the environment'
    );
    expect(environment.textContent).toContain(
      '1 package, from requirements.txt.'
    );
    const files = await find(node, '.jp-ucdh-RunDialog-fileActions');
    expect(files.textContent).toContain('1 of 1 file, 2.3 MiB');
  });

  it('starts the results of earlier runs unticked, notebooks and HTML views alike', async () => {
    const server = fakeRunsServer();
    dialog = openRunDialog(server, trans).dialog;
    const node = dialog.node;

    await find(node, 'li[data-path="welcome.run-2026-12-04-1530.html"]');
    const ticked = (path: string): boolean | undefined =>
      node.querySelector<HTMLInputElement>(`li[data-path="${path}"] input`)
        ?.checked;

    expect(ticked('welcome.run-2026-12-04-1530.html')).toBe(false);
    expect(ticked('welcome.run-01J3ZJ0000AAAABBBBCCCCDDDD.ipynb')).toBe(false);
    expect(ticked('data.csv')).toBe(true);
  });
});
