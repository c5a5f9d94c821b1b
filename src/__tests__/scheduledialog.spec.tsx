/**
 * "Run on a schedule" in the run dialog (issue 14) as a researcher uses it:
 * the recurrence of each kind, only the intervals the administrator allows,
 * what it can cost a month, the body sent to POST schedules, and a refusal
 * shown where it can be fixed.
 */
import { nullTranslator } from '@jupyterlab/translation';

import type { IScheduleRequest } from '../runs/scheduleapi';
import type { IConfig } from '../status/api';
import { RunDialog } from '../runs/dialog';
import { find, typeInto, waitFor } from './dom';
import {
  configWith,
  fakeRunsServer,
  openRunDialog,
  PREPARE
} from './runsfixtures';
import { ScheduleServer, withSchedules } from './schedulefixtures';

const trans = nullTranslator.load('ucdh_jupyter');

/** Pick an option of a React-controlled select the way a browser reports it. */
function choose(select: HTMLSelectElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(
    HTMLSelectElement.prototype,
    'value'
  )?.set as (v: string) => void;
  setter.call(select, value);
  select.dispatchEvent(new Event('change', { bubbles: true }));
}

describe('Run on a schedule', () => {
  let dialog: RunDialog | null = null;

  afterEach(() => {
    dialog?.dispose();
    dialog = null;
  });

  /** The dialog with a machine chosen and "Run on a schedule" on. */
  async function scheduleOpened(minInterval = 60): Promise<{
    node: HTMLElement;
    server: ScheduleServer;
    result: ReturnType<typeof openRunDialog>['result'];
  }> {
    const config: IConfig = configWith();
    config.runs = {
      ...config.runs,
      schedule_min_interval_minutes: minInterval
    };
    const server = withSchedules(fakeRunsServer([], { config }));
    const opened = openRunDialog(server, trans);
    dialog = opened.dialog;
    const node = dialog.node;
    (await find(node, '.jp-ucdh-Compute-preset[data-preset="small"]')).click();
    (await find(node, '.jp-ucdh-Schedule-toggle input')).click();
    await find(node, '.jp-ucdh-Schedule-kind');
    return { node, server, result: opened.result };
  }

  const select = (node: HTMLElement, selector: string): HTMLSelectElement =>
    node.querySelector(selector) as HTMLSelectElement;

  const options = (node: HTMLElement, selector: string): string[] =>
    Array.from(select(node, selector).options).map(option => option.value);

  const submit = (node: HTMLElement): void =>
    (node.querySelector('.jp-ucdh-RunDialog-submit') as HTMLElement).click();

  async function posted(server: ScheduleServer): Promise<IScheduleRequest> {
    const request = await waitFor(
      () =>
        server.requests.find(
          r => r.method === 'POST' && r.path === 'schedules'
        ),
      'the schedule to be posted'
    );
    return request.body as IScheduleRequest;
  }

  it('turns the sweep off, says Create schedule, and shows the cost a month', async () => {
    const { node } = await scheduleOpened();
    const button = node.querySelector('.jp-ucdh-RunDialog-submit');
    await waitFor(
      () => button?.textContent === 'Create schedule',
      'the submit button to say Create schedule'
    );
    // The sweep and the schedule are exclusive, both ways
    const sweep = node.querySelector(
      '.jp-ucdh-Sweep-toggle input'
    ) as HTMLInputElement;
    const schedule = node.querySelector(
      '.jp-ucdh-Schedule-toggle input'
    ) as HTMLInputElement;
    expect(sweep.checked).toBe(false);
    sweep.click();
    await waitFor(() => !schedule.checked, 'the schedule to turn off');
    await waitFor(
      () => button?.textContent === 'Run on AWS',
      'the submit button to say Run on AWS'
    );
    schedule.click();
    await waitFor(() => !sweep.checked, 'the sweep to turn off');
    // Daily by default: 31 runs a month at the cost block's maximum
    const most = await waitFor(
      () =>
        node.querySelector('.jp-ucdh-RunDialog-maxCost strong')?.textContent,
      'the maximum cost'
    );
    const perRun = Number(most.replace('$', ''));
    const monthly = await waitFor(
      () =>
        node
          .querySelector('.jp-ucdh-Schedule-monthlyCost')
          ?.textContent?.includes('each') &&
        node.querySelector('.jp-ucdh-Schedule-monthlyCost')?.textContent,
      'the cost a month'
    );
    expect(monthly).toContain(`At most 31 runs a month × ${most} each = $`);
    // 31 × the unrounded maximum, within the rounding of the figure shown
    const total = Number(/= \$([\d.]+) a month/.exec(monthly)?.[1]);
    expect(Math.abs(total - 31 * perRun)).toBeLessThanOrEqual(31 * 0.005);
    expect(monthly).toContain('checks this against your monthly budget');
  });

  it('offers only the intervals the administrator allows', async () => {
    const { node } = await scheduleOpened(60);
    // At an hour at least: no "every N minutes"
    expect(options(node, '.jp-ucdh-Schedule-kind')).toEqual([
      'hourly',
      'daily',
      'weekly',
      'monthly',
      'cron'
    ]);
    dialog?.dispose();
    const low = await scheduleOpened(15);
    choose(select(low.node, '.jp-ucdh-Schedule-kind'), 'minutes');
    await find(low.node, '.jp-ucdh-Schedule-every');
    expect(options(low.node, '.jp-ucdh-Schedule-every')).toEqual([
      '15',
      '20',
      '30'
    ]);
  });

  it('posts the run the dialog builds, with a weekly recurrence', async () => {
    const { node, server, result } = await scheduleOpened();
    choose(select(node, '.jp-ucdh-Schedule-kind'), 'weekly');
    const days = await find(node, '.jp-ucdh-Schedule-days');
    // Monday to Friday by default: leave Monday, Wednesday and Friday
    (days.querySelector('input[value="TUE"]') as HTMLElement).click();
    (days.querySelector('input[value="THU"]') as HTMLElement).click();
    typeInto(
      node.querySelector('.jp-ucdh-Schedule-time') as HTMLInputElement,
      '02:30'
    );
    typeInto(
      node.querySelector('.jp-ucdh-Schedule-timezone') as HTMLInputElement,
      'America/New_York'
    );
    typeInto(
      node.querySelector('.jp-ucdh-Schedule-endDate') as HTMLInputElement,
      '2027-06-30'
    );
    await waitFor(
      () =>
        node
          .querySelector('.jp-ucdh-Schedule-monthlyCost')
          ?.textContent?.includes('At most 14 runs a month ×'),
      'three days a week: 14 runs a month at most, priced'
    );
    submit(node);
    const body = await posted(server);
    expect(body.recurrence).toEqual({
      kind: 'weekly',
      timezone: 'America/New_York',
      time: '02:30',
      days: ['MON', 'WED', 'FRI'],
      end_date: '2027-06-30'
    });
    expect(body.run).toMatchObject({
      notebook_path: PREPARE.notebook_path,
      backend: 'ec2',
      instance_type: 'm5.large',
      count: 1
    });
    expect('sweep' in body.run).toBe(false);
    // No run was launched; the dialog closes with the schedule
    expect(
      server.requests.some(r => r.method === 'POST' && r.path === 'runs')
    ).toBe(false);
    const answer = await result;
    expect(answer.value && 'next_fires' in answer.value).toBe(true);
  });

  it('does not send a recurrence that cannot go, and says why', async () => {
    const { node, server } = await scheduleOpened();
    choose(select(node, '.jp-ucdh-Schedule-kind'), 'cron');
    typeInto(
      (await find(node, '.jp-ucdh-Schedule-cron')) as HTMLInputElement,
      'cron(*/15 * * * ? *)'
    );
    submit(node);
    const reasons = await find(node, '.jp-ucdh-RunDialog-blockers li');
    expect(reasons.textContent).toBe(
      'Runs here may start at most every 60 minutes; this schedule starts some 15 minutes apart.'
    );
    expect(server.requests.some(r => r.path === 'schedules')).toBe(false);
  });

  it("shows the server's refusal in the dialog, which stays open", async () => {
    const { node, server } = await scheduleOpened();
    server.fail = {
      status: 403,
      code: 'user_cap',
      message:
        'This schedule can cost up to $6.20 a month; with $95.00 already committed that is over your $100.00 monthly budget.',
      hint: 'Run it less often or on a smaller machine.'
    };
    await waitFor(
      () => node.querySelector('.jp-ucdh-RunDialog-verdict'),
      'the verdict'
    );
    submit(node);
    const problem = await find(node, '.jp-ucdh-Compute-problem');
    expect(problem.textContent).toContain('over your $100.00 monthly budget');
    expect(problem.textContent).toContain('Run it less often');
    expect(dialog?.isAttached).toBe(true);
  });
});
