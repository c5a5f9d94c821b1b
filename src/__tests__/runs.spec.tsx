/**
 * The Runs section and the run dialog as a user meets them, against a fake
 * server: the list with state, cost and progress, its actions, and a dialog
 * that reads the notebook, prices the run and submits only what was chosen.
 */
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import type { IRunRequest } from '../api';
import { RunDialog, RunFormWidget } from '../runs/dialog';
import { RunsSection } from '../runs/section';
import { CommandIDs } from '../tokens';
import { find, typeInto, waitFor } from './dom';
import {
  DONE_ID,
  fakeRunsServer,
  makeRun,
  PREPARE,
  RUNNING_ID
} from './runsfixtures';

const trans = nullTranslator.load('ucdh_jupyter');

const RUNNING = makeRun({
  id: RUNNING_ID,
  state: 'RUNNING',
  instance_type: 'm5.xlarge',
  cost_so_far_usd: 0.0321,
  progress: {
    cell: 3,
    cells: 12,
    last_lines: ['epoch 1', 'epoch 2', 'epoch 3', 'epoch 4', 'epoch 5'],
    heartbeat_at: new Date(Date.now() - 12_000).toISOString()
  }
});
const DONE = makeRun({
  id: DONE_ID,
  state: 'SUCCEEDED',
  cost_final_usd: 0.4213,
  ended_at: '2026-07-20T10:31:00Z'
});

