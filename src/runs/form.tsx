/**
 * The body of the run dialog: backend (EC2, or Databricks with its compute
 * and workers), machine (the instance picker), expected and max runtime,
 * parameters, files, environment and one cost block with the server's verdict.
 *
 * The form asks the server to `prepare` the notebook once, then submits with
 * the id that answer carried, so a double submit launches a single machine.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { useUcdhClient } from '../client';
import { IProblem } from '../api';
import { Backend, IInstanceType } from '../compute/api';
import type { StatusModel } from '../status/model';
import { useConfig } from '../status/useConfig';
import type { RunChoices } from './choices';
import { ClusterMode, IRun, IRunBackends, IRunPrepare } from './api';
import { formatNumber } from '../common/format';
import { parseHours } from '../compute/model';
import { ProblemView } from '../common/problemview';
import { useRequest } from '../common/useRequest';
import { toProblem } from '../common/problem';
import { CSS } from '../tokens';
import {
  BackendField,
  ClusterFields,
  MachineField,
  NotebookOnlyNote
} from './backendfields';
import { defaultRuntime, initialExpectedText, stopsText } from './runtime';
import {
  allowedClusterModes,
  hasNodes,
  initialBackend,
  initialClusterMode,
  parseWorkers,
  runBackends
} from './backends';
import {
  checkingMessage,
  costQueryOf,
  runBlockers,
  runRequest,
  runsNotice
} from './checks';
import { CostSummary } from './cost';
import { SweepEditor } from './sweep';
import { ScheduleEditor, useExclusive } from './scheduleeditor';
import type { ISchedule } from './scheduleapi';
import {
  initialSchedule,
  IScheduleLimits,
  recurrenceBody,
  scheduleLimitsOf,
  scheduleProblems
} from './schedulemodel';
import {
  initialSweep,
  ISweepLimits,
  sweepLimitsOf,
  sweepPlan
} from './sweepmodel';
import {
  EnvironmentSummary,
  FilesField,
  initialChecked,
  initialTexts,
  MachineImage,
  PackageSourceLine,
  ParametersField,
  RunPython,
  RuntimeFields
} from './fields';
import {
  changedParameters,
  IRerun,
  newRunId,
  parseMaxHours,
  selectedBytes
} from './model';

const C = CSS.RunDialog;
const MB = 1024 * 1024;

/** What a submit created: a run, or with "Run on a schedule" a schedule. */
export type Submitted = IRun | ISchedule;

/** Submits the form; resolves with what it created, or null when the form or server said no. */
export type SubmitFn = () => Promise<Submitted | null>;

/** Props of {@link RunForm}. */
export interface IRunFormProps {
  notebookPath: string;
  trans: TranslationBundle;
  /** The shared configuration: run backends and the admin's switches. */
  status: StatusModel;
  /** The last run's choices, offered first and updated on submit. */
  choices: RunChoices;
  /** Start from these settings instead of the notebook's defaults. */
  initial?: IRerun;
  /** Receives the current submit function after every render. */
  registerSubmit: (submit: SubmitFn) => void;
  /** Wait after typing before asking the server, in ms. */
  debounceMs?: number;
  /** Told when "Run on a schedule" turns on or off (the submit button's label). */
  onScheduleChange?: (on: boolean) => void;
}

/** The run dialog's form. */
export function RunForm(props: IRunFormProps): JSX.Element {
  const { notebookPath, trans } = props;
  const client = useUcdhClient();
  const prepared = useRequest<IRunPrepare>(
    signal => client.runs.prepareRun(notebookPath, signal),
    notebookPath,
    0
  );
  const config = useConfig(props.status);
  const prepare = prepared.data;
  // Which backends exist decides the form's first state: wait for the answer
  // (a failed request means EC2 only).
  const notice = runsNotice(config.data, trans);
  return (
    <div className={CSS.RunDialog.body}>
      <p className={CSS.RunDialog.notebook}>
        <code>{notebookPath}</code>
      </p>
      {notice && <ProblemView problem={notice} busy={false} trans={trans} />}
      {prepared.error && (
        <ProblemView
          problem={prepared.error}
          busy={prepared.busy}
          onRetry={prepared.error.status === 400 ? undefined : prepared.retry}
          trans={trans}
        />
      )}
      {(!prepare || !config.settled) && !prepared.error && (
        <p className={C.status}>{trans.__('Reading the notebook…')}</p>
      )}
      {prepare && config.settled ? (
        <PreparedForm
          {...props}
          prepare={prepare}
          backends={runBackends(config.data, trans)}
          limits={sweepLimitsOf(config.data)}
          scheduleLimits={scheduleLimitsOf(config.data)}
          refused={notice?.message ?? null}
        />
      ) : (
        <Unprepared registerSubmit={props.registerSubmit} />
      )}
    </div>
  );
}

