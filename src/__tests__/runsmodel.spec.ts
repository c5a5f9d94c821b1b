/**
 * The runs' pure logic: what a user reads about a run (state, time, cost,
 * failure) and how the run dialog reads what they typed.
 */
import { StateDB } from '@jupyterlab/statedb';
import { nullTranslator } from '@jupyterlab/translation';

import type { RunState } from '../runs/api';
import { formatBytes } from '../common/format';
import { RUN_CHOICES_KEY, RunChoices } from '../runs/choices';
import {
  anyActive,
  changedParameters,
  checkedByDefault,
  elapsedSeconds,
  failureText,
  formatRunCost,
  isFinal,
  maxCost,
  newRunId,
  parameterText,
  parseMaxHours,
  parseParameter,
  progressFraction,
  shownElapsed,
  stateBadge
} from '../runs/model';
import {
  allowedClusterModes,
  cancelText,
  initialBackend,
  initialClusterMode,
  machineText,
  parseWorkers,
  runBackends
} from '../runs/backends';
import {
  configWith,
  DATABRICKS_MISSING,
  DATABRICKS_READY,
  makeRun
} from './runsfixtures';

const trans = nullTranslator.load('ucdh_jupyter');
const ID = '01J3ZK5V6Q8X9Y0A1B2C3D4E5F';
const ALL_STATES: RunState[] = [
  'STAGING',
  'SUBMITTED',
  'PROVISIONING',
  'RUNNING',
  'FINALIZING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLING',
  'CANCELLED',
  'EXPIRED'
];

describe('run states', () => {
  it('counts only succeeded, failed, cancelled and expired as over', () => {
    expect(ALL_STATES.filter(isFinal)).toEqual([
      'SUCCEEDED',
      'FAILED',
      'CANCELLED',
      'EXPIRED'
    ]);
  });

  it('gives every state a badge with a label, a tone and an explanation', () => {
    for (const state of ALL_STATES) {
      const badge = stateBadge(state, trans);
      expect(badge.label).not.toBe('');
      expect(badge.description).not.toBe('');
    }
    expect(stateBadge('SUCCEEDED', trans)).toMatchObject({
      label: 'Succeeded',
      tone: 'success'
    });
    expect(stateBadge('FAILED', trans).tone).toBe('failure');
    expect(stateBadge('EXPIRED', trans).tone).toBe('failure');
    expect(stateBadge('RUNNING', trans).tone).toBe('active');
    expect(stateBadge('PROVISIONING', trans).label).toBe('Starting');
  });

  it('says a list is worth polling while one run is not over', () => {
    const done = makeRun({ id: ID, state: 'SUCCEEDED' });
    expect(anyActive([done])).toBe(false);
    expect(anyActive([done, makeRun({ id: ID, state: 'CANCELLING' })])).toBe(
      true
    );
  });
});

describe("elapsed time: the machine's, as %ucdh_runs and the cost count it", () => {
  const now = Date.parse('2026-07-20T11:02:05Z');
  const progress = (heartbeat_at: string | null) => ({
    cell: 1,
    cells: 3,
    last_lines: [],
    heartbeat_at
  });

  it("counts from the machine's start, not from submission", () => {
    const run = makeRun({
      id: ID,
      created_at: '2026-07-20T10:59:00Z',
      started_at: '2026-07-20T11:00:00Z'
    });
    expect(elapsedSeconds(run, now)).toBe(125);
  });

  it('shows nothing before the machine started', () => {
    const run = makeRun({ id: ID, state: 'SUBMITTED', started_at: null });
    expect(elapsedSeconds(run, now)).toBeNull();
    const never = makeRun({
      id: ID,
      state: 'FAILED',
      started_at: null,
      ended_at: '2026-07-20T10:00:09Z'
    });
    expect(elapsedSeconds(never, now)).toBeNull();
  });

  it('counts to the last heartbeat once the runner reports', () => {
    const run = makeRun({
      id: ID,
      started_at: '2026-07-20T11:00:00Z',
      progress: progress('2026-07-20T11:01:30Z')
    });
    expect(elapsedSeconds(run, now)).toBe(90);
  });

  it('stops at the end of a finished run, however late the server noticed it', () => {
    // The machine ran 2 min 05 s; the server (restarted) recorded the end an hour later.
    const run = makeRun({
      id: ID,
      state: 'SUCCEEDED',
      created_at: '2026-07-20T09:59:20Z',
      started_at: '2026-07-20T10:00:00Z',
      ended_at: '2026-07-20T10:02:05Z',
      updated_at: '2026-07-20T11:02:05Z'
    });
    expect(elapsedSeconds(run, now)).toBe(125);
  });

  it('never goes back while the run goes on, and shows the recorded end once over', () => {
    const live = makeRun({
      id: ID,
      started_at: '2026-07-20T11:00:00Z',
      progress: progress('2026-07-20T11:01:30Z')
    });
    expect(shownElapsed(live, now, 92)).toBe(92);
    expect(shownElapsed(live, now, 3)).toBe(90);
    const over = makeRun({
      id: ID,
      state: 'SUCCEEDED',
      started_at: '2026-07-20T11:00:00Z',
      ended_at: '2026-07-20T11:01:36Z'
    });
    expect(shownElapsed(over, now, 92)).toBe(96);
    expect(shownElapsed(over, now, undefined)).toBe(96);
  });
});

