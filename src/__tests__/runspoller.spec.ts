/**
 * When the run list asks the server: on show, every few seconds while a run
 * is active and the list visible, never while hidden or when all runs are
 * over; and the end of each run is announced once.
 */
import type { IRun } from '../api';
import { RunsPoller } from '../runs/poller';
import { DONE_ID, makeRun, RUNNING_ID } from './runsfixtures';

/** Let pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

describe('RunsPoller', () => {
  let answer: IRun[];
  let fetches: number;
  let ended: IRun[];
  let poller: RunsPoller;

  beforeEach(() => {
    jest.useFakeTimers();
    answer = [makeRun({ id: RUNNING_ID, state: 'RUNNING' })];
    fetches = 0;
    ended = [];
    poller = new RunsPoller({
      fetch: async () => {
        fetches += 1;
        return answer;
      },
      onChange: () => undefined,
      onEnded: run => ended.push(run),
      intervalMs: 3000
    });
  });

  afterEach(() => {
    poller.dispose();
    jest.useRealTimers();
  });

  it('asks nothing until shown', async () => {
    jest.advanceTimersByTime(10_000);
    await settle();
    expect(fetches).toBe(0);
  });

  it('polls while visible and a run is active', async () => {
    poller.setVisible(true);
    await settle();
    expect(fetches).toBe(1);
    expect(poller.polling).toBe(true);

    jest.advanceTimersByTime(3000);
    await settle();
    jest.advanceTimersByTime(3000);
    await settle();

    expect(fetches).toBe(3);
    expect(poller.snapshot.runs?.[0].id).toBe(RUNNING_ID);
  });

  it('stops when hidden and fetches again when shown', async () => {
    poller.setVisible(true);
    await settle();

    poller.setVisible(false);
    jest.advanceTimersByTime(30_000);
    await settle();

    expect(fetches).toBe(1);
    expect(poller.polling).toBe(false);

    poller.setVisible(true);
    await settle();
    expect(fetches).toBe(2);
  });

  it('stops once every run is over, announcing each end once', async () => {
    poller.setVisible(true);
    await settle();

    answer = [makeRun({ id: RUNNING_ID, state: 'SUCCEEDED' })];
    jest.advanceTimersByTime(3000);
    await settle();
    jest.advanceTimersByTime(30_000);
    await settle();

    expect(fetches).toBe(2);
    expect(poller.polling).toBe(false);
    expect(ended.map(run => [run.id, run.state])).toEqual([
      [RUNNING_ID, 'SUCCEEDED']
    ]);
  });

  it('does not announce runs that were already over when first seen', async () => {
    answer = [makeRun({ id: DONE_ID, state: 'FAILED' })];
    poller.setVisible(true);
    await settle();

    expect(ended).toEqual([]);
    expect(poller.polling).toBe(false);
  });

  it('announces a run submitted here even if it is over at first sight', async () => {
    answer = [makeRun({ id: DONE_ID, state: 'FAILED' })];
    poller.expect(DONE_ID);

    poller.setVisible(true);
    await settle();

    expect(ended.map(run => run.id)).toEqual([DONE_ID]);
  });

  it('keeps the last list and retries when a poll fails', async () => {
    let fail = false;
    const flaky = new RunsPoller({
      fetch: async () => {
        if (fail) {
          throw new Error('offline');
        }
        return answer;
      },
      onChange: () => undefined,
      intervalMs: 3000
    });
    flaky.setVisible(true);
    await settle();

    fail = true;
    jest.advanceTimersByTime(3000);
    await settle();

    expect(flaky.snapshot.error?.message).toBe('offline');
    expect(flaky.snapshot.runs?.map(run => run.id)).toEqual([RUNNING_ID]);
    expect(flaky.polling).toBe(true);

    fail = false;
    jest.advanceTimersByTime(3000);
    await settle();

    expect(flaky.snapshot.error).toBeNull();
    flaky.dispose();
  });
});
