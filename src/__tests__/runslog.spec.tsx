/**
 * A run's logs as a user meets them from the Runs section, against a fake
 * server: the notebook's log, and for EC2 runs the machine's boot log, which
 * opens first (under the cause) when the run failed before its runner started.
 */

import type { IProblem } from '../api';
import type { IRun, IRunLog, RunLogSource } from '../runs/api';
import { find, waitFor } from './dom';
import { DONE_ID, fakeRunsServer, makeRun, runsSections } from './runsfixtures';

/** What the fake server answers for each log of the run. */
type Logs = Partial<Record<RunLogSource, IRunLog | IProblem>>;

const CAUSE =
  'Could not install packages: the package index is unreachable (https://pypi.org/simple).';
const BOOT_TEXT =
  '+ pip install -r requirements.txt\nERROR: Could not find a version that satisfies pandas\n';
const NEVER_STARTED = makeRun({
  id: DONE_ID,
  state: 'FAILED',
  failure_kind: 'infrastructure',
  failure_message: CAUSE,
  cost_final_usd: 0.002,
  ended_at: '2026-07-20T10:04:00Z'
});
const SUCCEEDED = makeRun({
  id: DONE_ID,
  state: 'SUCCEEDED',
  cost_final_usd: 0.42
});
const BOOT_LOG = {
  source: 'boot' as const,
  log: BOOT_TEXT,
  available: true,
  truncated: false,
  size: BOOT_TEXT.length
};

