/**
 * When the run list asks the server: on show, every few seconds while a run
 * is active and the list visible, less often while every run is over (so a
 * run started from a cell or another tab appears), never while the section or
 * the browser tab is hidden; an unchanged answer repaints nothing; and the end
 * of each run is announced once.
 */
import type { IRun } from '../runs/api';
import { IPage, RunsPoller } from '../runs/poller';
import { DONE_ID, makeRun, RUNNING_ID } from './runsfixtures';

/** Let pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

/** A browser tab that a test hides and shows. */
class FakePage implements IPage {
  hidden = false;

  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    this._listeners.forEach(listener => listener());
  }

  addEventListener(type: 'visibilitychange', listener: () => void): void {
    this._listeners.add(listener);
  }

  removeEventListener(type: 'visibilitychange', listener: () => void): void {
    this._listeners.delete(listener);
  }

  private _listeners = new Set<() => void>();
}

describe('RunsPoller', () => {
  let answer: IRun[];
  let fetches: number;
  let ended: IRun[];
  let poller: RunsPoller;
  let changes: number;
  let page: FakePage;

  beforeEach(() => {
    jest.useFakeTimers();
    answer = [makeRun({ id: RUNNING_ID, state: 'RUNNING' })];
    fetches = 0;
    changes = 0;
    ended = [];
    page = new FakePage();
    poller = new RunsPoller({
      fetch: async () => {
        fetches += 1;
        return answer;
      },
      onChange: () => (changes += 1),
      onEnded: run => ended.push(run),
      intervalMs: 3000,
      idleIntervalMs: 10_000,
      page
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

  it('polls less often once every run is over, announcing each end once', async () => {
    poller.setVisible(true);
    await settle();

    answer = [makeRun({ id: RUNNING_ID, state: 'SUCCEEDED' })];
    jest.advanceTimersByTime(3000);
    await settle();
    expect(fetches).toBe(2);
    // Every 10 s from now on, not every 3 s.
    jest.advanceTimersByTime(9_999);
    await settle();
    expect(fetches).toBe(2);
    jest.advanceTimersByTime(1);
    await settle();
    expect(fetches).toBe(3);
    expect(poller.polling).toBe(true);
    expect(ended.map(run => [run.id, run.state])).toEqual([
      [RUNNING_ID, 'SUCCEEDED']
    ]);
  });

  it('shows a run started elsewhere with no refresh, though every run was over', async () => {
    // Given a list of finished runs on screen
    answer = [makeRun({ id: DONE_ID, state: 'FAILED' })];
    poller.setVisible(true);
    await settle();
    // When a run is started from a cell (%ucdh_run) or another tab
    answer = [makeRun({ id: RUNNING_ID, state: 'SUBMITTED' }), ...answer];
    jest.advanceTimersByTime(10_000);
    await settle();
    // Then the next idle poll brings it, and the list follows it closely again
    expect(poller.snapshot.runs?.map(run => run.id)).toEqual([
      RUNNING_ID,
      DONE_ID
    ]);
    jest.advanceTimersByTime(3000);
    await settle();
    expect(fetches).toBe(3);
  });

  it('repaints nothing when an idle poll finds the list unchanged', async () => {
    answer = [makeRun({ id: DONE_ID, state: 'SUCCEEDED' })];
    poller.setVisible(true);
    await settle();
    const before = changes;

    for (let i = 0; i < 3; i++) {
      jest.advanceTimersByTime(10_000);
      await settle();
    }

    expect(fetches).toBe(4);
    expect(changes).toBe(before);
    expect(poller.snapshot.busy).toBe(false);
  });

  it('pauses while the browser tab is hidden and looks at once when it is back', async () => {
    poller.setVisible(true);
    await settle();

    page.setHidden(true);
    jest.advanceTimersByTime(60_000);
    await settle();
    expect(fetches).toBe(1);
    expect(poller.polling).toBe(false);

    page.setHidden(false);
    await settle();
    expect(fetches).toBe(2);
    expect(poller.polling).toBe(true);
  });

  it('does not announce runs that were already over when first seen', async () => {
    answer = [makeRun({ id: DONE_ID, state: 'FAILED' })];
    poller.setVisible(true);
    await settle();

    expect(ended).toEqual([]);
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
