/**
 * The body of the run dialog: backend (EC2, or Databricks with its compute
 * and workers), machine (the instance picker), max runtime, parameters,
 * files, environment and what the run may cost.
 *
 * The form asks the server to `prepare` the notebook once, then submits with
 * the id that answer carried, so a double submit launches a single machine.
 */
import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  Backend,
  ClusterMode,
  getConfig,
  IEstimate,
  IInstanceType,
  IProblem,
  IRun,
  IConfig,
  IRunBackends,
  IRunPrepare,
  prepareRun,
  submitRun
} from '../api';
import { InstancePicker } from '../compute/picker';
import { formatNumber } from '../compute/model';
import { ProblemView } from '../compute/problem';
import { useRequest } from '../compute/useRequest';
import { toProblem } from '../sidebar/statusheader';
import { CSS } from '../tokens';
import { BackendField, ClusterFields, NotebookOnlyNote } from './backendfields';
import {
  allowedClusterModes,
  hasNodes,
  initialBackend,
  initialClusterMode,
  parseWorkers,
  runBackends
} from './backends';
import { costQueryOf, runBlockers, runRequest, runsNotice } from './checks';
import { CostSummary } from './cost';
import {
  EnvironmentSummary,
  FilesField,
  initialChecked,
  initialTexts,
  MachineImage,
  MaxHoursField,
  PackageSourceLine,
  ParametersField,
  RunPython
} from './fields';
import {
  changedParameters,
  IRerun,
  maxCost,
  newRunId,
  parseMaxHours,
  selectedBytes
} from './model';

const C = CSS.RunDialog;
const MB = 1024 * 1024;

/** Submits the form; resolves with the run, or null when the form or server said no. */
export type SubmitFn = () => Promise<IRun | null>;

/** Props of {@link RunForm}. */
export interface IRunFormProps {
  notebookPath: string;
  trans: TranslationBundle;
  serverSettings?: ServerConnection.ISettings;
  /** Start from these settings instead of the notebook's defaults. */
  initial?: IRerun;
  /** Receives the current submit function after every render. */
  registerSubmit: (submit: SubmitFn) => void;
  /** Wait after typing before asking the server, in ms. */
  debounceMs?: number;
}