/** Until the notebook is read there is nothing to submit. */
function Unprepared(props: {
  registerSubmit: (submit: SubmitFn) => void;
}): null {
  props.registerSubmit(async () => null);
  return null;
}

/** The form once the server has read the notebook. */
function PreparedForm(
  props: IRunFormProps & {
    prepare: IRunPrepare;
    backends: IRunBackends;
    limits: ISweepLimits;
    scheduleLimits: IScheduleLimits;
    refused: string | null;
  }
): JSX.Element {
  const { prepare, backends, initial, trans } = props;
  const client = useUcdhClient();
  // The last run's choices, offered first; read once, when the form opens.
  const [last] = React.useState(() => props.choices.current);
  const cap = prepare.max_hours_cap;
  const databricks = backends.databricks;
  const [backend, setBackend] = React.useState<Backend>(() =>
    initialBackend(backends, initial?.backend ?? last.backend)
  );
  const [clusterMode, setClusterMode] = React.useState<ClusterMode>(() =>
    initialClusterMode(backends, initial?.cluster_mode ?? last.clusterMode)
  );
  const [workersText, setWorkersText] = React.useState(() =>
    String(initial?.workers ?? last.workers ?? databricks.default_workers)
  );
  const [type, setType] = React.useState<IInstanceType | null>(null);
  // The server's reading of the runtime fields (defaults before any query).
  const runtime0 = defaultRuntime(prepare);
  const [expectedText, setExpectedText] = React.useState(() =>
    initialExpectedText(runtime0, initial?.max_hours)
  );
  // Empty: the max follows the expected runtime (the server's default).
  const [maxText, setMaxText] = React.useState(() =>
    initial?.max_hours !== undefined ? String(initial.max_hours) : ''
  );
  const [texts, setTexts] = React.useState(() =>
    initialTexts(prepare, initial)
  );
  const [checked, setChecked] = React.useState(() =>
    initialChecked(prepare, initial)
  );
  const [sweep, setSweep] = React.useState(() =>
    initialSweep(prepare.parameters, props.limits, initial)
  );
  const plan = sweepPlan(sweep, prepare.parameters, props.limits, trans);
  const [schedule, setSchedule] = React.useState(() =>
    initialSchedule(props.scheduleLimits)
  );
  useExclusive(
    sweep.on,
    () => setSweep(current => ({ ...current, on: false })),
    schedule.on,
    () => setSchedule(current => ({ ...current, on: false }))
  );
  React.useEffect(() => props.onScheduleChange?.(schedule.on), [schedule.on]);
  const [attempted, setAttempted] = React.useState(false);
  // Each submit click, so the reason it did not go is brought into view.
  const [attempts, setAttempts] = React.useState(0);
  const reasons = React.useRef<HTMLDivElement>(null);
  const [submitting, setSubmitting] = React.useState(false);
  const [problem, setProblem] = React.useState<IProblem | null>(null);
  // A fresh id after a refused submit; the same id after a lost answer,
  // because that request may have launched a machine.
  const runId = React.useRef(prepare.new_run_id);

  const onDatabricks = backend === 'databricks';
  // Serverless and existing-cluster runs have no node type nor workers.
  const withNodes = !onDatabricks || hasNodes(clusterMode);
  const workers = parseWorkers(workersText, databricks.max_workers);
  const workerCount =
    onDatabricks && withNodes && workers.ok ? workers.workers : null;
  const sized = !onDatabricks || !withNodes || workers.ok;
  const expected = parseHours(expectedText);
  const typedMax =
    maxText.trim() === ''
      ? null
      : parseMaxHours(maxText, Number.POSITIVE_INFINITY);
  // The server prices and judges the run as it will check it on submit; the
  // dialog only shows its answer.
  const query = sized
    ? costQueryOf(
        backend,
        clusterMode,
        withNodes ? type : null,
        workerCount,
        expected,
        typedMax
      )
    : null;
  // A sweep is priced per run and in total, for the runs the editor reads.
  const costQuery =
    query && plan.on ? { ...query, children: plan.children } : query;
  const costKey = JSON.stringify(costQuery);
  const priced = useRequest(
    costQuery
      ? signal =>
          client.runs
            .prepareRun(prepare.notebook_path, signal, costQuery)
            .then(answer => ({
              key: costKey,
              cost: answer.cost ?? null,
              runtime: answer.runtime ?? null
            }))
      : null,
    costKey,
    props.debounceMs ?? 300
  );
  // The last answer stays while the next loads: only the current query's counts.
  const current = priced.data?.key === costKey ? priced.data : null;
  const cost = current?.cost ?? null;
  const runtime = current?.runtime ?? priced.data?.runtime ?? runtime0;
  // What a submit sends: the typed max, else the server's default for the
  // current expected runtime.
  const maxHours =
    typedMax?.ok === true
      ? typedMax.hours
      : (current?.runtime?.max_hours ?? null);
  const totalBytes = onDatabricks ? 0 : selectedBytes(prepare.files, checked);

  const blockers = runBlockers(
    {
      backends,
      backend,
      withNodes,
      type,
      sized,
      expected,
      max: typedMax,
      checked: current !== null,
      cost,
      totalBytes,
      maxBytes: prepare.max_files_mb * MB,
      refused: props.refused,
      sweep: schedule.on
        ? scheduleProblems(schedule, props.scheduleLimits, trans)
        : plan.problems
    },
    trans
  );

  // Only the server's answer is missing: a submit now waits for it.
  const onlyChecking =
    blockers.length === 1 && blockers[0] === checkingMessage(trans);
  // The price query failed for the current fields: say why, offer a retry.
  const priceProblem = current === null && !priced.busy ? priced.error : null;
  // A submit now waits for the verdict rather than being refused.
  const awaitingVerdict = onlyChecking && priceProblem === null;
  // A submit clicked before the answer: its resolver and the fields it saw.
  const queued = React.useRef<{
    key: string;
    resolve: (run: Submitted | null) => void;
  } | null>(null);

  const send = async (): Promise<Submitted | null> => {
    if (blockers.length > 0 || maxHours === null) {
      return null;
    }
    const single = runRequest(
      {
        notebook_path: prepare.notebook_path,
        max_hours: maxHours,
        parameters: changedParameters(prepare.parameters, texts),
        run_id: runId.current
      },
      {
        backend,
        clusterMode,
        type: withNodes ? type : null,
        workers: workerCount,
        files: prepare.files,
        checked
      }
    );
    const body = plan.body ? { ...single, sweep: plan.body } : single;
    setSubmitting(true);
    setProblem(null);
    try {
      const run = schedule.on
        ? await client.schedules.createSchedule({
            run: single,
            recurrence: recurrenceBody(schedule)
          })
        : await client.runs.submitRun(body);
      props.choices.remember({
        backend,
        instanceType: withNodes ? type?.name : undefined,
        ...(onDatabricks
          ? { clusterMode, workers: workerCount ?? undefined }
          : {})
      });
      return run;
    } catch (error) {
      const found = toProblem(error);
      if (found.status !== 0) {
        runId.current = newRunId();
      }
      setProblem(found);
      return null;
    } finally {
      setSubmitting(false);
    }
  };

  const submit: SubmitFn = async () => {
    if (submitting || queued.current) {
      return null;
    }
    setAttempted(true);
    setAttempts(n => n + 1);
    if (awaitingVerdict) {
      return new Promise(resolve => {
        queued.current = { key: costKey, resolve };
      });
    }
    return send();
  };
  props.registerSubmit(submit);

  // A submit that did not go: the reason is below the fields, often out of
  // sight in a long form, and the dialog would look as if nothing happened.
  React.useEffect(() => {
    if (attempts > 0 && (blockers.length > 0 || problem) && !awaitingVerdict) {
      reasons.current?.scrollIntoView?.({ block: 'center' });
    }
  }, [attempts, problem]);

  // The queued submit goes once the answer for the same fields is in; a
  // refusal in it, a failed check or a field changed since the click leave
  // the dialog open with the reason instead.
  React.useEffect(() => {
    const waiting = queued.current;
    const changed = waiting !== null && waiting.key !== costKey;
    if (waiting === null || (!changed && awaitingVerdict)) {
      return;
    }
    queued.current = null;
    if (changed) {
      waiting.resolve(null);
    } else {
      void send().then(waiting.resolve);
    }
  });

  return (
    <>
      <BackendField
        backends={backends}
        backend={backend}
        onChange={setBackend}
        trans={trans}
      />
      {onDatabricks && (
        <ClusterFields
          modes={allowedClusterModes(backends)}
          mode={clusterMode}
          onMode={setClusterMode}
          workersText={workersText}
          workers={workers}
          maxWorkers={databricks.max_workers}
          onWorkers={setWorkersText}
          trans={trans}
        />
      )}
      {withNodes && (
        <MachineField
          backend={backend}
          initialType={
            type?.name ?? (initial?.instance_type || last.instanceType)
          }
          onChange={setType}
          debounceMs={props.debounceMs}
          trans={trans}
        />
      )}
      <RuntimeFields
        expectedText={expectedText}
        expectedValid={expected.ok}
        onExpected={setExpectedText}
        maxText={typedMax === null ? formatNumber(runtime.max_hours) : maxText}
        maxValid={typedMax === null || typedMax.ok}
        onMax={setMaxText}
        note={runtime.note || null}
        stops={stopsText(cap, onDatabricks, plan.on, trans)}
        trans={trans}
      />
      <ParametersField
        defaults={prepare.parameters}
        texts={texts}
        onChange={setTexts}
        trans={trans}
      />
      <SweepEditor
        state={sweep}
        onChange={setSweep}
        defaults={prepare.parameters}
        texts={texts}
        limits={props.limits}
        plan={plan}
        trans={trans}
      />
      <ScheduleEditor
        state={schedule}
        onChange={setSchedule}
        limits={props.scheduleLimits}
        maxCostPerRun={cost?.max_cost_usd ?? null}
        trans={trans}
      />
      {onDatabricks ? (
        <NotebookOnlyNote trans={trans} />
      ) : (
        <>
          <FilesField
            files={prepare.files}
            checked={checked}
            onChange={setChecked}
            maxBytes={prepare.max_files_mb * MB}
            totalBytes={totalBytes}
            trans={trans}
          />
          <EnvironmentSummary environment={prepare.environment} trans={trans} />
          <MachineImage images={prepare.images} type={type} trans={trans} />
          <RunPython python={prepare.python} trans={trans} />
          <PackageSourceLine source={prepare.package_source} trans={trans} />
        </>
      )}
      <CostSummary
        clusterMode={onDatabricks ? clusterMode : null}
        cost={cost}
        busy={priced.busy}
        sweep={plan.on}
        trans={trans}
      />
      <div aria-live="polite" className={C.blockers} ref={reasons}>
        {attempted && blockers.length > 0 && (
          <ul role="alert">
            {blockers.map(text => (
              <li key={text}>
                {priceProblem && text === checkingMessage(trans)
                  ? trans.__('The cost could not be checked: retry below.')
                  : text}
              </li>
            ))}
          </ul>
        )}
        {submitting && <p className={C.status}>{trans.__('Submitting…')}</p>}
      </div>
      {priceProblem && (
        <ProblemView
          problem={priceProblem}
          busy={priced.busy}
          onRetry={priced.retry}
          trans={trans}
        />
      )}
      {problem && <ProblemView problem={problem} busy={false} trans={trans} />}
    </>
  );
}
