/**
 * The Runs section and the run dialog as a user meets them, against a fake
 * server: the list with state, cost and progress, its actions, and a dialog
 * that reads the notebook, prices the run and submits only what was chosen.
 */
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import type { IRunPrepare, IRunRequest, IRunUsage } from '../runs/api';
import type { IConfig } from '../status/api';
import { RunDialog } from '../runs/dialog';
import { CommandIDs } from '../tokens';
import { find, typeInto, waitFor } from './dom';
import {
  askedPriceOf,
  configWith,
  DATABRICKS_MISSING,
  DATABRICKS_READY,
  DONE_ID,
  fakeRunsServer,
  makeRun,
  PREPARE,
  RUNNING_ID,
  runsSections,
  openRunDialog
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
const DATABRICKS_URL = 'http://127.0.0.1:5001/#job/0/run/7';
const ON_DATABRICKS = makeRun({
  id: RUNNING_ID,
  backend: 'databricks',
  state: 'RUNNING',
  instance_type: 'm5.large',
  workers: 2,
  count: 3,
  cluster_mode: 'new_cluster',
  instance_id: null,
  databricks_run_id: 7,
  databricks_run_url: DATABRICKS_URL,
  databricks_host: 'http://127.0.0.1:5001'
});

/** This month's usage as `GET runs` carries it. */
function usage(fields: Partial<IRunUsage> = {}): IRunUsage {
  return {
    month: '2026-12',
    month_name: 'December',
    used_usd: 12.4,
    spent_usd: 11.9,
    monthly_budget_usd: null,
    live_runs: 1,
    max_concurrent: 3,
    ...fields
  };
}

describe('RunsSection', () => {
  const sections = runsSections();
  const shown = sections.show;

  afterEach(() => {
    sections.dispose();
  });

  it("says this month's spend against the monthly budget per user", async () => {
    const node = shown(
      fakeRunsServer([DONE], { usage: usage({ monthly_budget_usd: 200 }) })
    );

    const line = await find(node, '.jp-ucdh-Runs-usage');

    // (a run going counts at its maximum, and the line says so)
    expect(line.textContent).toBe(
      'This month: up to $12.40 of $200 with the runs going ($11.90 spent)'
    );
    expect(line.title).toContain('1 of 3 runs going at once');
  });

  it("says just this month's spend when there is no monthly budget", async () => {
    const node = shown(
      fakeRunsServer([DONE], {
        usage: usage({ live_runs: 0, used_usd: 12.4, spent_usd: 12.4 })
      })
    );

    const line = await find(node, '.jp-ucdh-Runs-usage');

    expect(line.textContent).toBe('This month: $12.40');
  });

  it('says the runs going are counted at their maximum, apart from what was spent', async () => {
    const node = shown(
      fakeRunsServer([RUNNING], {
        usage: usage({ live_runs: 1, used_usd: 0.05, spent_usd: 0 })
      })
    );
    const line = await find(node, '.jp-ucdh-Runs-usage');
    expect(line.textContent).toBe(
      'This month: $0.00 spent, up to $0.05 with the runs going'
    );
  });

  it("bills a cluster's every machine in the cost's tooltip", async () => {
    const cluster = makeRun({
      id: DONE_ID,
      backend: 'databricks',
      state: 'SUCCEEDED',
      count: 2,
      workers: 1,
      rate_usd_per_hour: 0.296,
      cost_final_usd: 0.01
    });
    const single = makeRun({
      id: RUNNING_ID,
      state: 'SUCCEEDED',
      count: 1,
      rate_usd_per_hour: 0.096,
      cost_final_usd: 0.01
    });
    const node = shown(fakeRunsServer([cluster, single]));
    const cost = async (id: string) =>
      (await find(node, `[data-run-id="${id}"] .jp-ucdh-Runs-cost`)).title;
    expect(await cost(DONE_ID)).toBe(
      'Billed per second at $0.592/h: 2 machines at $0.296/h each'
    );
    expect(await cost(RUNNING_ID)).toBe('Billed per second at $0.096/h');
  });

  it('says the kernel is starting before the first cell, not "Cell 0 of 2"', async () => {
    const starting = makeRun({
      id: RUNNING_ID,
      state: 'RUNNING',
      progress: { cell: 0, cells: 2, last_lines: [], heartbeat_at: null }
    });
    const node = shown(fakeRunsServer([starting]));
    const progress = await find(node, '.jp-ucdh-Runs-progress');
    expect(progress.textContent).toBe('Starting the kernel; 2 cells to run');
  });

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
    expect(opened).toEqual(['studies/welcome.run-2026-07-20-1000.ipynb']);
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

  it('shows a Databricks run with its badge, cluster and a link to the workspace', async () => {
    const node = shown(fakeRunsServer([ON_DATABRICKS]));

    const item = await find(node, `[data-run-id="${RUNNING_ID}"]`);

    expect(item.querySelector('.jp-ucdh-Runs-backend')?.textContent).toBe(
      'Databricks'
    );
    expect(item.querySelector('.jp-ucdh-Runs-type')?.textContent).toBe(
      'm5.large × 3 (2 workers + driver)'
    );
    const link = item.querySelector<HTMLAnchorElement>(
      'a.jp-ucdh-Runs-databricks'
    );
    expect(link?.textContent).toBe('Open in Databricks');
    expect(link?.href).toBe(DATABRICKS_URL);
    expect(link?.target).toBe('_blank');
    expect(link?.rel).toContain('noopener');
    const guardrails = item.querySelector('.jp-ucdh-Runs-guardrails');
    expect(guardrails?.textContent).toContain(
      'the job cluster ends with the run'
    );
    expect(guardrails?.textContent).not.toContain('terminates on shutdown');
    expect(item.querySelector('.jp-ucdh-Runs-cancel')).not.toBeNull();
  });

  it('shows why a Databricks run failed', async () => {
    const failed = makeRun({
      ...ON_DATABRICKS,
      state: 'FAILED',
      failure_kind: 'infrastructure',
      failure_message: 'The job cluster could not start: no m5.large capacity.',
      ended_at: '2026-07-20T10:05:00Z'
    });
    const node = shown(fakeRunsServer([failed]));

    const item = await find(node, `[data-run-id="${RUNNING_ID}"]`);

    expect(item.querySelector('.jp-ucdh-Runs-failure')?.textContent).toBe(
      'The machine could not run the notebook: The job cluster could not start: no m5.large capacity.'
    );
    expect(item.querySelector('.jp-ucdh-Runs-databricks')).not.toBeNull();
  });

  it('opens the result of a Databricks run, then offers its HTML view', async () => {
    const commands = new CommandRegistry();
    const opened: { path: string; factory?: string }[] = [];
    commands.addCommand('docmanager:open', {
      execute: args => {
        opened.push({
          path: args.path as string,
          factory: args.factory as string | undefined
        });
      }
    });
    const done = makeRun({
      ...ON_DATABRICKS,
      id: DONE_ID,
      state: 'SUCCEEDED',
      exit_value: 'auc=0.91'
    });
    const node = shown(fakeRunsServer([done]), commands);
    const item = await find(node, `[data-run-id="${DONE_ID}"]`);
    expect(item.querySelector('.jp-ucdh-Runs-html')).toBeNull();
    // What the notebook handed back (dbutils.notebook.exit).
    expect(item.querySelector('.jp-ucdh-Runs-exit')?.textContent).toBe(
      'Result: auc=0.91'
    );

    (await find(item, '.jp-ucdh-Runs-open')).click();
    (await find(node, '.jp-ucdh-Runs-html')).click();

    await waitFor(() => opened.length > 1, 'the HTML view to open');
    expect(opened).toEqual([
      { path: 'studies/welcome.run-2026-07-20-1000.ipynb', factory: undefined },
      {
        path: 'studies/welcome.run-2026-07-20-1000.html',
        factory: 'HTML Viewer'
      }
    ]);
  });

  it('runs a Databricks run again with its workers and compute', async () => {
    const commands = new CommandRegistry();
    const asked: any[] = [];
    commands.addCommand(CommandIDs.runNotebook, {
      execute: args => {
        asked.push(args);
      }
    });
    const done = makeRun({ ...ON_DATABRICKS, state: 'SUCCEEDED' });
    const node = shown(fakeRunsServer([done]), commands);

    (await find(node, '.jp-ucdh-Runs-rerun')).click();

    await waitFor(() => asked.length > 0, 'the run command');
    expect(asked[0].rerun).toEqual({
      backend: 'databricks',
      instance_type: 'm5.large',
      max_hours: 2,
      parameters: {},
      files: [],
      workers: 2,
      cluster_mode: 'new_cluster'
    });
  });
});

describe('RunDialog', () => {
  let dialog: RunDialog | null = null;

  afterEach(() => {
    dialog?.dispose();
    dialog = null;
  });

  function opened(
    config?: IConfig,
    prepare?: Partial<IRunPrepare>
  ): {
    node: HTMLElement;
    server: ReturnType<typeof fakeRunsServer>;
    result: Promise<Dialog.IResult<any>>;
  } {
    const server = fakeRunsServer([], { config, prepare });
    const opening = openRunDialog(server, trans);
    dialog = opening.dialog;
    const result = opening.result;
    return { node: dialog.node, server, result };
  }

  /** Wait until the dialog shows this maximum cost. */
  function maxCostShown(node: HTMLElement, text: string): Promise<boolean> {
    return waitFor(
      () =>
        node.querySelector('.jp-ucdh-RunDialog-maxCost')?.textContent === text,
      `the maximum cost "${text}"`
    );
  }

  /** The backend radio of the dialog, once the form is there. */
  function radio(node: HTMLElement, value: string): Promise<HTMLInputElement> {
    return find(
      node,
      `.jp-ucdh-RunDialog-backend input[value="${value}"]`
    ) as Promise<HTMLInputElement>;
  }

  /** Choose an option of a React-controlled select the way a browser reports it. */
  function choose(select: HTMLSelectElement, value: string): void {
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }

  /** The body of the submitted run, once the server received it. */
  async function submittedBody(
    server: ReturnType<typeof fakeRunsServer>
  ): Promise<IRunRequest> {
    const request = await waitFor(
      () => server.requests.find(r => r.method === 'POST' && r.path === 'runs'),
      'the run to be submitted'
    );
    return request.body as IRunRequest;
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
    // The fake server has no config route, as an older or unreadable one.
    expect(
      node
        .querySelector<HTMLInputElement>('input[value="databricks"]')
        ?.getAttribute('aria-disabled')
    ).toBe('true');
  });

  it('says which image the machine boots, with a GPU driver for GPU types', async () => {
    const { node } = opened();
    const line = await find(node, '.jp-ucdh-RunDialog-image');
    expect(line.textContent).toBe('The machine boots Amazon Linux 2023.');

    (await find(node, '.jp-ucdh-Compute-preset[data-preset="gpu"]')).click();

    await waitFor(
      () =>
        node
          .querySelector('.jp-ucdh-RunDialog-image')
          ?.textContent?.includes('Deep Learning Base AMI with NVIDIA driver'),
      'the GPU image'
    );
    expect(
      node.querySelector('.jp-ucdh-RunDialog-image')?.getAttribute('title')
    ).toBe(PREPARE.images.gpu.source);
  });

  it('says which Python the machine runs, and why when it is not the kernel one', async () => {
    const note =
      'Your kernel runs Python 3.10; Amazon Linux 2023 offers 3.9 and 3.11\u20133.14, so the run uses 3.11; pins that need 3.10 may fail.';
    const { node } = opened(undefined, {
      python: { kernel: '3.10', version: '3.11', note }
    });
    const line = await find(node, '.jp-ucdh-RunDialog-python');
    expect(line.textContent).toBe(note);
  });

  it('says the machine runs the kernel Python when the image offers it', async () => {
    const { node } = opened(undefined, {
      python: { kernel: '3.12', version: '3.12', note: null }
    });
    const line = await find(node, '.jp-ucdh-RunDialog-python');
    expect(line.textContent).toBe(
      'The machine runs Python 3.12, as your kernel.'
    );
  });

  it('explains a kernel whose packages cannot be read', async () => {
    const problem =
      "The notebook's kernel 'elsewhere' is not installed on this server, so the versions of its packages cannot be read.";
    const { node } = opened(undefined, {
      environment: { ...PREPARE.environment, problem },
      python: { kernel: null, version: null, note: null }
    });
    const alert = await find(
      node,
      '.jp-ucdh-RunDialog-environment [role="alert"]'
    );
    expect(alert.textContent).toBe(problem);
    expect(node.querySelector('.jp-ucdh-RunDialog-python')).toBeNull();
  });

  it('says where the machine installs its packages from', async () => {
    const { node } = opened();
    const line = await find(node, '.jp-ucdh-RunDialog-packageSource');
    expect(line.textContent).toBe(
      'Packages from: the S3 wheel cache (no internet needed).'
    );
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
    const { node, server, result } = opened(configWith());
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

    // m5.large at $0.096/h for at most 3 h, as the server priced it.
    await maxCostShown(node, '$0.29 3 h max runtime × 1 m5.large');
    // One cost block: the picker's own estimate (and its runtime) is not shown.
    expect(node.textContent).not.toContain('Runtime (hours)');
    expect(node.textContent).not.toContain('Disk (GB)');
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
      'The maximum cost of this run is $12.62, above the $5.00 budget per run.'
    );
    expect(
      server.requests.some(r => r.method === 'POST' && r.path === 'runs')
    ).toBe(false);
  });

  it("blocks the run with the server's verdict on the user's caps", async () => {
    const message = 'You have 3 runs going, the most allowed at once is 3.';
    const server = fakeRunsServer([], {
      refusal: { code: 'user_cap', message, hint: '' }
    });
    dialog = openRunDialog(server, trans).dialog;
    const node = dialog.node;
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    // The server priced this very choice, and its answer has been rendered.
    await waitFor(
      () => askedPriceOf(server, 'm5.large'),
      'the cost of m5.large'
    );
    await new Promise(resolve => setTimeout(resolve, 200));

    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();

    const blockers = await find(node, '.jp-ucdh-RunDialog-blockers li');
    expect(blockers.textContent).toBe(message);
    expect(
      server.requests.some(r => r.method === 'POST' && r.path === 'runs')
    ).toBe(false);
  });

  it('shows Databricks disabled with why and how to configure it', async () => {
    const { node } = opened(configWith(DATABRICKS_MISSING));
    await find(node, 'input[data-parameter="rows"]');

    const databricks = await radio(node, 'databricks');
    const help = node.querySelector(
      `#${CSS.escape(databricks.getAttribute('aria-describedby') ?? '')}`
    );
    databricks.click();

    expect(databricks.getAttribute('aria-disabled')).toBe('true');
    // Focusable, so keyboard users reach it and hear why.
    expect(databricks.disabled).toBe(false);
    expect(help?.textContent).toBe(
      'No Databricks workspace is configured. Ask your administrator to set UcdhConfig.databricks_host, or create a ~/.databrickscfg profile.'
    );
    expect((await radio(node, 'ec2')).checked).toBe(true);
    expect(databricks.checked).toBe(false);
    expect(node.querySelector('.jp-ucdh-RunDialog-workers')).toBeNull();
    expect(node.querySelector('.jp-ucdh-RunDialog-files')).not.toBeNull();
  });

  it('offers EC2 only when the configuration cannot be read', async () => {
    const { node } = opened();
    await find(node, 'input[data-parameter="rows"]');

    expect((await radio(node, 'ec2')).checked).toBe(true);
    expect(
      (await radio(node, 'databricks')).getAttribute('aria-disabled')
    ).toBe('true');
    expect(
      node.querySelector('.jp-ucdh-RunDialog-unavailable')?.textContent
    ).toBe('This server does not offer Databricks runs.');
    expect(
      node.querySelector('.jp-ucdh-RunDialog-environment')?.textContent
    ).toContain('2 packages');
  });

  it('runs on Databricks with workers and a job cluster, priced for workers and driver, sending the notebook alone', async () => {
    const { node, server, result } = opened(configWith(DATABRICKS_READY));
    await find(node, 'input[data-parameter="rows"]');

    (await radio(node, 'databricks')).click();
    const workers = (await find(
      node,
      '.jp-ucdh-RunDialog-workers'
    )) as HTMLInputElement;
    const mode = node.querySelector(
      '.jp-ucdh-RunDialog-clusterMode'
    ) as HTMLSelectElement;
    expect(workers.value).toBe('2');
    expect(Array.from(mode.options, o => o.value)).toEqual([
      'new_cluster',
      'serverless'
    ]);
    expect(mode.value).toBe('new_cluster');
    expect(node.querySelector('.jp-ucdh-RunDialog-files')).toBeNull();
    expect(node.querySelector('.jp-ucdh-RunDialog-environment')).toBeNull();
    expect(
      node.querySelector('.jp-ucdh-RunDialog-notebookOnly')?.textContent
    ).toContain('sends only the notebook');
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    typeInto(workers, '3');
    typeInto(
      node.querySelector('.jp-ucdh-RunDialog-hours') as HTMLInputElement,
      '3'
    );

    // m5.large with DBUs at $0.196/h per node, 3 workers + the driver, 3 h.
    await maxCostShown(node, '$2.35 3 h max runtime × 4 m5.large');
    expect(
      server.requests.some(
        r =>
          r.path === 'compute/catalog' &&
          new URLSearchParams(r.search).get('backend') === 'databricks'
      )
    ).toBe(true);
    expect(
      node.querySelector('.jp-ucdh-Compute-summary')?.textContent
    ).toContain('node types your Databricks workspace offers');
    // One Workers field: the dialog's, which the server prices.
    expect(
      Array.from(node.querySelectorAll('label')).filter(
        label => label.textContent === 'Workers'
      )
    ).toHaveLength(1);
    const priced = server.requests.filter(r => r.path === 'runs/prepare');
    expect(priced[priced.length - 1].body).toEqual({
      notebook_path: 'studies/welcome.ipynb',
      instance_type: 'm5.large',
      backend: 'databricks',
      cluster_mode: 'new_cluster',
      workers: 3,
      hours_low: 0.5,
      hours_high: 1,
      max_hours: 3
    });
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();

    expect(await submittedBody(server)).toEqual({
      notebook_path: 'studies/welcome.ipynb',
      instance_type: 'm5.large',
      max_hours: 3,
      parameters: {},
      files: [],
      include_sensitive: false,
      backend: 'databricks',
      count: 4,
      workers: 3,
      cluster_mode: 'new_cluster',
      run_id: PREPARE.new_run_id
    });
    const answer = await result;
    expect(answer.value.backend).toBe('databricks');
  });

  it('starts on the backend and workers of the last run submitted', async () => {
    const { node } = opened(configWith(DATABRICKS_READY));

    const workers = (await find(
      node,
      '.jp-ucdh-RunDialog-workers'
    )) as HTMLInputElement;

    expect((await radio(node, 'databricks')).checked).toBe(true);
    expect(workers.value).toBe('3');
  });

  it('refuses workers out of range or missing and says the range', async () => {
    const { node, server } = opened(configWith(DATABRICKS_READY));
    (await radio(node, 'databricks')).click();
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    const workers = (await find(
      node,
      '.jp-ucdh-RunDialog-workers'
    )) as HTMLInputElement;
    const submit = node.querySelector(
      '.jp-ucdh-RunDialog-submit'
    ) as HTMLButtonElement;

    typeInto(workers, '9');

    // Above the input's max: the dialog's own validation disables the button.
    await waitFor(() => submit.disabled, 'the submit button to be disabled');
    expect(workers.getAttribute('aria-invalid')).toBe('true');
    expect(
      node.querySelector(
        `#${CSS.escape(workers.getAttribute('aria-describedby') ?? '')}`
      )?.textContent
    ).toBe('A whole number from 0 to 8.');

    typeInto(workers, '');
    await waitFor(() => !submit.disabled, 'the submit button to be enabled');
    submit.click();

    const blockers = await find(node, '.jp-ucdh-RunDialog-blockers li');
    expect(blockers.textContent).toBe(
      'Enter the number of workers: a whole number from 0 to 8.'
    );
    expect(
      server.requests.some(r => r.method === 'POST' && r.path === 'runs')
    ).toBe(false);
  });

  it('runs on serverless compute without a node type, saying the cost cannot be estimated here', async () => {
    const { node, server } = opened(configWith(DATABRICKS_READY));
    (await radio(node, 'databricks')).click();
    choose(
      (await find(node, '.jp-ucdh-RunDialog-clusterMode')) as HTMLSelectElement,
      'serverless'
    );

    await waitFor(
      () => !node.querySelector('.jp-ucdh-RunDialog-machine'),
      'the node type picker to go'
    );
    expect(node.querySelector('.jp-ucdh-RunDialog-workers')).toBeNull();
    await maxCostShown(
      node,
      'Billed by Databricks for the serverless compute used; it cannot be estimated here.'
    );
    // The max runtime a submit sends is the server's for this choice.
    await waitFor(
      () =>
        server.requests.some(
          r =>
            r.path === 'runs/prepare' &&
            (r.body as { cluster_mode?: string }).cluster_mode === 'serverless'
        ),
      'the runtime of the serverless choice'
    );
    await new Promise(resolve => setTimeout(resolve, 100));
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();

    const body = await submittedBody(server);
    expect(body).toMatchObject({
      backend: 'databricks',
      cluster_mode: 'serverless',
      instance_type: '',
      workers: 0,
      files: []
    });
  });

  it('shows no compute choice when the admin allows one kind', async () => {
    const { node } = opened(
      configWith({
        ...DATABRICKS_READY,
        databricks: {
          ...DATABRICKS_READY.databricks,
          cluster_modes: ['new_cluster']
        }
      })
    );
    (await radio(node, 'databricks')).click();
    await find(node, '.jp-ucdh-RunDialog-workers');

    expect(node.querySelector('.jp-ucdh-RunDialog-clusterMode')).toBeNull();
    expect(
      node.querySelector('.jp-ucdh-RunDialog-cluster')?.textContent
    ).toContain('A job cluster created for this run');
  });
});
