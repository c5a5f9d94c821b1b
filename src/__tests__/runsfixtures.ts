/**
 * Runs and a fake server for the runs tests: it answers the runs routes the
 * way the server extension does, and the compute routes like the compute
 * fixtures, so the run dialog's instance picker works too.
 */
import { Dialog } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { UcdhClient } from '../client';
import type { IProblem, IProblemText } from '../api';
import type { IEstimateRequest } from '../compute/api';
import type {
  INotificationStatus,
  IRun,
  IRunBackends,
  IRunCost,
  IRunHistory,
  IRunLog,
  IRunOutput,
  IRunPrepare,
  IRunRequest,
  IRunRuntime,
  IRunUsage,
  RunLogSource,
  RunState
} from '../runs/api';
import type { IConfig } from '../status/api';
import {
  catalogFor,
  estimateFor,
  PRICES,
  readRequest,
  TYPES
} from './computefixtures';
import { RunDialog, RunFormWidget } from '../runs/dialog';
import type { Submitted } from '../runs/form';
import { RunsSection } from '../runs/section';
import type { IRerun } from '../runs/model';

/** A run with the fields a test does not care about filled in. */
export function makeRun(fields: Partial<IRun> & { id: string }): IRun {
  return {
    backend: 'ec2',
    owner: 'researcher',
    notebook_path: 'studies/welcome.ipynb',
    instance_type: 'm5.large',
    max_hours: 2,
    created_at: '2026-07-20T10:00:00Z',
    deadline: '2026-07-20T12:00:00Z',
    parameters: {},
    count: 1,
    workers: null,
    cluster_mode: null,
    files: [],
    environment: '',
    state: 'RUNNING',
    updated_at: '2026-07-20T10:00:00Z',
    history: [],
    failure_kind: null,
    failure_message: null,
    failing_cell: null,
    progress: { cell: 0, cells: 0, last_lines: [], heartbeat_at: null },
    rate_usd_per_hour: 0.096,
    cost_so_far_usd: 0.01,
    cost_final_usd: null,
    started_at: '2026-07-20T10:01:00Z',
    ended_at: null,
    bucket: 'runs',
    prefix: 'ucdh-runs/',
    input_uri: null,
    partial_uri: null,
    output_uri: null,
    log_uri: null,
    instance_id: 'i-0123456789abcdef0',
    databricks_run_id: null,
    databricks_run_url: null,
    databricks_host: null,
    databricks_notebook_path: null,
    exit_value: null,
    python_version: null,
    notified_at: null,
    mailed_by: null,
    kind: 'run',
    sweep_rows: [],
    parallelism: null,
    children: [],
    child_counts: {},
    batch_job_id: null,
    databricks_job_id: null,
    schedule_id: null,
    ...fields
  };
}

/** This month's usage of a user who has run nothing and has no monthly budget. */
export const NO_USAGE: IRunUsage = {
  month: '2026-07',
  month_name: 'July',
  used_usd: 0,
  spent_usd: 0,
  monthly_budget_usd: null,
  live_runs: 0,
  max_concurrent: 4
};

/** Ids of the runs below (ULIDs, as the server checks). */
export const RUNNING_ID = '01J3ZK5V6Q8X9Y0A1B2C3D4E5F';
export const DONE_ID = '01J3ZJ0000AAAABBBBCCCCDDDD';

/** What `runs/prepare` answers for the test notebook. */
export const PREPARE: IRunPrepare = {
  notebook_path: 'studies/welcome.ipynb',
  parameters: { rows: 5, cohort: 'A', start: null },
  files: [
    {
      path: 'data.csv',
      size: 2_400_000,
      sensitive: false,
      previous_result: false
    },
    { path: '.env', size: 120, sensitive: true, previous_result: false },
    {
      path: 'welcome.run-01J3ZJ0000AAAABBBBCCCCDDDD.ipynb',
      size: 9000,
      sensitive: false,
      previous_result: true
    },
    {
      path: 'welcome.run-2026-12-04-1530.html',
      size: 4_800_000,
      sensitive: false,
      previous_result: true
    }
  ],
  environment: {
    source: 'requirements.txt',
    packages: ['pandas==2.2.3', 'boto3==1.35.0'],
    unresolved: [],
    problem: null
  },
  default_max_hours: 2,
  max_hours_cap: 24,
  budget_usd: 5,
  max_files_mb: 500,
  new_run_id: '01J3ZM0000PPPPQQQQRRRRSSSS',
  runtime: runtimeFor({}),
  images: {
    standard: {
      name: 'Amazon Linux 2023',
      source:
        'ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}'
    },
    gpu: {
      name: 'Deep Learning Base AMI with NVIDIA driver (Amazon Linux 2023)',
      source:
        'ssm:/aws/service/deeplearning/ami/{arch}/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id'
    }
  },
  package_source: {
    kind: 'wheel_cache',
    label: 'the S3 wheel cache (no internet needed)'
  },
  python: { kernel: '3.11', version: '3.11', note: null },
  cost: null
};

