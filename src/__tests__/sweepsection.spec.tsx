/**
 * A sweep in the Runs section (issue 14) as a researcher follows it: one card
 * with its children's counts and progress, a table of the children with the
 * values each glued, one child's notebook or the whole table opened next to
 * the notebook, and one cancel for all of them.
 */
import { CommandRegistry } from '@lumino/commands';

import type { IRun, IRunChild } from '../runs/api';
import { waitingChild } from '../runs/sweepchildren';
import { find, waitFor } from './dom';
import {
  fakeRunsServer,
  makeRun,
  RUNNING_ID,
  runsSections
} from './runsfixtures';

/** A child that ran 10 minutes and saved its notebook, unless `fields` say otherwise. */
function child(fields: Partial<IRunChild> & { index: number }): IRunChild {
  return {
    ...waitingChild(fields.index),
    state: 'SUCCEEDED',
    started_at: '2026-07-20T10:02:00Z',
    ended_at: '2026-07-20T10:12:00Z',
    output_key: `children/0000${fields.index}/output/notebook.ipynb`,
    ...fields
  };
}

/** An EC2 sweep of 6 on AWS Batch: 3 done, 1 failed, 2 running. */
const SWEEP: IRun = makeRun({
  id: RUNNING_ID,
  kind: 'sweep',
  backend: 'batch',
  state: 'RUNNING',
  rate_usd_per_hour: 0.36,
  sweep_rows: [
    { rows: 1, seed: 'a' },
    { rows: 1, seed: 'b' },
    { rows: 2, seed: 'a' },
    { rows: 2, seed: 'b' },
    { rows: 3, seed: 'a' },
    { rows: 3, seed: 'b' }
  ],
  parallelism: 2,
  child_counts: {
    pending: 0,
    running: 2,
    succeeded: 3,
    failed: 1,
    cancelled: 0
  },
  children: [
    child({ index: 0, scraps: { auc: 0.91, n: 120 } }),
    child({ index: 1, scraps: { auc: 0.87 } }),
    child({
      index: 2,
      state: 'FAILED',
      output_key: null,
      failure_message: 'ValueError: no rows'
    }),
    child({ index: 3, scraps: { auc: 0.9 } }),
    child({
      index: 4,
      state: 'RUNNING',
      ended_at: null,
      output_key: null
    }),
    child({ index: 5, state: 'RUNNING', ended_at: null, output_key: null })
  ]
});

/** `docmanager:open` calls. */
function recordingCommands(): { commands: CommandRegistry; opened: string[] } {
  const commands = new CommandRegistry();
  const opened: string[] = [];
  commands.addCommand('docmanager:open', {
    execute: args => {
      opened.push(args.path as string);
    }
  });
  return { commands, opened };
}

const cellTexts = (row: Element): string[] =>
  Array.from(row.children, cell => cell.textContent ?? '');