describe('run cost', () => {
  it('shows the final cost of a finished run', () => {
    const run = makeRun({
      id: ID,
      state: 'SUCCEEDED',
      cost_final_usd: 0.4213,
      cost_so_far_usd: 0.4213
    });
    expect(formatRunCost(run, trans)).toBe('$0.42');
  });

  it('shows the cost so far of a running run', () => {
    const run = makeRun({ id: ID, cost_so_far_usd: 0.126 });
    expect(formatRunCost(run, trans)).toBe('so far $0.13');
  });

  it('says so when the machine has not started or the price is unknown', () => {
    expect(
      formatRunCost(
        makeRun({ id: ID, state: 'SUBMITTED', started_at: null }),
        trans
      )
    ).toBe('not billed yet');
    expect(
      formatRunCost(makeRun({ id: ID, rate_usd_per_hour: null }), trans)
    ).toBe('price unknown');
  });

  it('bills the maximum as rate × max runtime × machines', () => {
    expect(maxCost(0.096, 2)).toBeCloseTo(0.192);
    expect(maxCost(0.5, 3, 2)).toBeCloseTo(3);
    expect(maxCost(null, 2)).toBeNull();
  });
});

describe('progress and failures', () => {
  it('is cell i of N, unknown before the first heartbeat', () => {
    const run = makeRun({
      id: ID,
      progress: { cell: 3, cells: 12, last_lines: [], heartbeat_at: null }
    });
    expect(progressFraction(run)).toBe(0.25);
    expect(progressFraction(makeRun({ id: ID }))).toBeNull();
  });

  it('names the kind of failure and the failing cell', () => {
    const run = makeRun({
      id: ID,
      state: 'FAILED',
      failure_kind: 'notebook_error',
      failing_cell: 4,
      failure_message: 'ZeroDivisionError: division by zero'
    });
    expect(failureText(run, trans)).toBe(
      'A cell raised an error, cell 4: ZeroDivisionError: division by zero'
    );
    expect(failureText(makeRun({ id: ID }), trans)).toBeNull();
  });
});

describe('the run dialog form', () => {
  it('leaves secrets and the results of earlier runs unchecked', () => {
    expect(
      checkedByDefault({
        path: 'data.csv',
        size: 1,
        sensitive: false,
        previous_result: false
      })
    ).toBe(true);
    expect(
      checkedByDefault({
        path: '.env',
        size: 1,
        sensitive: true,
        previous_result: false
      })
    ).toBe(false);
    // The server flags results in every naming, notebooks and HTML views alike.
    for (const path of [
      'welcome.run-01J3ZK5V6Q8X9Y0A1B2C3D4E5F.ipynb',
      'welcome.run-2026-12-04-1530.html'
    ]) {
      expect(
        checkedByDefault({
          path,
          size: 1,
          sensitive: false,
          previous_result: true
        })
      ).toBe(false);
    }
    // The name alone does not make a result: the server's flag does.
    expect(
      checkedByDefault({
        path: 'model.run-up.csv',
        size: 1,
        sensitive: false,
        previous_result: false
      })
    ).toBe(true);
  });

  it('writes sizes as the S3 section does, and an admin limit as set', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(4200)).toBe('4.1 KiB');
    expect(formatBytes(2_400_000)).toBe('2.3 MiB');
    // runs_max_files_mb = 50 (MiB on the server) reads 50, not "52.4 MB"
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
  });

  it('reads typed parameters as JSON or Python literals, strings stay strings', () => {
    expect(parseParameter('0.2', 0.1)).toBe(0.2);
    expect(parseParameter('[1, 2]', null)).toEqual([1, 2]);
    expect(parseParameter('True', false)).toBe(true);
    expect(parseParameter('None', 3)).toBeNull();
    expect(parseParameter('cohort B', 3)).toBe('cohort B');
    expect(parseParameter('007', 'A')).toBe('007');
    expect(parameterText({ a: 1 })).toBe('{"a":1}');
    expect(parameterText(null)).toBe('');
  });

  it('sends only the parameters the user changed', () => {
    const defaults = { rows: 5, cohort: 'A', start: null };
    const texts = { rows: '10', cohort: 'A', start: '' };
    expect(changedParameters(defaults, texts)).toEqual({ rows: 10 });
    expect(changedParameters(defaults, { ...texts, rows: '5.0' })).toEqual({});
  });

  it('refuses a max runtime that is empty, not positive or above the cap', () => {
    expect(parseMaxHours('2.5', 24)).toEqual({ ok: true, hours: 2.5 });
    expect(parseMaxHours('3 h', 24)).toEqual({ ok: true, hours: 3 });
    expect(parseMaxHours('', 24)).toEqual({ ok: false, error: 'empty' });
    expect(parseMaxHours('soon', 24)).toEqual({ ok: false, error: 'format' });
    expect(parseMaxHours('0', 24)).toEqual({ ok: false, error: 'zero' });
    expect(parseMaxHours('25', 24)).toEqual({ ok: false, error: 'cap' });
  });

  it('makes run ids the server accepts, in time order', () => {
    const first = newRunId(Date.parse('2026-07-20T10:00:00Z'));
    const later = newRunId(Date.parse('2026-07-20T10:00:01Z'));
    expect(first).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(first.slice(0, 10) < later.slice(0, 10)).toBe(true);
  });
});