describe('RunsSection', () => {
  let section: RunsSection | null = null;

  afterEach(() => {
    section?.dispose();
    section = null;
    Dialog.flush();
  });

  function shown(
    server: ReturnType<typeof fakeRunsServer>,
    commands?: CommandRegistry
  ): HTMLElement {
    section = new RunsSection({
      trans,
      serverSettings: server.serverSettings,
      commands,
      intervalMs: 20
    });
    Widget.attach(section, document.body);
    return section.node;
  }

  it('lists each run with its state, machine, cost and live progress', async () => {
    const node = shown(fakeRunsServer([RUNNING, DONE]));

    const running = await find(node, `[data-run-id="${RUNNING_ID}"]`);
    const done = await find(node, `[data-run-id="${DONE_ID}"]`);

    expect(running.dataset.state).toBe('RUNNING');
    expect(running.querySelector('.jp-ucdh-Runs-state')?.textContent).toBe(
      'Running'
    );
    expect(running.textContent).toContain('m5.xlarge');
    expect(running.querySelector('.jp-ucdh-Runs-cost')?.textContent).toBe(
      'so far $0.03'
    );
    const progress = running.querySelector('.jp-ucdh-Runs-progress');
    expect(progress?.getAttribute('aria-valuenow')).toBe('3');
    expect(progress?.textContent).toBe('Cell 3 of 12');
    // The last four lines of output, not the whole history.
    expect(running.querySelector('.jp-ucdh-Runs-output')?.textContent).toBe(
      'epoch 2\nepoch 3\nepoch 4\nepoch 5'
    );
    const guardrails = running.querySelector('.jp-ucdh-Runs-guardrails');
    expect(guardrails?.textContent).toContain('terminates on shutdown');
    expect(guardrails?.textContent).toMatch(/heartbeat 1\d s ago/);
    expect(running.querySelector('.jp-ucdh-Runs-cancel')).not.toBeNull();

    expect(done.querySelector('.jp-ucdh-Runs-state')?.textContent).toBe(
      'Succeeded'
    );
    expect(done.querySelector('.jp-ucdh-Runs-cost')?.textContent).toBe('$0.42');
    expect(done.querySelector('.jp-ucdh-Runs-cancel')).toBeNull();
    expect(done.querySelector('.jp-ucdh-Runs-open')?.textContent).toBe(
      'Open result'
    );
  });

  it('says how to start when there are no runs', async () => {
    const node = shown(fakeRunsServer([]));

    const empty = await find(node, '.jp-ucdh-Runs-empty');

    expect(empty.textContent).toContain('Run on AWS');
  });

  it('shows the server error with a retry that works', async () => {
    const server = fakeRunsServer([DONE]);
    const failing = {
      ...server,
      serverSettings: {
        ...server.serverSettings,
        fetch: async () =>
          new Response(
            JSON.stringify({
              message: 'The run store is locked.',
              code: 'store_locked',
              hint: 'Try again in a moment.'
            }),
            { status: 503 }
          )
      }
    };
    const node = shown(failing as typeof server);

    const problem = await find(node, '.jp-ucdh-Compute-problem');

    expect(problem.textContent).toContain('The run store is locked.');
    expect(problem.textContent).toContain('Try again in a moment.');
  });

  it('follows a run to its end and stops asking', async () => {
    const server = fakeRunsServer([RUNNING]);
    const node = shown(server);
    await find(node, `[data-run-id="${RUNNING_ID}"][data-state="RUNNING"]`);

    server.setState(RUNNING_ID, 'SUCCEEDED', { cost_final_usd: 0.05 });

    await find(node, `[data-run-id="${RUNNING_ID}"][data-state="SUCCEEDED"]`);
    const asked = server.requests.length;
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(server.requests.length).toBe(asked);
  });

  it('cancels a run after the user confirms', async () => {
    const server = fakeRunsServer([RUNNING]);
    const node = shown(server);
    const cancel = await find(node, '.jp-ucdh-Runs-cancel');

    cancel.click();
    const confirm = await find(document.body, '.jp-Dialog .jp-mod-warn');
    expect(document.body.querySelector('.jp-Dialog')?.textContent).toContain(
      'partial output is kept'
    );
    confirm.click();

    await find(node, `[data-run-id="${RUNNING_ID}"][data-state="CANCELLING"]`);
    expect(
      server.requests.some(
        r => r.method === 'POST' && r.path === `runs/${RUNNING_ID}/cancel`
      )
    ).toBe(true);
  });

  it('opens the executed notebook where the server copied it', async () => {
    const commands = new CommandRegistry();
    const opened: string[] = [];
    commands.addCommand('docmanager:open', {
      execute: args => {
        opened.push(args.path as string);
      }
    });
    const node = shown(fakeRunsServer([DONE]), commands);

    (await find(node, '.jp-ucdh-Runs-open')).click();

    await waitFor(() => opened.length > 0, 'the notebook to open');
    expect(opened).toEqual([`studies/welcome.run-${DONE_ID}.ipynb`]);
  });

  it('runs again with the same settings through the run command', async () => {
    const commands = new CommandRegistry();
    const asked: any[] = [];
    commands.addCommand(CommandIDs.runNotebook, {
      execute: args => {
        asked.push(args);
      }
    });
    const node = shown(
      fakeRunsServer([{ ...DONE, parameters: { rows: 10 } }]),
      commands
    );

    (await find(node, '.jp-ucdh-Runs-rerun')).click();

    await waitFor(() => asked.length > 0, 'the run command');
    expect(asked[0]).toEqual({
      path: 'studies/welcome.ipynb',
      rerun: {
        backend: 'ec2',
        instance_type: 'm5.large',
        max_hours: 2,
        parameters: { rows: 10 },
        files: []
      }
    });
  });
});