/** The run dialog's form. */
export function RunForm(props: IRunFormProps): JSX.Element {
  const { notebookPath, trans, serverSettings } = props;
  const prepared = useRequest<IRunPrepare>(
    signal => prepareRun(notebookPath, serverSettings, signal),
    notebookPath,
    0
  );
  const config = useRequest<IConfig>(
    signal => getConfig(serverSettings, signal),
    'config',
    0
  );
  const prepare = prepared.data;
  // Which backends exist decides the form's first state: wait for the answer
  // (a failed request means an older server, with EC2 only).
  const configSettled = config.data !== null || config.error !== null;
  const notice = runsNotice(config.data, trans);
  return (
    <div className="jp-ucdh-RunDialog-body">
      <p className="jp-ucdh-RunDialog-notebook">
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
      {(!prepare || !configSettled) && !prepared.error && (
        <p className={C.status}>{trans.__('Reading the notebook…')}</p>
      )}
      {prepare && configSettled ? (
        <PreparedForm
          {...props}
          prepare={prepare}
          backends={runBackends(config.data, trans)}
          volumeGb={config.data?.runs?.volume_gb}
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

/** Choices of the last run submitted from this page, offered first next time. */
const last: {
  backend?: Backend;
  instanceType?: string;
  workers?: number;
  clusterMode?: ClusterMode;
} = {};

/** The form once the server has read the notebook. */
function PreparedForm(
  props: IRunFormProps & {
    prepare: IRunPrepare;
    backends: IRunBackends;
    /** Disk of an EC2 run machine: what the expected cost includes. */
    volumeGb?: number;
    refused: string | null;
  }
): JSX.Element {
  const { prepare, backends, initial, trans, serverSettings } = props;
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
  const [estimate, setEstimate] = React.useState<IEstimate | null>(null);
  const [hoursText, setHoursText] = React.useState(() =>
    String(Math.min(initial?.max_hours ?? prepare.default_max_hours, cap))
  );
  const [texts, setTexts] = React.useState(() =>
    initialTexts(prepare, initial)
  );
  const [checked, setChecked] = React.useState(() =>
    initialChecked(prepare, initial)
  );
  const [attempted, setAttempted] = React.useState(false);
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
  const nodes = workerCount === null ? 1 : workerCount + 1;
  const sized = !onDatabricks || !withNodes || workers.ok;
  const hours = parseMaxHours(hoursText, cap);
  // The server prices the run as it will check it on submit; until it
  // answers, the catalog's rate gives the same figure.
  const costQuery = costQueryOf(
    backend,
    clusterMode,
    type,
    workerCount,
    hours.ok && sized ? hours.hours : null
  );
  const costKey = JSON.stringify(costQuery);
  const priced = useRequest(
    costQuery
      ? signal =>
          prepareRun(
            prepare.notebook_path,
            serverSettings,
            signal,
            costQuery
          ).then(answer => ({ key: costKey, cost: answer.cost ?? null }))
      : null,
    costKey,
    props.debounceMs ?? 300
  );
  // The last answer stays while the next loads: only the current query's counts.
  const cost = priced.data?.key === costKey ? priced.data.cost : null;
  const rate = cost
    ? cost.rate_usd_per_hour
    : withNodes
      ? (type?.price_per_hour ?? null)
      : null;
  const most = cost
    ? cost.max_cost_usd
    : hours.ok && sized && withNodes
      ? maxCost(rate, hours.hours, nodes)
      : null;
  const totalBytes = onDatabricks ? 0 : selectedBytes(prepare.files, checked);
  const budget = prepare.budget_usd;

  const blockers = runBlockers(
    {
      backends,
      backend,
      withNodes,
      type,
      sized,
      hours,
      cap,
      cost,
      rate,
      most,
      budget,
      totalBytes,
      maxBytes: prepare.max_files_mb * MB,
      refused: props.refused
    },
    trans
  );

  const submit: SubmitFn = async () => {
    if (submitting) {
      return null;
    }
    setAttempted(true);
    if (blockers.length > 0 || !hours.ok) {
      return null;
    }
    const body = runRequest(
      {
        notebook_path: prepare.notebook_path,
        max_hours: hours.hours,
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
    setSubmitting(true);
    setProblem(null);
    try {
      const run = await submitRun(body, serverSettings);
      last.backend = backend;
      last.instanceType = withNodes ? type?.name : last.instanceType;
      if (onDatabricks) {
        last.clusterMode = clusterMode;
        last.workers = workerCount ?? last.workers;
      }
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
  props.registerSubmit(submit);

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
        <section
          className="jp-ucdh-RunDialog-machine"
          aria-label={
            onDatabricks ? trans.__('Node type') : trans.__('Machine')
          }
        >
          <h3>
            {onDatabricks
              ? trans.__('Node type (driver and workers) and expected cost')
              : trans.__('Machine and expected cost')}
          </h3>
          <InstancePicker
            // Prices differ per backend (Databricks adds DBUs): start afresh
            // on the new catalog, keeping the chosen type.
            key={backend}
            trans={trans}
            serverSettings={serverSettings}
            initialType={
              type?.name ?? (initial?.instance_type || last.instanceType)
            }
            backend={backend}
            workers={onDatabricks ? (workerCount ?? undefined) : undefined}
            // The run's own disk: none billed here on Databricks (its nodes' disks
            // come with them), the configured volume on EC2.
            ebsGb={onDatabricks ? 0 : props.volumeGb}
            compact
            onChange={setType}
            onEstimate={setEstimate}
            debounceMs={props.debounceMs}
          />
        </section>
      )}
      <MaxHoursField
        text={hoursText}
        valid={hours.ok}
        onChange={setHoursText}
        stops={
          onDatabricks
            ? trans.__(
                'The run is stopped after this, whatever happens (at most %1 h).',
                formatNumber(cap)
              )
            : trans.__(
                'The machine is terminated after this, whatever happens (at most %1 h).',
                formatNumber(cap)
              )
        }
        trans={trans}
      />
      <ParametersField
        defaults={prepare.parameters}
        texts={texts}
        onChange={setTexts}
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
        backend={backend}
        clusterMode={onDatabricks ? clusterMode : null}
        nodes={nodes}
        type={withNodes ? type : null}
        hours={hours.ok ? hours.hours : null}
        rate={rate}
        most={most}
        cost={cost}
        estimate={withNodes && sized ? estimate : null}
        budget={budget}
        trans={trans}
      />
      <div aria-live="polite" className={C.blockers}>
        {attempted && blockers.length > 0 && (
          <ul role="alert">
            {blockers.map(text => (
              <li key={text}>{text}</li>
            ))}
          </ul>
        )}
        {submitting && <p className={C.status}>{trans.__('Submitting…')}</p>}
      </div>
      {problem && <ProblemView problem={problem} busy={false} trans={trans} />}
    </>
  );
}
