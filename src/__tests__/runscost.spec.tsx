/**
 * One cost story in the run dialog (issue 12): the expected runtime moves the
 * max runtime until the researcher types one, one cost block shows the
 * server's figures with what they count, and the verdict is the server's (the
 * browser applies no budget rule of its own).
 */
import { nullTranslator } from '@jupyterlab/translation';

import type { IRunPrepare, IRunRequest } from '../runs/api';
import type { IConfig } from '../status/api';
import { RunDialog } from '../runs/dialog';
import { find, typeInto, waitFor } from './dom';
import {
  askedPriceOf,
  configWith,
  DATABRICKS_READY,
  fakeRunsServer,
  launchRequests,
  openRunDialog
} from './runsfixtures';

const trans = nullTranslator.load('ucdh_jupyter');

describe('the run dialog cost story', () => {
  let dialog: RunDialog | null = null;

  afterEach(() => {
    dialog?.dispose();
    dialog = null;
  });

  function opened(
    config?: IConfig,
    prepare?: Partial<IRunPrepare>,
    refusal?: { code: string; message: string; hint: string }
  ): { node: HTMLElement; server: ReturnType<typeof fakeRunsServer> } {
    const server = fakeRunsServer([], { config, prepare, refusal });
    dialog = openRunDialog(server, trans).dialog;
    return { node: dialog.node, server };
  }

  const text = (node: HTMLElement, selector: string): string =>
    node.querySelector(selector)?.textContent ?? '';

  const maxField = (node: HTMLElement): HTMLInputElement =>
    node.querySelector('.jp-ucdh-RunDialog-hours') as HTMLInputElement;

  it('shows one cost block for EC2 whose figures say what they count', async () => {
    // Given the dialog with an m5.large ($0.096/h) chosen
    const { node } = opened(configWith());
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    // Then one cost block shows the server's expected range and maximum
    await waitFor(
      () => text(node, '.jp-ucdh-RunDialog-maxCost').includes('m5.large'),
      'the maximum of m5.large'
    );
    expect(node.querySelectorAll('.jp-ucdh-RunDialog-cost')).toHaveLength(1);
    expect(text(node, '.jp-ucdh-RunDialog-expectedCost')).toContain(
      '0.5–1 h × 1 m5.large'
    );
    expect(text(node, '.jp-ucdh-RunDialog-maxCost')).toContain(
      '2 h max runtime × 1 m5.large'
    );
    // and no second runtime nor estimate from the instance picker
    expect(node.textContent).not.toContain('Runtime (hours)');
    expect(node.querySelector('.jp-ucdh-Compute-estimate')).toBeNull();
    // and the server's verdict, in its words, with no run id as explanation
    expect(text(node, '.jp-ucdh-RunDialog-verdict')).toMatch(/^Within budget:/);
  });

  it('moves the max runtime with the expected runtime until one is typed', async () => {
    const { node, server } = opened(configWith());
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    const expected = (await find(
      node,
      '.jp-ucdh-RunDialog-expected'
    )) as HTMLInputElement;
    // Given the default: 0.5-1 h expected, so a max of 2 h
    expect(expected.value).toBe('0.5-1');
    await waitFor(() => maxField(node).value === '2', 'the default max');
    // When the expected runtime becomes 2-3 h
    typeInto(expected, '2-3');
    // Then the max follows: twice the expected end, as the server says
    await waitFor(() => maxField(node).value === '6', 'the max to follow');
    expect(text(node, '.jp-ucdh-RunDialog-runtime')).toContain(
      'Twice the expected 3 h'
    );
    // When the researcher types a max, then expects longer than it
    typeInto(maxField(node), '4');
    typeInto(expected, '1-5');
    // Then the typed max stays, and the server's refusal is shown in UI words
    await waitFor(
      () => text(node, '.jp-ucdh-RunDialog-verdict').startsWith('The max'),
      'the verdict on a max below the expected end'
    );
    expect(maxField(node).value).toBe('4');
    expect(text(node, '.jp-ucdh-RunDialog-verdict')).toContain(
      "The max runtime (4 h) is below the expected runtime's upper end (5 h)"
    );
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();
    const blockers = await find(node, '.jp-ucdh-RunDialog-blockers li');
    expect(blockers.textContent).toContain('The max runtime (4 h) is below');
    expect(
      server.requests.some(r => r.method === 'POST' && r.path === 'runs')
    ).toBe(false);
    // When the typed max is cleared, the max follows the expected runtime again
    typeInto(maxField(node), '');
    await waitFor(() => maxField(node).value === '10', 'the max to follow');
  });

  it('prices every Databricks node and shows the server verdict', async () => {
    const { node, server } = opened(configWith(DATABRICKS_READY));
    (
      await find(node, '.jp-ucdh-RunDialog-backend input[value="databricks"]')
    ).click();
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    // 2 workers + the driver
    await waitFor(
      () => text(node, '.jp-ucdh-RunDialog-maxCost').includes('3 m5.large'),
      'the maximum of the job cluster'
    );
    expect(node.querySelectorAll('.jp-ucdh-RunDialog-cost')).toHaveLength(1);
    expect(text(node, '.jp-ucdh-RunDialog-verdict')).toMatch(/^Within budget:/);
    const priced = server.requests.filter(r => r.path === 'runs/prepare');
    expect(priced[priced.length - 1].body).toMatchObject({
      backend: 'databricks',
      workers: 2,
      hours_low: 0.5,
      hours_high: 1,
      max_hours: null
    });
  });

  it('shows the last run only when the server has one for this notebook and machine', async () => {
    // Given a server whose history is of m5.large only (same notebook, backend, machine)
    const server = fakeRunsServer([], {
      config: configWith(),
      history: {
        instanceType: 'm5.large',
        history: {
          hours: 0.2,
          cost_usd: 0.02,
          started_at: '2026-12-04T15:30:00Z',
          text: 'Last successful run of this notebook on 1 m5.large on EC2: 12 min, $0.02.'
        }
      }
    });
    dialog = openRunDialog(server, trans).dialog;
    const node = dialog.node;
    // When m5.large is chosen, the block says what the last run took and cost, when it ran in its tooltip
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    const line = await find(node, '.jp-ucdh-RunDialog-history');
    expect(line.textContent).toBe(
      'Last successful run of this notebook on 1 m5.large on EC2: 12 min, $0.02.'
    );
    expect(line.getAttribute('title')).toMatch(/^2026-12-0[45] \d\d:\d\d$/);
    // When another machine is chosen, no history is shown: another machine's time says nothing
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="gpu"]')).click();
    await waitFor(
      () => !text(node, '.jp-ucdh-RunDialog-maxCost').includes('m5.large'),
      'the maximum of the GPU machine'
    );
    expect(node.querySelector('.jp-ucdh-RunDialog-history')).toBeNull();
  });

  it('run again with a short max runtime opens within its own figures', async () => {
    // Given an earlier run with a max runtime of 0.5 h (runs keep no expected runtime)
    const server = fakeRunsServer([], { config: configWith() });
    dialog = openRunDialog(server, trans, {
      backend: 'ec2',
      instance_type: 'm5.large',
      max_hours: 0.5
    }).dialog;
    const node = dialog.node;
    // Then the expected runtime is the one that max is the default of
    const expected = (await find(
      node,
      '.jp-ucdh-RunDialog-expected'
    )) as HTMLInputElement;
    expect(expected.value).toBe('0.13-0.25');
    expect(maxField(node).value).toBe('0.5');
    // and the dialog does not open refusing its own figures
    await waitFor(
      () => text(node, '.jp-ucdh-RunDialog-verdict').length > 0,
      'the verdict'
    );
    expect(text(node, '.jp-ucdh-RunDialog-verdict')).toMatch(/^Within budget:/);
  });

  it('Tab from the Run button goes round to the first field, not back to Cancel', async () => {
    const { node } = opened(configWith());
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    await find(node, '.jp-ucdh-RunDialog-expected');
    const submitButton = node.querySelector(
      '.jp-ucdh-RunDialog-submit'
    ) as HTMLButtonElement;
    const cancelButton = node.querySelector(
      '.jp-Dialog-button.jp-mod-reject'
    ) as HTMLButtonElement;
    submitButton.focus();
    submitButton.dispatchEvent(
      new KeyboardEvent('keydown', {
        key: 'Tab',
        bubbles: true,
        cancelable: true
      })
    );
    const first = node.querySelector(
      'input, select, textarea, button, a[href]'
    );
    expect(document.activeElement).not.toBe(cancelButton);
    expect(document.activeElement).toBe(first);
    // and Shift+Tab from there goes back to the Run button
    (document.activeElement as HTMLElement).dispatchEvent(
      new KeyboardEvent('keydown', {
        key: 'Tab',
        shiftKey: true,
        bubbles: true,
        cancelable: true
      })
    );
    expect(document.activeElement).toBe(submitButton);
  });

  it('brings the reason a submit did not go into view', async () => {
    const scrolled: Element[] = [];
    const original = Element.prototype.scrollIntoView;
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this);
    };
    try {
      const { node } = opened(configWith());
      (
        await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')
      ).click();
      await waitFor(
        () => text(node, '.jp-ucdh-RunDialog-verdict').startsWith('Within'),
        'the verdict'
      );
      typeInto(maxField(node), '0.1');
      await waitFor(
        () => text(node, '.jp-ucdh-RunDialog-verdict').includes('below'),
        'the refusal'
      );
      (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();
      await waitFor(() => scrolled.length > 0, 'a scroll');
      expect(scrolled[0].classList).toContain('jp-ucdh-RunDialog-blockers');
      expect(text(node, '.jp-ucdh-RunDialog-blockers')).toContain('below');
    } finally {
      Element.prototype.scrollIntoView = original;
    }
  });

  it('submits when the server says within budget, whatever the browser knows of budgets', async () => {
    // Given a prepare answer whose budget the maximum is above, and a server
    // verdict that the run is within the limits (the server's rule decides)
    const { node, server } = opened(configWith(), { budget_usd: 0.01 });
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    await waitFor(
      () => text(node, '.jp-ucdh-RunDialog-verdict').startsWith('Within'),
      'the verdict'
    );
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();
    // Then the run is submitted with the server's max runtime
    const request = await waitFor(
      () => server.requests.find(r => r.method === 'POST' && r.path === 'runs'),
      'the run to be submitted'
    );
    expect((request.body as IRunRequest).max_hours).toBe(2);
  });

  it('a submit clicked before the price arrives waits for it and launches one run', async () => {
    // Given a server whose price answers wait until the test releases them
    let release: () => void = () => undefined;
    let gate = new Promise<void>(resolve => (release = resolve));
    const server = fakeRunsServer([], {
      config: configWith(),
      priceGate: () => gate
    });
    const opened = openRunDialog(server, trans);
    dialog = opened.dialog;
    const node = dialog.node;
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    // (the question for the chosen machine: the one before it had no type)
    await waitFor(
      () => askedPriceOf(server, 'm5.large'),
      'the price question for m5.large'
    );
    // When the researcher clicks Run twice before the answer
    const button = node.querySelector(
      '.jp-ucdh-RunDialog-submit'
    ) as HTMLElement;
    button.click();
    button.click();
    // Then the dialog says it is checking, and nothing is launched yet
    await waitFor(
      () => node.textContent?.includes('Checking the cost with the server'),
      'the checking notice'
    );
    expect(launchRequests(server)).toHaveLength(0);
    // and once the price arrives, one run is submitted without another click
    gate = Promise.resolve();
    release();
    const result = await opened.result;
    expect(result.value?.notebook_path).toBe('studies/welcome.ipynb');
    const posts = launchRequests(server);
    expect(posts).toHaveLength(1);
    expect((posts[0].body as IRunRequest).max_hours).toBe(2);
  });

  it('says when the price could not be checked, and a retry checks it again', async () => {
    // Given a server whose first price answer is lost
    let fail = true;
    const server = fakeRunsServer([], {
      config: configWith(),
      priceGate: async () => {
        if (fail) {
          throw new TypeError('Failed to fetch');
        }
      }
    });
    dialog = openRunDialog(server, trans).dialog;
    const node = dialog.node;
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    // Then the dialog shows the problem with a retry, not an endless "checking"
    await waitFor(
      () => askedPriceOf(server),
      'the price of the chosen machine'
    );
    await find(node, '.jp-ucdh-Compute-retry');
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();
    await waitFor(
      () => node.textContent?.includes('The cost could not be checked'),
      'the reason the run waits'
    );
    expect(launchRequests(server)).toHaveLength(0);
    // and a retry that succeeds shows the figures
    fail = false;
    (await find(node, '.jp-ucdh-Compute-retry')).click();
    await waitFor(
      () => text(node, '.jp-ucdh-RunDialog-verdict').startsWith('Within'),
      'the verdict after the retry'
    );
    expect(node.querySelector('.jp-ucdh-Compute-retry')).toBeNull();
  });

  it("blocks the run with the server's refusal and its words", async () => {
    const message =
      'This run could cost up to $0.19; you have used $199.90 of your $200.00 for December.';
    const { node } = opened(configWith(), undefined, {
      code: 'user_cap',
      message,
      hint: 'Choose a smaller machine or a shorter max runtime, or wait for next month.'
    });
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    await waitFor(
      () => text(node, '.jp-ucdh-RunDialog-verdict').startsWith(message),
      'the refusal'
    );
    expect(text(node, '.jp-ucdh-RunDialog-verdict')).toContain(
      'wait for next month'
    );
  });

  it('asks for numbers in the runtime fields, in their words', async () => {
    const { node } = opened(configWith());
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    typeInto(
      (await find(node, '.jp-ucdh-RunDialog-expected')) as HTMLInputElement,
      'soon'
    );
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();
    const blockers = await find(node, '.jp-ucdh-RunDialog-blockers li');
    expect(blockers.textContent).toBe(
      'Enter the expected runtime in hours, e.g. 1 or 1-2.'
    );
  });
});