describe('run backends', () => {
  it('treats an unreadable config, or one without a workspace, as EC2 only', () => {
    for (const config of [null, configWith()]) {
      const backends = runBackends(config, trans);
      expect(backends.ec2.available).toBe(true);
      expect(backends.databricks.available).toBe(false);
      expect(initialBackend(backends, 'databricks')).toBe('ec2');
    }
  });

  it('starts on the preferred backend only when it is available', () => {
    expect(initialBackend(DATABRICKS_READY, 'databricks')).toBe('databricks');
    expect(initialBackend(DATABRICKS_MISSING, 'databricks')).toBe('ec2');
    const onlyDatabricks = {
      ...DATABRICKS_READY,
      ec2: { available: false, reason: 'EC2 runs are off.', hint: null }
    };
    expect(initialBackend(onlyDatabricks, undefined)).toBe('databricks');
  });

  it('offers only the compute kinds the admin allows, the default first', () => {
    const serverlessFirst = {
      ...DATABRICKS_READY,
      databricks: {
        ...DATABRICKS_READY.databricks,
        cluster_modes: ['serverless' as const],
        default_cluster_mode: 'new_cluster'
      }
    };
    expect(allowedClusterModes(DATABRICKS_READY)).toEqual([
      'new_cluster',
      'serverless'
    ]);
    expect(initialClusterMode(DATABRICKS_READY, 'serverless')).toBe(
      'serverless'
    );
    expect(initialClusterMode(DATABRICKS_READY, 'existing_cluster')).toBe(
      'new_cluster'
    );
    expect(initialClusterMode(serverlessFirst, undefined)).toBe('serverless');
  });

  it('reads workers as a whole number from 0 to the maximum', () => {
    expect(parseWorkers('0', 8)).toEqual({ ok: true, workers: 0 });
    expect(parseWorkers(' 8 ', 8)).toEqual({ ok: true, workers: 8 });
    expect(parseWorkers('9', 8)).toEqual({ ok: false, error: 'range' });
    expect(parseWorkers('-1', 8)).toEqual({ ok: false, error: 'range' });
    expect(parseWorkers('2.5', 8)).toEqual({ ok: false, error: 'format' });
    expect(parseWorkers('', 8)).toEqual({ ok: false, error: 'format' });
  });

  it('says what machines a run uses on each backend', () => {
    const cluster = {
      id: ID,
      backend: 'databricks' as const,
      instance_type: 'm5.xlarge',
      cluster_mode: 'new_cluster' as const
    };
    expect(machineText(makeRun({ id: ID }), trans)).toBe('m5.large');
    expect(
      machineText(makeRun({ ...cluster, workers: 4, count: 5 }), trans)
    ).toBe('m5.xlarge × 5 (4 workers + driver)');
    expect(
      machineText(makeRun({ ...cluster, workers: 0, count: 1 }), trans)
    ).toBe('m5.xlarge × 1 (0 workers + driver)');
    expect(
      machineText(
        makeRun({ ...cluster, instance_type: '', cluster_mode: 'serverless' }),
        trans
      )
    ).toBe('Serverless compute');
    // The cancel confirmation names the cluster without brackets in brackets
    expect(
      cancelText(makeRun({ ...cluster, workers: 1, count: 2 }), trans)
    ).toBe(
      'The Databricks run is cancelled and its job cluster, m5.xlarge × 2 (1 worker + driver), is terminated.'
    );
  });
});

describe('RunChoices', () => {
  it('remembers the last run choices across a reload through the state database', async () => {
    const db = new StateDB();
    const before = new RunChoices(db);
    before.remember({ backend: 'databricks', instanceType: 'm5.large' });
    before.remember({ clusterMode: 'new_cluster', workers: 3 });

    // A reload: a new page reads what the old one stored.
    const after = new RunChoices(db);
    expect(after.current).toEqual({});
    await after.restore();

    expect(after.current).toEqual({
      backend: 'databricks',
      instanceType: 'm5.large',
      clusterMode: 'new_cluster',
      workers: 3
    });
  });

  it('keeps only well-typed stored fields, and works in memory without a database', async () => {
    const db = new StateDB();
    await db.save(RUN_CHOICES_KEY, { backend: 7, workers: 'three' });
    const stored = new RunChoices(db);
    await stored.restore();
    expect(stored.current).toEqual({});

    const memory = new RunChoices();
    await memory.restore();
    memory.remember({ backend: 'ec2', instanceType: 't3.small' });
    expect(memory.current).toEqual({
      backend: 'ec2',
      instanceType: 't3.small'
    });
  });
});