/** What a Databricks node costs on top of its EC2 price in the fake: DBUs. */
export const DBU_PER_NODE_HOUR = 0.1;

/** A workspace the admin configured: every compute kind, up to 8 workers. */
export const DATABRICKS_READY: IRunBackends = {
  ec2: { available: true, reason: null, hint: null },
  databricks: {
    available: true,
    reason: null,
    hint: null,
    host: 'http://127.0.0.1:5001',
    cluster_modes: ['new_cluster', 'serverless'],
    default_cluster_mode: 'new_cluster',
    default_workers: 2,
    max_workers: 8
  }
};

/** No workspace: Databricks is offered, disabled, with why and how to fix it. */
export const DATABRICKS_MISSING: IRunBackends = {
  ec2: { available: true, reason: null, hint: null },
  databricks: {
    available: false,
    reason: 'No Databricks workspace is configured.',
    hint: 'Ask your administrator to set UcdhConfig.databricks_host, or create a ~/.databrickscfg profile.',
    host: null,
    cluster_modes: ['new_cluster'],
    default_cluster_mode: 'new_cluster',
    default_workers: 2,
    max_workers: 0
  }
};

/** `GET config` with these run backends; by default no Databricks workspace. */
export function configWith(
  backends: IRunBackends = DATABRICKS_MISSING
): IConfig {
  return {
    mode: 'local',
    region: 'us-east-1',
    profile: null,
    locations: [],
    allowed_buckets: [],
    sse_kms: true,
    presigned_urls: false,
    features: { s3: true, compute: true, runs: true },
    runs: {
      enabled: true,
      configured: true,
      default_max_hours: 2,
      max_hours_cap: 24,
      budget_per_run_usd: 5,
      max_notebook_mb: 20,
      max_files_mb: 500,
      heartbeat_seconds: 30,
      sweep_max_size: 1000,
      sweep_max_parallel: 10,
      schedule_max_per_user: 10,
      schedule_min_interval_minutes: 60,
      volume_gb: 30,
      notifications: false,
      backends
    }
  };
}

/**
 * The runtime of `runs/prepare` as the server reads it: the max is twice the
 * expected end within the cap unless typed (a fake server's copy of the rule).
 */
function runtimeFor(body: {
  hours_low?: number;
  hours_high?: number;
  max_hours?: number | null;
}): IRunRuntime {
  const cap = 24;
  const high = body.hours_high ?? body.hours_low ?? 1;
  const low = body.hours_low ?? high / 2;
  const wanted = 2 * high;
  const fallback = Math.min(wanted, cap);
  const typed = body.max_hours !== undefined && body.max_hours !== null;
  return {
    hours_low: low,
    hours_high: high,
    max_hours: typed ? (body.max_hours as number) : fallback,
    max_hours_default: fallback,
    max_hours_typed: typed,
    max_hours_capped: wanted > cap,
    max_hours_cap: cap,
    min_hours: 1 / 60,
    note:
      wanted > cap
        ? `Twice the expected ${high} h would be ${wanted} h; the longest allowed here is ${cap} h, so the max runtime is ${cap} h.`
        : `Twice the expected ${high} h, unless you type another.`
  };
}

/**
 * The cost block of `runs/prepare` for a request naming an instance type:
 * on Databricks for the workers and the driver, DBUs included, with a verdict
 * on the $5 budget per run (as the server would word it).
 */