describe('Run logs', () => {
  const sections = runsSections();

  afterEach(() => {
    sections.dispose();
  });

  /** The Runs section with `run`, and its log dialog once Log is clicked. */
  async function openLog(
    run: IRun,
    logs: Logs = {}
  ): Promise<{
    dialog: HTMLElement;
    server: ReturnType<typeof fakeRunsServer>;
  }> {
    const server = fakeRunsServer([run], { logs });
    const node = sections.show(server);
    (await find(node, '.jp-ucdh-Runs-log')).click();
    const dialog = await find(document.body, '.jp-ucdh-RunLogDialog');
    // JupyterLab's dialog focuses its button once attached, which can come
    // after it is found: a test moving focus earlier would have it taken back.
    await waitFor(
      () => (dialog.contains(document.activeElement) ? true : null),
      "the dialog's first focus"
    );
    return { dialog, server };
  }

  /** The log text shown, once it is `expected`-like. */
  function logText(dialog: HTMLElement, contains: string): Promise<string> {
    return waitFor(() => {
      const text = dialog.querySelector('.jp-ucdh-RunLog')?.textContent;
      return text?.includes(contains) ? text : null;
    }, `a log with ${contains}`);
  }

  function tab(dialog: HTMLElement, source: string): HTMLElement {
    return dialog.querySelector(
      `[role="tab"][data-source="${source}"]`
    ) as HTMLElement;
  }

  it('opens the boot log under the cause when the run failed before its runner started', async () => {
    // Given an EC2 run that failed installing packages: no notebook log, a boot log
    const { dialog, server } = await openLog(NEVER_STARTED, {
      runner: { source: 'runner', log: '' },
      boot: BOOT_LOG
    });

    // Then the boot log is shown, under the cause, with its tab chosen
    expect(await logText(dialog, 'pip install')).toBe(BOOT_TEXT);
    const cause = dialog.querySelector('.jp-ucdh-RunLogPanel-cause');
    expect(cause?.textContent).toContain(CAUSE);
    expect(tab(dialog, 'boot').getAttribute('aria-selected')).toBe('true');
    expect(tab(dialog, 'runner').getAttribute('aria-selected')).toBe('false');
    expect(
      dialog.querySelector('.jp-ucdh-RunLog')?.getAttribute('aria-label')
    ).toBe('Boot log');
    // titled by when the run was submitted, its id at the foot for support
    const title = dialog.querySelector('.jp-Dialog-header')?.textContent ?? '';
    expect(title).toMatch(
      /^Log of \S+\.ipynb, submitted \d{4}-\d\d-\d\d \d\d:\d\d$/
    );
    expect(title).not.toContain(DONE_ID);
    expect(dialog.querySelector('.jp-ucdh-Runs-logRunId')?.textContent).toBe(
      `Run id: ${DONE_ID}`
    );
    // read through the log route with source=boot
    expect(
      server.requests.filter(r => r.path === `runs/${DONE_ID}/log`)
    ).toMatchObject([{ search: '' }, { search: 'source=boot' }]);
  });

  it('shows the notebook log first and the boot log by keyboard', async () => {
    // Given a run that succeeded
    const { dialog, server } = await openLog(SUCCEEDED, {
      boot: { ...BOOT_LOG, truncated: true, size: 1_234_567 }
    });
    await logText(dialog, 'executing cell 3');
    expect(tab(dialog, 'runner').getAttribute('aria-selected')).toBe('true');
    expect(dialog.querySelector('.jp-ucdh-RunLogPanel-cause')).toBeNull();
    expect(server.requests.some(r => r.search === 'source=boot')).toBe(false);
    // Only the chosen tab is in the Tab order
    expect(tab(dialog, 'runner').tabIndex).toBe(0);
    expect(tab(dialog, 'boot').tabIndex).toBe(-1);

    // When the user moves to the next tab with the arrow key
    tab(dialog, 'runner').focus();
    tab(dialog, 'runner').dispatchEvent(
      new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true })
    );

    // Then the boot log is read and shown, its tab focused, and it says it is cut
    expect(await logText(dialog, 'pip install')).toBe(BOOT_TEXT);
    expect(document.activeElement).toBe(tab(dialog, 'boot'));
    expect(tab(dialog, 'boot').getAttribute('aria-selected')).toBe('true');
    expect(dialog.querySelector('.jp-ucdh-RunLogPanel-note')?.textContent).toBe(
      'Only the end of this log is shown: it is 1.2 MiB long.'
    );

    // and a click goes back to the notebook's log without reading it again
    tab(dialog, 'runner').click();
    await logText(dialog, 'executing cell 3');
    const reads = server.requests.filter(r => r.path.endsWith('/log'));
    expect(reads.map(r => r.search)).toEqual(['', 'source=boot']);
  });

  it('says so when the machine left no boot log', async () => {
    const { dialog } = await openLog(NEVER_STARTED, {
      runner: { source: 'runner', log: '' },
      boot: {
        source: 'boot',
        log: '',
        available: false,
        truncated: false,
        size: 0
      }
    });

    const log = await find(dialog, '.jp-ucdh-RunLog');

    expect(log.textContent).toBe('There is no boot log.');
    expect(
      dialog.querySelector('.jp-ucdh-RunLogPanel-note')?.textContent
    ).toContain('This machine uploaded no boot log');
  });

  it('shows why the boot log could not be read, with a retry that works', async () => {
    const logs: Logs = {
      runner: { source: 'runner', log: '' },
      boot: {
        status: 503,
        code: 'throttled',
        message: 'AWS is throttling requests.',
        hint: 'Try again in a moment.'
      }
    };
    const { dialog } = await openLog(NEVER_STARTED, logs);

    const problem = await find(dialog, '.jp-ucdh-Compute-problem');
    expect(problem.textContent).toContain('AWS is throttling requests.');

    logs.boot = BOOT_LOG;
    (problem.querySelector('button') as HTMLElement).click();

    expect(await logText(dialog, 'pip install')).toBe(BOOT_TEXT);
  });

  it('offers no boot log for a Databricks run', async () => {
    const { dialog } = await openLog(
      makeRun({
        ...NEVER_STARTED,
        backend: 'databricks',
        instance_id: null,
        workers: 1,
        count: 2
      }),
      { runner: { source: 'runner', log: '' } }
    );

    await find(dialog, '.jp-ucdh-RunLog');

    expect(dialog.querySelector('[role="tab"]')).toBeNull();
    expect(dialog.querySelector('.jp-ucdh-RunLog')?.textContent).toBe(
      'The log is empty so far.'
    );
    // The cause is shown all the same
    expect(
      dialog.querySelector('.jp-ucdh-RunLogPanel-cause')?.textContent
    ).toContain(CAUSE);
  });
});
