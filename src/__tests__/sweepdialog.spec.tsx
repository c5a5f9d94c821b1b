/**
 * The run dialog's sweep editor (issue 14) as a researcher uses it: a grid of
 * values with its product, a table typed or pasted as CSV, the cost of each
 * run and of them all, and what a submit sends or why it does not go.
 */
import { nullTranslator } from '@jupyterlab/translation';

import type { IRunRequest } from '../runs/api';
import type { IConfig } from '../status/api';
import { RunDialog } from '../runs/dialog';
import { find, typeInto, waitFor } from './dom';
import {
  configWith,
  fakeRunsServer,
  launchRequests,
  openRunDialog
} from './runsfixtures';
import type { IProblem } from '../api';

const trans = nullTranslator.load('ucdh_jupyter');

describe('the sweep editor of the run dialog', () => {
  let dialog: RunDialog | null = null;

  afterEach(() => {
    dialog?.dispose();
    dialog = null;
  });

  /** The dialog with a machine chosen and "Run for several parameter sets" on. */
  async function sweepOpened(
    options: { config?: IConfig; submitProblem?: IProblem } = {}
  ): Promise<{ node: HTMLElement; server: ReturnType<typeof fakeRunsServer> }> {
    const server = fakeRunsServer([], {
      config: options.config ?? configWith(),
      submitProblem: options.submitProblem
    });
    dialog = openRunDialog(server, trans).dialog;
    const node = dialog.node;
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    (await find(node, '.jp-ucdh-Sweep-toggle input')).click();
    await find(node, '.jp-ucdh-Sweep-modes');
    return { node, server };
  }

  const text = (node: HTMLElement, selector: string): string =>
    node.querySelector(selector)?.textContent ?? '';

  const input = (node: HTMLElement, selector: string): HTMLInputElement =>
    node.querySelector(selector) as HTMLInputElement;

  const submit = (node: HTMLElement): void =>
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();

  /** Type grid lines, by parameter, and wait for the product they make. */
  async function typeGrid(
    node: HTMLElement,
    lines: Record<string, string>,
    product: string
  ): Promise<void> {
    for (const [name, values] of Object.entries(lines)) {
      typeInto(
        input(node, `.jp-ucdh-Sweep-values[data-parameter="${name}"]`),
        values
      );
    }
    await waitFor(
      () => text(node, '.jp-ucdh-Sweep-count') === product,
      `the count "${product}"`
    );
  }

  /** The body of the submitted run, once the server received it. */
  async function submitted(
    server: ReturnType<typeof fakeRunsServer>
  ): Promise<IRunRequest> {
    const [request] = await waitFor(
      () => launchRequests(server).length > 0 && launchRequests(server),
      'the sweep to be submitted'
    );
    return request.body as IRunRequest;
  }

  it('is off until switched on, and then offers a grid of the parameters', async () => {
    const server = fakeRunsServer([], { config: configWith() });
    dialog = openRunDialog(server, trans).dialog;
    const toggle = (await find(
      dialog.node,
      '.jp-ucdh-Sweep-toggle input'
    )) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    expect(toggle.getAttribute('role')).toBe('switch');
    expect(dialog.node.querySelector('.jp-ucdh-Sweep-values')).toBeNull();
    toggle.click();
    const lines = await waitFor(
      () => dialog?.node.querySelectorAll('.jp-ucdh-Sweep-values'),
      'the grid lines'
    );
    expect(
      Array.from(lines, line => line.getAttribute('data-parameter'))
    ).toEqual(['rows', 'cohort', 'start']);
    // the max runtime is each run's
    expect(text(dialog.node, '.jp-ucdh-RunDialog-runtime')).toContain(
      'Each run of the sweep is stopped after this'
    );
  });

  it('counts the grid, prices each run and all of them, and submits the grid', async () => {
    const { node, server } = await sweepOpened();
    await typeGrid(
      node,
      { rows: '10, 100, 1000', cohort: 'A, B' },
      '3 × 2 = 6 runs'
    );
    // the server prices 6 runs: each run's figures, then the sweep's total
    await waitFor(
      () => text(node, '.jp-ucdh-Sweep-total').startsWith('6 runs ×'),
      "the sweep's total"
    );
    const cost = node.querySelector('.jp-ucdh-RunDialog-cost') as HTMLElement;
    expect(cost.textContent).toContain('Expected, each run');
    expect(cost.textContent).toContain('Maximum, each run');
    expect(cost.textContent).toContain('All 6 runs');
    const priced = server.requests.filter(r => r.path === 'runs/prepare');
    expect(priced[priced.length - 1].body).toMatchObject({ children: 6 });
    // fewer at once than the admin's 10
    typeInto(input(node, '.jp-ucdh-Sweep-parallel'), '2');

    submit(node);

    const body = await submitted(server);
    expect(body.sweep).toEqual({
      grid: { rows: [10, 100, 1000], cohort: ['A', 'B'] },
      parallelism: 2
    });
    // the single-run fields stay each run's values for what the grid leaves out
    expect(body.parameters).toEqual({});
    expect(body.backend).toBe('ec2');
  });

  it('takes pasted CSV rows, refusing a column the notebook lacks, and submits them', async () => {
    const { node, server } = await sweepOpened();
    (await find(node, '.jp-ucdh-Sweep-modes input[value="table"]')).click();
    (await find(node, '.jp-ucdh-Sweep-pasteCsv')).click();
    const area = (await find(
      node,
      '.jp-ucdh-Sweep-csv'
    )) as HTMLTextAreaElement;
    typeInto(area, 'rows,cohrt\n1,A\n');
    (node.querySelector('.jp-ucdh-Sweep-useCsv') as HTMLElement).click();
    const error = await find(node, '.jp-ucdh-Sweep-csvError');
    expect(error.textContent).toBe(
      'The notebook has no parameter "cohrt" (its parameters: rows, cohort, start).'
    );
    expect(error.getAttribute('role')).toBe('alert');

    typeInto(area, 'rows,cohort\n1,A\n2,B\n3,"C, D"\n');
    (node.querySelector('.jp-ucdh-Sweep-useCsv') as HTMLElement).click();
    await waitFor(
      () => node.querySelectorAll('.jp-ucdh-Sweep-table tbody tr').length === 3,
      'the three rows'
    );
    expect(node.querySelector('.jp-ucdh-Sweep-csv')).toBeNull();
    expect(text(node, '.jp-ucdh-Sweep-count')).toBe('3 runs');
    expect(input(node, 'input[aria-label="cohort, run 3"]').value).toBe('C, D');
    // remove the second run, add one that sets rows only
    (
      node.querySelector('button[aria-label="Remove run 2"]') as HTMLElement
    ).click();
    (node.querySelector('.jp-ucdh-Sweep-addRow') as HTMLElement).click();
    typeInto(
      (await find(node, 'input[aria-label="rows, run 3"]')) as HTMLInputElement,
      '7'
    );
    await waitFor(
      () => text(node, '.jp-ucdh-Sweep-count') === '3 runs',
      '3 runs'
    );
    await waitFor(
      () => text(node, '.jp-ucdh-Sweep-total').startsWith('3 runs ×'),
      'the price of 3 runs'
    );

    submit(node);

    const body = await submitted(server);
    expect(body.sweep).toEqual({
      rows: [
        { rows: 1, cohort: 'A' },
        { rows: 3, cohort: 'C, D' },
        { rows: 7 }
      ],
      parallelism: 10
    });
  });

  it('refuses a sweep larger than the admin allows before submitting', async () => {
    const config = configWith();
    config.runs = { ...config.runs, sweep_max_size: 4 };
    const { node, server } = await sweepOpened({ config });
    await typeGrid(node, { rows: '1, 2, 3', cohort: 'A, B' }, '3 × 2 = 6 runs');

    submit(node);

    const reasons = await find(node, '.jp-ucdh-RunDialog-blockers li');
    expect(reasons.textContent).toBe(
      'This sweep has 6 parameter sets; at most 4 are allowed here. Split it into smaller sweeps.'
    );
    expect(launchRequests(server)).toEqual([]);
  });

  it("shows the server's refusal naming a parameter set where the dialog shows errors", async () => {
    const { node, server } = await sweepOpened({
      submitProblem: {
        status: 400,
        code: 'bad_request',
        message:
          'Parameter set 2 names rowz, which the notebook does not have.',
        hint: 'Use the names of its parameters cell.'
      }
    });
    await typeGrid(node, { rows: '1, 2' }, '2 runs');
    await waitFor(
      () => text(node, '.jp-ucdh-Sweep-total').startsWith('2 runs ×'),
      'the price of 2 runs'
    );

    submit(node);

    const alert = await waitFor(
      () =>
        Array.from(node.querySelectorAll('[role="alert"]')).find(a =>
          a.textContent?.includes('Parameter set 2')
        ),
      "the server's refusal"
    );
    expect(alert.textContent).toContain(
      'Use the names of its parameters cell.'
    );
    expect(launchRequests(server)).toHaveLength(1);
    // the dialog stays open with the editor as it was
    expect(text(node, '.jp-ucdh-Sweep-count')).toBe('2 runs');
  });
});