function costFor(body: {
  instance_type?: string;
  hours_low?: number;
  hours_high?: number;
  max_hours?: number | null;
  backend?: string;
  workers?: number;
  children?: number;
}): IRunCost | null {
  const type = TYPES.find(t => t.name === body.instance_type);
  if (!type) {
    return null;
  }
  const databricks = body.backend === 'databricks';
  const nodes = databricks ? (body.workers ?? 0) + 1 : 1;
  const runtime = runtimeFor(body);
  const rate =
    type.price_per_hour === null
      ? null
      : type.price_per_hour + (databricks ? DBU_PER_NODE_HOUR : 0);
  const cost = (hours: number): number | null =>
    rate === null ? null : rate * hours * nodes;
  const most = cost(runtime.max_hours);
  const budget = PREPARE.budget_usd;
  const machines = `${nodes} ${type.name}`;
  let verdict: IRunCost['verdict'] = {
    ok: true,
    code: null,
    message: `Within budget: at most $${(most ?? 0).toFixed(2)} of the $5.00 budget per run; 0 runs going of 3 at once.`
  };
  if (!type.allowed) {
    verdict = { ok: false, code: 'not_allowed', message: type.reason ?? '' };
  } else if (runtime.max_hours < runtime.hours_high) {
    verdict = {
      ok: false,
      code: 'bad_request',
      message: `The max runtime (${runtime.max_hours} h) is below the expected runtime's upper end (${runtime.hours_high} h): the run would be stopped before it is expected to end.`
    };
  } else if (budget !== null && most !== null && most > budget) {
    verdict = {
      ok: false,
      code: 'bad_request',
      message: `The maximum cost of this run is $${most.toFixed(2)}, above the $${budget.toFixed(2)} budget per run.`
    };
  }
  return {
    ...runtime,
    instance_type: type.name,
    backend: databricks ? 'databricks' : 'ec2',
    count: nodes,
    rate_usd_per_hour: rate,
    price: {
      ec2_usd_per_hour: type.price_per_hour,
      dbu_per_hour: databricks ? 1 : 0,
      usd_per_dbu: DBU_PER_NODE_HOUR,
      disk_gb: databricks ? 0 : 30,
      disk_usd_per_hour: 0
    },
    expected_low_usd: cost(runtime.hours_low),
    expected_high_usd: cost(runtime.hours_high),
    expected_counts: `${runtime.hours_low}\u2013${runtime.hours_high} h \u00d7 ${machines}`,
    max_cost_usd: most,
    max_counts: `${runtime.max_hours} h max runtime \u00d7 ${machines}`,
    history: null,
    budget_usd: budget,
    allowed: type.allowed,
    reason: type.reason,
    verdict,
    prices: PRICES,
    ...(body.children ? { sweep: sweepCostFor(body.children, cost, most) } : {})
  };
}

/** The sweep's figures of the cost block: each run's times the runs (as the server words them). */
function sweepCostFor(
  children: number,
  each: (hours: number) => number | null,
  most: number | null
): NonNullable<IRunCost['sweep']> {
  const low = each(0.5);
  const high = each(1);
  const times = (value: number | null): number | null =>
    value === null ? null : value * children;
  return {
    children,
    parallelism: Math.min(children, 10),
    expected_low_usd: times(low),
    expected_high_usd: times(high),
    max_cost_usd: times(most),
    text: `${children} runs × each = total expected, at most $${(times(most) ?? 0).toFixed(2)}`
  };
}

/** A sweep's rows as the server expands them: a grid's every combination, first name slowest. */
export function sweepRowsOf(
  sweep: NonNullable<IRunRequest['sweep']>
): Record<string, unknown>[] {
  if (sweep.rows) {
    return sweep.rows;
  }
  let rows: Record<string, unknown>[] = [{}];
  for (const [name, values] of Object.entries(sweep.grid ?? {})) {
    rows = rows.reduce<Record<string, unknown>[]>(
      (more, row) => [
        ...more,
        ...values.map(value => ({ ...row, [name]: value }))
      ],
      []
    );
  }
  return rows;
}

/** A request the fake server received. */
export interface IRunsRecorded {
  method: string;
  path: string;
  /** The query string, without `?`. */
  search: string;
  body: unknown;
}

/** The runs the fake server was asked to launch (`POST runs`), in order. */
export function launchRequests(server: {
  requests: IRunsRecorded[];
}): IRunsRecorded[] {
  return server.requests.filter(r => r.method === 'POST' && r.path === 'runs');
}

/**
 * Whether the dialog has asked the server to price machine `type` (any
 * machine when omitted): the cost question for a chosen type.
 */
export function askedPriceOf(
  server: { requests: IRunsRecorded[] },
  type?: string
): boolean {
  return server.requests.some(r => {
    const asked = (r.body as { instance_type?: string } | null)?.instance_type;
    return (
      r.path === 'runs/prepare' &&
      (type === undefined ? asked !== undefined : asked === type)
    );
  });
}