describe('A sweep in the Runs section', () => {
  const sections = runsSections();

  afterEach(() => {
    sections.dispose();
  });

  it('shows its children counts, progress and backend on one card', async () => {
    const node = sections.show(fakeRunsServer([SWEEP]));
    const item = await find(node, `[data-run-id="${RUNNING_ID}"]`);
    const summary = await find(item, '.jp-ucdh-Sweep-summary');
    expect(summary.textContent).toBe(
      'Sweep of 6 · 2 running · 3 done · 1 failed'
    );
    const bar = item.querySelector('[role="progressbar"]') as HTMLElement;
    expect(bar.getAttribute('aria-valuenow')).toBe('4');
    expect(bar.getAttribute('aria-valuemax')).toBe('6');
    expect(item.querySelector('.jp-ucdh-Runs-backend')?.textContent).toBe(
      'AWS Batch'
    );
    expect(item.querySelector('.jp-ucdh-Runs-cancel')?.textContent).toBe(
      'Cancel all 6 runs'
    );
    // a sweep's notebooks are its children's: no Open result nor Log of its own
    expect(item.querySelector('.jp-ucdh-Runs-open')).toBeNull();
    expect(item.querySelector('.jp-ucdh-Runs-log')).toBeNull();
  });

  it('lists its children with their parameters, state, time, cost and glued values', async () => {
    const node = sections.show(fakeRunsServer([SWEEP]));
    const expand = await find(node, '.jp-ucdh-Sweep-expand');
    expect(expand.getAttribute('aria-expanded')).toBe('false');
    expect(node.querySelector('.jp-ucdh-Sweep-children')).toBeNull();
    expand.click();
    const table = await find(node, '.jp-ucdh-Sweep-children');
    expect(expand.getAttribute('aria-expanded')).toBe('true');

    expect(cellTexts(table.querySelector('thead tr') as Element)).toEqual([
      '#',
      'rows',
      'seed',
      'State',
      'Duration',
      'Cost',
      'Exit value',
      'auc',
      'n',
      ''
    ]);
    const rows = table.querySelectorAll('tbody tr');
    expect(rows).toHaveLength(6);
    // 10 min of one machine at $0.36/h = $0.06
    expect(cellTexts(rows[0])).toEqual([
      '0',
      '1',
      'a',
      'Succeeded',
      '10 min 00 s',
      '$0.06',
      '',
      '0.91',
      '120',
      'Open'
    ]);
    expect(cellTexts(rows[2]).slice(0, 6)).toEqual([
      '2',
      '2',
      'a',
      'Failed',
      '10 min 00 s',
      '$0.06'
    ]);
    expect(
      rows[2].querySelector('.jp-ucdh-Runs-state')?.getAttribute('title')
    ).toBe('ValueError: no rows');
    // Open only where the child saved its notebook
    expect(
      Array.from(
        rows,
        row => row.querySelector('.jp-ucdh-Sweep-openChild') !== null
      )
    ).toEqual([true, true, false, true, false, false]);
  });

  it("opens one child's notebook and the CSV of all where the server wrote them", async () => {
    const { commands, opened } = recordingCommands();
    const server = fakeRunsServer([SWEEP]);
    const node = sections.show(server, commands);
    (await find(node, '.jp-ucdh-Sweep-expand')).click();
    (
      await find(node, 'button[aria-label="Open the notebook of run 3"]')
    ).click();
    await waitFor(() => opened.length === 1, 'the child notebook to open');
    expect(opened).toEqual([
      'studies/welcome.run-2026-07-20-1000.child-3.ipynb'
    ]);
    expect(
      server.requests.filter(r => r.method === 'POST').map(r => r.path)
    ).toEqual([`runs/${RUNNING_ID}/children/3/output`]);

    (node.querySelector('.jp-ucdh-Sweep-export') as HTMLElement).click();
    await waitFor(() => opened.length === 2, 'the CSV to open');
    expect(opened[1]).toBe('studies/welcome.run-2026-07-20-1000.children.csv');
    expect(
      server.requests.some(
        r =>
          r.method === 'POST' && r.path === `runs/${RUNNING_ID}/children/export`
      )
    ).toBe(true);
  });

  it('cancels all its runs after the user confirms', async () => {
    const server = fakeRunsServer([SWEEP]);
    const node = sections.show(server);
    (await find(node, '.jp-ucdh-Runs-cancel')).click();
    const confirm = await find(document.body, '.jp-Dialog .jp-mod-warn');
    expect(confirm.textContent).toBe('Cancel all 6 runs');
    expect(document.body.querySelector('.jp-Dialog')?.textContent).toContain(
      'All 6 runs of the sweep are stopped'
    );
    confirm.click();
    await find(node, `[data-run-id="${RUNNING_ID}"][data-state="CANCELLING"]`);
    expect(
      server.requests.some(
        r => r.method === 'POST' && r.path === `runs/${RUNNING_ID}/cancel`
      )
    ).toBe(true);
  });

  it('shows the first 100 of 1,000 children until asked for all', async () => {
    const big = makeRun({
      id: RUNNING_ID,
      kind: 'sweep',
      backend: 'batch',
      sweep_rows: Array.from({ length: 1000 }, (_, rows) => ({ rows })),
      child_counts: {
        pending: 0,
        running: 0,
        succeeded: 1000,
        failed: 0,
        cancelled: 0
      },
      children: Array.from({ length: 1000 }, (_, index) =>
        child({ index, scraps: { score: index / 1000 } })
      )
    });
    const node = sections.show(fakeRunsServer([big]));
    (await find(node, '.jp-ucdh-Sweep-expand')).click();
    const table = await find(node, '.jp-ucdh-Sweep-children');
    expect(table.querySelectorAll('tbody tr')).toHaveLength(100);
    const more = node.querySelector('.jp-ucdh-Sweep-more') as HTMLElement;
    expect(more.textContent).toBe('Show 900 more rows');
    more.click();
    await waitFor(
      () => table.querySelectorAll('tbody tr').length === 1000,
      'every child'
    );
    expect(node.querySelector('.jp-ucdh-Sweep-more')).toBeNull();
  });
});
