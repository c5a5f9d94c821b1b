/**
 * The body of the run dialog: backend, machine (the instance picker), max
 * runtime, parameters, files, environment and what the run may cost.
 *
 * The form asks the server to `prepare` the notebook once, then submits with
 * the id that answer carried, so a double submit launches a single machine.
 */
import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  Backend,
  getConfig,
  IConfig,
  IEstimate,
  IInstanceType,
  IProblem,
  IRun,
  IRunPrepare,
  IRunRequest,
  prepareRun,
  submitRun
} from '../api';
import { InstancePicker } from '../compute/picker';
import { formatCost, formatNumber } from '../compute/model';
import { ProblemView } from '../compute/problem';
import { useRequest } from '../compute/useRequest';
import { toProblem } from '../sidebar/statusheader';
import { CSS } from '../tokens';
import { CostSummary } from './cost';
import {
  EnvironmentSummary,
  FilesField,
  initialChecked,
  initialTexts,
  ParametersField
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
      {!prepare && !prepared.error && (
        <p className={C.status}>{trans.__('Reading the notebook…')}</p>
      )}
      {prepare ? (
        <PreparedForm
          {...props}
          prepare={prepare}
          refused={notice?.message ?? null}
        />
      ) : (
        <Unprepared registerSubmit={props.registerSubmit} />
      )}
    </div>
  );
}

/** Why no run can be submitted here at all, from the admin's settings. */
function runsNotice(
  config: IConfig | null,
  trans: TranslationBundle
): IProblem | null {
  if (config?.runs?.enabled === false) {
    return {
      status: 403,
      code: 'runs_disabled',
      message: trans.__('Running notebooks on AWS is turned off here.'),
      hint: trans.__('Ask your administrator if you need it.')
    };
  }
  if (config?.runs?.configured === false) {
    return {
      status: 400,
      code: 'runs_not_configured',
      message: trans.__(
        'No runs bucket is configured, so notebooks cannot be run on AWS yet.'
      ),
      hint: trans.__('Ask your administrator to set `UcdhConfig.runs_bucket`.')
    };
  }
  return null;
}

/** Until the notebook is read there is nothing to submit. */
function Unprepared(props: {
  registerSubmit: (submit: SubmitFn) => void;
}): null {
  props.registerSubmit(async () => null);
  return null;
}

/** Type last chosen in this page, offered first next time. */
let lastInstanceType: string | undefined;