/** How the server names results: the run's submission minute in UTC. */
export function resultStamp(createdAt: string): string {
  return createdAt.slice(0, 16).replace('T', '-').replace(':', '');
}

/**
 * A fake server; `runs` is what `GET runs` answers now (tests change it).
 * `config` answers `GET config`; without it that route is a 404, as when
 * the config cannot be read.
 */
export function fakeRunsServer(
  initial: IRun[] = [],
  options: {
    config?: IConfig;
    /** The usage `GET runs` carries; by default nothing spent and no monthly budget. */
    usage?: IRunUsage;
    /** The server's verdict in every cost block (e.g. a per-user cap). */
    refusal?: IProblemText | null;
    /** What `GET runs/<id>/log?source=…` answers, by source; an IProblem fails it. */
    logs?: Partial<Record<RunLogSource, IRunLog | IProblem>>;
    /** Fields of the `runs/prepare` reply that differ from {@link PREPARE}. */
    prepare?: Partial<IRunPrepare>;
    /** What `POST runs` answers instead of launching (e.g. a 400 naming a parameter set). */
    submitProblem?: IProblem;
    /** What `POST runs/<id>/output` answers, by run id; an IProblem fails it. */
    outputs?: Record<string, IRunOutput | IProblem>;
    /**
     * Awaited before each price (`runs/prepare` with a cost query) is answered; a
     * thrown error fails that request as a lost connection would.
     */
    priceGate?: () => Promise<void>;
    /**
     * The history line the server sends for one instance type (the last run of
     * the notebook on that machine); every other type has none.
     */
    history?: { instanceType: string; history: IRunHistory };
    /**
     * The user's e-mail choice (`runs/notifications`); without it the route is
     * unknown (404), as on a server from before it existed.
     */
    mail?: INotificationStatus;
  } = {}
): {
  serverSettings: ServerConnection.ISettings;
  requests: IRunsRecorded[];
  runs: IRun[];
  setRuns: (runs: IRun[]) => void;
  setState: (id: string, state: RunState, extra?: Partial<IRun>) => void;
} {
  const requests: IRunsRecorded[] = [];
  const server = {
    runs: initial,
    setRuns: (runs: IRun[]) => {
      server.runs = runs;
    },
    setState: (id: string, state: RunState, extra: Partial<IRun> = {}) => {
      server.runs = server.runs.map(run =>
        run.id === id ? { ...run, state, ...extra } : run
      );
    }
  };
  const json = (body: unknown, status = 200): Response =>
    new Response(JSON.stringify(body), { status });
  const fetch = async (
    input: RequestInfo | URL,
    init?: RequestInit
  ): Promise<Response> => {
    const { method, path, url, body } = await readRequest<any>(input, init);
    requests.push({ method, path, search: url.search.slice(1), body });
    if (path === 'compute/catalog') {
      return json(catalogFor(url.searchParams));
    }
    if (path === 'config' && options.config) {
      return json(options.config);
    }
    if (path === 'compute/estimate') {
      return json(estimateFor(body as IEstimateRequest));
    }
    if (path === 'runs' && method === 'GET') {
      return json({ runs: server.runs, usage: options.usage ?? NO_USAGE });
    }
    if (path === 'runs/notifications' && options.mail) {
      if (method === 'PUT') {
        const address = String((body as { address: unknown }).address);
        if (!address.includes('@')) {
          return json(
            {
              message: 'That is not an e-mail address.',
              code: 'bad_request',
              hint: 'Give one address, e.g. jdoe@hospital.org.'
            },
            400
          );
        }
        options.mail = { available: true, address, state: 'pending' };
      } else if (method === 'DELETE') {
        options.mail = { available: true, address: null, state: 'off' };
      }
      return json(options.mail);
    }
    if (path === 'runs/prepare') {
      const priced = Object.keys((body as object | null) ?? {}).length > 1;
      if (priced && options.priceGate) {
        await options.priceGate();
      }
      const pricedCost = costFor(body);
      const history = options.history;
      const cost =
        pricedCost &&
        history &&
        pricedCost.instance_type === history.instanceType
          ? { ...pricedCost, history: history.history }
          : pricedCost;
      const refusal = options.refusal;
      return json({
        ...PREPARE,
        ...options.prepare,
        runtime: runtimeFor(body),
        cost:
          cost && refusal
            ? { ...cost, verdict: { ok: false, ...refusal } }
            : cost
      });
    }
    if (path === 'runs' && method === 'POST' && options.submitProblem) {
      const problem = options.submitProblem;
      return json(problem, problem.status);
    }
    if (path === 'runs' && method === 'POST') {
      const asked = body as IRunRequest;
      const sweep: Partial<IRun> = asked.sweep
        ? {
            kind: 'sweep',
            sweep_rows: sweepRowsOf(asked.sweep),
            parallelism: asked.sweep.parallelism ?? 10,
            backend: asked.backend === 'databricks' ? asked.backend : 'batch'
          }
        : {};
      const run = makeRun({
        id: asked.run_id ?? RUNNING_ID,
        notebook_path: asked.notebook_path,
        instance_type: asked.instance_type ?? '',
        max_hours: asked.max_hours ?? 2,
        parameters: asked.parameters ?? {},
        files: asked.files ?? [],
        state: 'PROVISIONING',
        started_at: null,
        ...(asked.backend === 'databricks'
          ? {
              backend: 'databricks',
              workers: asked.workers ?? 0,
              cluster_mode: asked.cluster_mode ?? 'new_cluster',
              count: asked.count,
              instance_id: null
            }
          : {}),
        ...sweep
      });
      server.runs = [run, ...server.runs];
      return json(run, 202);
    }
    const child = /^runs\/([^/]+)\/children\/(export|(\d+)\/output)$/.exec(
      path
    );
    const sweep = child && server.runs.find(r => r.id === child[1]);
    if (child && sweep && method === 'POST') {
      const stem = `studies/welcome.run-${resultStamp(sweep.created_at)}`;
      return json({
        path:
          child[3] === undefined
            ? `${stem}.children.csv`
            : `${stem}.child-${child[3]}.ipynb`
      });
    }
    const action = /^runs\/([^/]+)\/(cancel|output|log)$/.exec(path);
    const run = action && server.runs.find(r => r.id === action[1]);
    if (action && run) {
      if (action[2] === 'cancel') {
        server.setState(run.id, 'CANCELLING');
        return json(server.runs.find(r => r.id === run.id));
      }
      if (action[2] === 'output') {
        const answer = options.outputs?.[run.id];
        if (answer) {
          return 'code' in answer ? json(answer, answer.status) : json(answer);
        }
        const output = `studies/welcome.run-${resultStamp(run.created_at)}`;
        return json(
          run.backend === 'databricks'
            ? { path: `${output}.ipynb`, html_path: `${output}.html` }
            : { path: `${output}.ipynb` }
        );
      }
      const source = (url.searchParams.get('source') ??
        'runner') as RunLogSource;
      const log = options.logs?.[source] ?? {
        source,
        log: 'installing pandas\nexecuting cell 3\n'
      };
      return 'code' in log ? json(log, log.status) : json(log);
    }
    return json(
      { message: 'There is no such run.', code: 'run_not_found', hint: '' },
      404
    );
  };
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch
  });
  return Object.assign(server, { serverSettings, requests });
}

