/**
 * The Schedules panel of the Runs section, against a fake server: each
 * schedule's description, next run and monthly cost, paused ones, its last
 * runs, Pause/Resume, Edit parameters, Delete (confirmed; past runs stay),
 * and failures shown where they happened.
 */
import { find, typeInto, waitFor } from './dom';
import { DONE_ID, fakeRunsServer, makeRun, runsSections } from './runsfixtures';
import {
  makeSchedule,
  ScheduleServer,
  withSchedules
} from './schedulefixtures';

const DAILY = makeSchedule({
  id: 's1',
  last_runs: [
    { id: DONE_ID, state: 'SUCCEEDED', created_at: '2026-12-03T01:30:00Z' }
  ]
});
const PAUSED = makeSchedule({
  id: 's2',
  notebook_path: 'studies/weekly.ipynb',
  description: 'Every Monday at 07:00 (UTC)',
  active: false,
  next_fires: [],
  parameters: {}
});

describe('the Schedules panel', () => {
  const sections = runsSections();

  afterEach(() => {
    sections.dispose();
  });

  function show(schedules = [DAILY, PAUSED]): {
    server: ScheduleServer;
    node: HTMLElement;
  } {
    const server = withSchedules(
      fakeRunsServer([makeRun({ id: DONE_ID, state: 'SUCCEEDED' })]),
      schedules
    );
    return { server, node: sections.show(server) };
  }

  const row = (node: HTMLElement, id: string): Promise<HTMLElement> =>
    find(node, `.jp-ucdh-Schedule-row[data-schedule-id="${id}"]`);

  const requests = (server: ScheduleServer, method: string) =>
    server.requests.filter(
      r => r.method === method && r.path.startsWith('schedules')
    );

  it('lists each schedule with its description, next run, cost and state', async () => {
    const { node } = show();
    const daily = await row(node, 's1');
    expect(daily.dataset.state).toBe('active');
    expect(daily.querySelector('.jp-ucdh-Schedule-name')?.textContent).toBe(
      'welcome.ipynb'
    );
    expect(
      daily.querySelector('.jp-ucdh-Schedule-description')?.textContent
    ).toBe('Every day at 02:30 (Europe/Berlin)');
    expect(daily.querySelector('.jp-ucdh-Schedule-next')?.textContent).toMatch(
      /^Next run \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(in 3 h\)$/
    );
    expect(daily.querySelector('.jp-ucdh-Schedule-cost')?.textContent).toBe(
      'at most $6.20 a month'
    );
    expect(daily.querySelector('.jp-ucdh-Schedule-pause')?.textContent).toBe(
      'Pause'
    );
    const paused = await row(node, 's2');
    expect(paused.dataset.state).toBe('paused');
    expect(paused.querySelector('.jp-ucdh-Schedule-state')?.textContent).toBe(
      'Paused'
    );
    expect(paused.querySelector('.jp-ucdh-Schedule-next')?.textContent).toBe(
      'Paused: no next run'
    );
    expect(paused.querySelector('.jp-ucdh-Schedule-pause')?.textContent).toBe(
      'Resume'
    );
    // No parameters to edit
    expect(paused.querySelector('.jp-ucdh-Schedule-edit')).toBeNull();
  });

  it('says how to make one when there is none', async () => {
    const { node } = show([]);
    const empty = await find(node, '.jp-ucdh-Schedules-empty');
    expect(empty.textContent).toBe(
      'No schedules. Turn on “Run on a schedule” in the Run dialog.'
    );
  });

  it('shows a last run in the runs list', async () => {
    const { node } = show();
    await find(node, '.jp-ucdh-Runs-item');
    const dot = (await row(node, 's1')).querySelector(
      '.jp-ucdh-Schedule-run'
    ) as HTMLElement;
    expect(dot.dataset.state).toBe('SUCCEEDED');
    expect(dot.getAttribute('aria-label')).toContain(DONE_ID);
    dot.click();
    const card = await find(node, '.jp-ucdh-Runs-item.jp-mod-highlighted');
    expect(card.dataset.runId).toBe(DONE_ID);
    expect(document.activeElement).toBe(card);
  });

  it('pauses and resumes', async () => {
    const { server, node } = show();
    (await row(node, 's1'))
      .querySelector<HTMLElement>('.jp-ucdh-Schedule-pause')
      ?.click();
    await waitFor(
      () => node.querySelector('[data-schedule-id="s1"][data-state="paused"]'),
      'the schedule to show paused'
    );
    await waitFor(
      () =>
        node.querySelector('[data-schedule-id="s1"] .jp-ucdh-Schedule-pause')
          ?.textContent === 'Resume',
      'Resume to be offered'
    );
    expect(requests(server, 'PATCH').map(r => [r.path, r.body])).toEqual([
      ['schedules/s1', { active: false }]
    ]);
    node
      .querySelector<HTMLElement>(
        '[data-schedule-id="s2"] .jp-ucdh-Schedule-pause'
      )
      ?.click();
    await waitFor(
      () => node.querySelector('[data-schedule-id="s2"][data-state="active"]'),
      'the paused one to resume'
    );
    expect(requests(server, 'PATCH')[1].body).toEqual({ active: true });
  });

  it('edits the parameters', async () => {
    const { server, node } = show();
    (await row(node, 's1'))
      .querySelector<HTMLElement>('.jp-ucdh-Schedule-edit')
      ?.click();
    const input = (await find(
      node,
      '.jp-ucdh-Schedule-editForm input[data-parameter="rows"]'
    )) as HTMLInputElement;
    expect(input.value).toBe('10');
    await waitFor(() => document.activeElement === input, 'focus in the form');
    typeInto(input, '250');
    node.querySelector<HTMLElement>('.jp-ucdh-Schedule-save')?.click();
    await waitFor(
      () => !node.querySelector('.jp-ucdh-Schedule-editForm'),
      'the form to close'
    );
    expect(requests(server, 'PATCH').map(r => [r.path, r.body])).toEqual([
      ['schedules/s1', { parameters: { rows: 250 } }]
    ]);
  });

  it('deletes after asking, saying past runs stay', async () => {
    const { server, node } = show();
    (await row(node, 's2'))
      .querySelector<HTMLElement>('.jp-ucdh-Schedule-delete')
      ?.click();
    const body = await find(document.body, '.jp-Dialog-body');
    expect(body.textContent).toContain('its past runs stay in the Runs list');
    (await find(document.body, '.jp-Dialog .jp-mod-warn')).click();
    await waitFor(
      () => !node.querySelector('[data-schedule-id="s2"]'),
      'the schedule to leave the list'
    );
    expect(requests(server, 'DELETE').map(r => r.path)).toEqual([
      'schedules/s2'
    ]);
    expect(node.querySelector('[data-schedule-id="s1"]')).not.toBeNull();
    // Past runs stay
    expect(
      node.querySelector(`.jp-ucdh-Runs-item[data-run-id="${DONE_ID}"]`)
    ).not.toBeNull();
  });

  it('shows a failed action on its schedule, and a failed list with Retry', async () => {
    const { server, node } = show();
    const daily = await row(node, 's1');
    server.fail = {
      status: 403,
      code: 'user_cap',
      message: 'Resuming it would go over your monthly budget.',
      hint: 'Delete a schedule you no longer need.'
    };
    daily.querySelector<HTMLElement>('.jp-ucdh-Schedule-pause')?.click();
    const problem = await find(daily, '.jp-ucdh-Compute-problem');
    expect(problem.textContent).toContain(
      'Resuming it would go over your monthly budget.'
    );
    expect(daily.dataset.state).toBe('active');
    // The list itself failing: said, with a Retry that asks again
    node.querySelector<HTMLElement>('.jp-ucdh-Schedules-refresh')?.click();
    const retry = await find(
      node,
      '.jp-ucdh-Schedules > .jp-ucdh-Compute-problem button'
    );
    server.fail = null;
    retry.click();
    await waitFor(
      () =>
        !node.querySelector('.jp-ucdh-Schedules > .jp-ucdh-Compute-problem'),
      'the list problem to clear'
    );
  });
});