/** The form once the server has read the notebook. */
function PreparedForm(
  props: IRunFormProps & { prepare: IRunPrepare; refused: string | null }
): JSX.Element {
  const { prepare, initial, trans, serverSettings } = props;
  const id = React.useId();
  const cap = prepare.max_hours_cap;
  const [backend, setBackend] = React.useState<Backend>('ec2');
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

  const hours = parseMaxHours(hoursText, cap);
  // The server prices the run as it will check it on submit; until it
  // answers, the catalog's rate gives the same figure.
  const costQuery =
    type && hours.ok
      ? { instance_type: type.name, backend, max_hours: hours.hours }
      : null;
  const priced = useRequest<IRunPrepare>(
    costQuery
      ? signal =>
          prepareRun(prepare.notebook_path, serverSettings, signal, costQuery)
      : null,
    JSON.stringify(costQuery),
    props.debounceMs ?? 300
  );
  const cost =
    priced.data?.cost &&
    costQuery &&
    priced.data.cost.instance_type === costQuery.instance_type &&
    priced.data.cost.max_hours === costQuery.max_hours
      ? priced.data.cost
      : null;
  const rate = cost ? cost.rate_usd_per_hour : (type?.price_per_hour ?? null);
  const most = cost
    ? cost.max_cost_usd
    : hours.ok
      ? maxCost(rate, hours.hours)
      : null;
  const totalBytes = selectedBytes(prepare.files, checked);
  const maxBytes = prepare.max_files_mb * MB;
  const budget = prepare.budget_usd;

  const blockers: string[] = [];
  if (props.refused) {
    blockers.push(props.refused);
  }
  if (cost && !cost.allowed) {
    blockers.push(
      trans.__(
        'Your administrator does not allow %1: %2',
        cost.instance_type,
        cost.reason ?? ''
      )
    );
  }
  if (!type) {
    blockers.push(trans.__('Choose a machine type.'));
  }
  if (!hours.ok) {
    blockers.push(
      hours.error === 'cap'
        ? trans.__(
            'The max runtime is at most %1 hours here.',
            formatNumber(cap)
          )
        : trans.__('Enter the max runtime in hours, e.g. 2.')
    );
  }
  if (budget !== null && most !== null && most > budget) {
    blockers.push(
      trans.__(
        'The maximum cost %1 is above the %2 budget per run: choose a smaller machine or a shorter max runtime.',
        formatCost(most),
        formatCost(budget)
      )
    );
  }
  if (budget !== null && type && rate === null) {
    blockers.push(
      trans.__(
        'The price of %1 is unknown, so the budget cannot be checked.',
        type.name
      )
    );
  }
  if (totalBytes > maxBytes) {
    blockers.push(trans.__('Send fewer files (see above).'));
  }

  const submit: SubmitFn = async () => {
    if (submitting) {
      return null;
    }
    setAttempted(true);
    if (blockers.length > 0 || !type || !hours.ok) {
      return null;
    }
    const files = prepare.files
      .filter(f => checked.has(f.path))
      .map(f => f.path);
    const body: IRunRequest = {
      notebook_path: prepare.notebook_path,
      instance_type: type.name,
      max_hours: hours.hours,
      parameters: changedParameters(prepare.parameters, texts),
      files,
      include_sensitive: prepare.files.some(
        f => f.sensitive && checked.has(f.path)
      ),
      backend,
      count: 1,
      run_id: runId.current
    };
    setSubmitting(true);
    setProblem(null);
    try {
      const run = await submitRun(body, serverSettings);
      lastInstanceType = type.name;
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
      <fieldset className={C.backend}>
        <legend>{trans.__('Runs on')}</legend>
        <label>
          <input
            type="radio"
            name={`${id}-backend`}
            value="ec2"
            checked={backend === 'ec2'}
            onChange={() => setBackend('ec2')}
          />
          {trans.__('EC2: one machine, only while the notebook runs')}
        </label>
        <label className="jp-mod-disabled">
          <input
            type="radio"
            name={`${id}-backend`}
            value="databricks"
            disabled
          />
          {trans.__('Databricks (not configured)')}
        </label>
      </fieldset>
      <section
        className="jp-ucdh-RunDialog-machine"
        aria-label={trans.__('Machine')}
      >
        <h3>{trans.__('Machine and expected cost')}</h3>
        <InstancePicker
          trans={trans}
          serverSettings={serverSettings}
          initialType={initial?.instance_type ?? lastInstanceType}
          backend={backend}
          compact
          onChange={setType}
          onEstimate={setEstimate}
          debounceMs={props.debounceMs}
        />
      </section>
      <div className="jp-ucdh-RunDialog-grid">
        <label htmlFor={`${id}-hours`}>{trans.__('Max runtime (hours)')}</label>
        <input
          id={`${id}-hours`}
          className={`${C.hours} jp-mod-styled`}
          type="text"
          inputMode="decimal"
          value={hoursText}
          aria-invalid={!hours.ok}
          aria-describedby={`${id}-hours-help`}
          onChange={event => setHoursText(event.target.value)}
        />
        <span id={`${id}-hours-help`} className="jp-ucdh-RunDialog-help">
          {trans.__(
            'The machine is terminated after this, whatever happens (at most %1 h).',
            formatNumber(cap)
          )}
        </span>
      </div>
      <ParametersField
        defaults={prepare.parameters}
        texts={texts}
        onChange={setTexts}
        trans={trans}
      />
      <FilesField
        files={prepare.files}
        checked={checked}
        onChange={setChecked}
        maxBytes={maxBytes}
        totalBytes={totalBytes}
        trans={trans}
      />
      <EnvironmentSummary environment={prepare.environment} trans={trans} />
      <CostSummary
        type={type}
        hours={hours.ok ? hours.hours : null}
        rate={rate}
        most={most}
        cost={cost}
        estimate={estimate}
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