/**
 * Mounts Runs sections against a fake server and disposes of the last one (and
 * any open dialog) after each test: call `mounted.dispose()` in `afterEach`.
 */
export function runsSections(): {
  show(
    server: ReturnType<typeof fakeRunsServer>,
    commands?: CommandRegistry
  ): HTMLElement;
  dispose(): void;
} {
  let section: RunsSection | null = null;
  return {
    show(server, commands) {
      section = new RunsSection({
        trans: nullTranslator.load('ucdh_jupyter'),
        client: new UcdhClient(server.serverSettings),
        commands,
        intervalMs: 20
      });
      Widget.attach(section, document.body);
      return section.node;
    },
    dispose() {
      section?.dispose();
      section = null;
      Dialog.flush();
    }
  };
}

/**
 * The run dialog of the welcome notebook, opened against `server` (quick
 * debounce); its launch promise is returned, already guarded: disposing an
 * open dialog rejects it, which is expected, not a failure.
 */
export function openRunDialog(
  server: { serverSettings: ServerConnection.ISettings },
  trans: TranslationBundle = nullTranslator.load('ucdh_jupyter'),
  initial?: IRerun
): {
  dialog: RunDialog;
  result: Promise<Dialog.IResult<Submitted | null>>;
} {
  const form = new RunFormWidget({
    notebookPath: PREPARE.notebook_path,
    trans,
    client: new UcdhClient(server.serverSettings),
    debounceMs: 10,
    initial
  });
  const dialog = new RunDialog(form, trans, 'Run welcome.ipynb on AWS');
  const result = dialog.launch();
  result.catch(() => undefined);
  return { dialog, result };
}