describe('RunDialog', () => {
  let dialog: RunDialog | null = null;

  afterEach(() => {
    dialog?.dispose();
    dialog = null;
  });

  function opened(): {
    node: HTMLElement;
    server: ReturnType<typeof fakeRunsServer>;
    result: Promise<Dialog.IResult<any>>;
  } {
    const server = fakeRunsServer([]);
    const form = new RunFormWidget({
      notebookPath: PREPARE.notebook_path,
      trans,
      serverSettings: server.serverSettings,
      debounceMs: 10
    });
    dialog = new RunDialog(form, trans, 'Run welcome.ipynb on AWS');
    const result = dialog.launch();
    // Disposing an open dialog rejects its promise: expected, not a failure.
    result.catch(() => undefined);
    return { node: dialog.node, server, result };
  }

  it('offers the notebook parameters, files without secrets and the environment', async () => {
    const { node } = opened();

    const rows = (await find(
      node,
      'input[data-parameter="rows"]'
    )) as HTMLInputElement;
    const files = Array.from(
      node.querySelectorAll<HTMLLIElement>('.jp-ucdh-RunDialog-files li')
    );

    expect(rows.value).toBe('5');
    const checked = files
      .filter(li => li.querySelector('input')?.checked)
      .map(li => li.dataset.path);
    expect(checked).toEqual(['data.csv']);
    expect(
      node.querySelector('.jp-ucdh-RunDialog-environment')?.textContent
    ).toContain('2 packages, from requirements.txt');
    expect(
      node.querySelector<HTMLInputElement>('input[value="databricks"]')
        ?.disabled
    ).toBe(true);
  });

  it('keeps the dialog open and says what is missing when no machine is chosen', async () => {
    const { node, server } = opened();
    await find(node, 'input[data-parameter="rows"]');

    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();

    const blockers = await find(node, '.jp-ucdh-RunDialog-blockers li');
    expect(blockers.textContent).toBe('Choose a machine type.');
    expect(node.isConnected).toBe(true);
    expect(
      server.requests.some(r => r.method === 'POST' && r.path === 'runs')
    ).toBe(false);
  });

  it('prices the chosen machine and submits what the user chose', async () => {
    const { node, server, result } = opened();
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    const hours = (await find(
      node,
      '.jp-ucdh-RunDialog-hours'
    )) as HTMLInputElement;
    typeInto(hours, '3');
    typeInto(
      node.querySelector('input[data-parameter="rows"]') as HTMLInputElement,
      '10'
    );

    // m5.large at $0.096/h for at most 3 h.
    await waitFor(
      () =>
        node.querySelector('.jp-ucdh-RunDialog-maxCost')?.textContent ===
        '$0.29 ($0.096/h × 3 h, then the machine is terminated)',
      'the maximum cost'
    );
    await waitFor(
      () =>
        node
          .querySelector('.jp-ucdh-RunDialog-expectedCost')
          ?.textContent?.startsWith('$0.10 – $0.19'),
      'the expected cost from the estimate'
    );
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();

    const answer = await result;
    const submitted = server.requests.find(
      r => r.method === 'POST' && r.path === 'runs'
    )?.body as IRunRequest;
    expect(submitted).toEqual({
      notebook_path: 'studies/welcome.ipynb',
      instance_type: 'm5.large',
      max_hours: 3,
      parameters: { rows: 10 },
      files: ['data.csv'],
      include_sensitive: false,
      backend: 'ec2',
      count: 1,
      run_id: PREPARE.new_run_id
    });
    expect(answer.value.id).toBe(PREPARE.new_run_id);
    expect(answer.value.state).toBe('PROVISIONING');
  });

  it('refuses a run whose maximum cost is above the budget', async () => {
    const { node, server } = opened();
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="gpu"]')).click();
    typeInto(
      (await find(node, '.jp-ucdh-RunDialog-hours')) as HTMLInputElement,
      '24'
    );
    // g4dn.xlarge at $0.526/h for 24 h is $12.62, above the $5.00 budget.
    await waitFor(
      () =>
        node
          .querySelector('.jp-ucdh-RunDialog-maxCost')
          ?.textContent?.startsWith('$12.62'),
      'the maximum cost'
    );

    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();

    const blockers = await find(node, '.jp-ucdh-RunDialog-blockers');
    expect(blockers.textContent).toContain(
      'The maximum cost $12.62 is above the $5.00 budget per run'
    );
    expect(
      server.requests.some(r => r.method === 'POST' && r.path === 'runs')
    ).toBe(false);
  });
});
