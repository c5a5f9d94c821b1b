/**
 * The parts of the run dialog that show what the notebook brings along:
 * its parameters, the files of its folder and the environment to install.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IInstanceType } from '../compute/api';
import type { IRunEnvironment, IRunFile, IRunPrepare } from './api';
import { CSS } from '../tokens';
import { formatBytes } from '../common/format';
import { checkedByDefault, IRerun, parameterText } from './model';

const C = CSS.RunDialog;

/** Initial parameter texts: the notebook's defaults, then an earlier run's values. */
export function initialTexts(
  prepare: IRunPrepare,
  initial?: IRerun
): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const [name, value] of Object.entries(prepare.parameters)) {
    const earlier = initial?.parameters?.[name];
    texts[name] = parameterText(earlier === undefined ? value : earlier);
  }
  return texts;
}

/** Files checked at first: an earlier run's, else all but secrets and run outputs. */
export function initialChecked(
  prepare: IRunPrepare,
  initial?: IRerun
): Set<string> {
  if (initial?.files) {
    const wanted = new Set(initial.files);
    return new Set(
      prepare.files.filter(f => wanted.has(f.path)).map(f => f.path)
    );
  }
  return new Set(prepare.files.filter(checkedByDefault).map(f => f.path));
}

/** Above this total the dialog suggests S3 even when the admin allows more. */
export const FILES_WARNING_BYTES = 100 * 1000 * 1000;

/** Props of {@link RuntimeFields}. */
export interface IRuntimeFieldsProps {
  /** The expected runtime as typed: `1-2`, `0.5`. */
  expectedText: string;
  expectedValid: boolean;
  onExpected: (text: string) => void;
  /** The max runtime shown: as typed, else the server's default. */
  maxText: string;
  maxValid: boolean;
  /** Empty text: back to the default (twice the expected end). */
  onMax: (text: string) => void;
  /** How the server chose the max runtime (e.g. capped by the admin). */
  note: string | null;
  /** What happens at the max runtime. */
  stops: string;
  trans: TranslationBundle;
}

/**
 * The expected runtime (what the expected cost is for) and the max runtime
 * (what the maximum cost and the budget are for); the max follows the
 * expected runtime until the researcher types one.
 */
export function RuntimeFields(props: IRuntimeFieldsProps): JSX.Element {
  const { trans } = props;
  const id = React.useId();
  return (
    <div className={`${CSS.RunDialog.grid} ${CSS.RunDialog.runtime}`}>
      <label htmlFor={`${id}-expected`}>
        {trans.__('Expected runtime (hours)')}
      </label>
      <input
        id={`${id}-expected`}
        className={`${CSS.RunDialog.expected} jp-mod-styled`}
        type="text"
        inputMode="decimal"
        value={props.expectedText}
        aria-invalid={!props.expectedValid}
        aria-describedby={`${id}-expected-help`}
        onChange={event => props.onExpected(event.target.value)}
      />
      <span id={`${id}-expected-help`} className={CSS.RunDialog.help}>
        {trans.__('One value (2.5) or a range (1-3): the expected cost.')}
      </span>
      <label htmlFor={`${id}-hours`}>{trans.__('Max runtime (hours)')}</label>
      <input
        id={`${id}-hours`}
        className={`${C.hours} jp-mod-styled`}
        type="text"
        inputMode="decimal"
        value={props.maxText}
        aria-invalid={!props.maxValid}
        aria-describedby={`${id}-hours-help`}
        onChange={event => props.onMax(event.target.value)}
      />
      <span id={`${id}-hours-help`} className={CSS.RunDialog.help}>
        {props.note ? `${props.note} ` : ''}
        {props.stops}
      </span>
    </div>
  );
}

/** Props of {@link ParameterInputs}. */
export interface IParameterInputsProps {
  names: string[];
  /** The text of `name`'s input. */
  value: (name: string) => string;
  onChange: (name: string, text: string) => void;
  /** Classes added to each input's `jp-mod-styled`. */
  className?: string;
  placeholder?: (name: string) => string | undefined;
  title?: (name: string) => string | undefined;
  /** Given to the first input (to focus it). */
  firstRef?: React.Ref<HTMLInputElement>;
  /** Below the inputs, in the grid (a help line). */
  children?: React.ReactNode;
}

/**
 * A labelled text input per parameter name, in the run dialog's grid: the
 * parameters of a run, a sweep's values per parameter, a schedule's parameters.
 */
export function ParameterInputs(props: IParameterInputsProps): JSX.Element {
  const id = React.useId();
  const className = props.className
    ? `${props.className} jp-mod-styled`
    : 'jp-mod-styled';
  return (
    <div className={CSS.RunDialog.grid}>
      {props.names.map((name, index) => (
        <React.Fragment key={name}>
          <label htmlFor={`${id}-${index}`}>
            <code>{name}</code>
          </label>
          <input
            id={`${id}-${index}`}
            ref={index === 0 ? props.firstRef : undefined}
            className={className}
            type="text"
            data-parameter={name}
            value={props.value(name)}
            placeholder={props.placeholder?.(name)}
            title={props.title?.(name)}
            onChange={event => props.onChange(name, event.target.value)}
          />
        </React.Fragment>
      ))}
      {props.children}
    </div>
  );
}

/** Props of {@link ParametersField}. */
export interface IParametersFieldProps {
  defaults: Record<string, unknown>;
  texts: Record<string, string>;
  onChange: (texts: Record<string, string>) => void;
  trans: TranslationBundle;
}

/** One labelled input per parameter of the notebook's `parameters` cell. */
export function ParametersField(props: IParametersFieldProps): JSX.Element {
  const { defaults, texts, onChange, trans } = props;
  const names = Object.keys(defaults);
  return (
    <fieldset className={C.parameters}>
      <legend>{trans.__('Parameters')}</legend>
      {names.length === 0 ? (
        <p className={CSS.RunDialog.help}>
          {trans.__(
            'No parameters cell: the notebook runs as saved. To pass values, tag the cell that sets them with "parameters".'
          )}
        </p>
      ) : (
        <ParameterInputs
          names={names}
          value={name => texts[name] ?? ''}
          placeholder={name =>
            defaults[name] === null
              ? trans.__('default as in the notebook')
              : undefined
          }
          title={name =>
            trans.__('Default: %1', parameterText(defaults[name]) || 'None')
          }
          onChange={(name, text) => onChange({ ...texts, [name]: text })}
        />
      )}
    </fieldset>
  );
}

/** Props of {@link FilesField}. */
export interface IFilesFieldProps {
  files: IRunFile[];
  checked: ReadonlySet<string>;
  onChange: (checked: Set<string>) => void;
  /** The admin's limit on the total. */
  maxBytes: number;
  totalBytes: number;
  trans: TranslationBundle;
}

/** The files of the notebook's folder with sizes; secrets are flagged and unchecked. */
export function FilesField(props: IFilesFieldProps): JSX.Element {
  const { files, checked, onChange, maxBytes, totalBytes, trans } = props;
  const id = React.useId();
  const toggle = (path: string): void => {
    const next = new Set(checked);
    if (next.has(path)) {
      next.delete(path);
    } else {
      next.add(path);
    }
    onChange(next);
  };
  const secrets = files.filter(f => f.sensitive && checked.has(f.path));
  return (
    <fieldset className={C.files}>
      <legend>{trans.__('Files sent along')}</legend>
      {files.length === 0 ? (
        <p className={CSS.RunDialog.help}>
          {trans.__('The notebook is alone in its folder.')}
        </p>
      ) : (
        <>
          <div className={CSS.RunDialog.fileActions}>
            <span aria-live="polite">
              {trans._n(
                '%2 of %1 file, %3',
                '%2 of %1 files, %3',
                files.length,
                checked.size,
                formatBytes(totalBytes)
              )}
            </span>
            <button
              type="button"
              className="jp-Button jp-mod-minimal"
              onClick={() =>
                onChange(
                  new Set(files.filter(f => !f.sensitive).map(f => f.path))
                )
              }
            >
              {trans.__('All but secrets')}
            </button>
            <button
              type="button"
              className="jp-Button jp-mod-minimal"
              onClick={() => onChange(new Set())}
            >
              {trans.__('None')}
            </button>
          </div>
          <ul className={CSS.RunDialog.fileList}>
            {files.map((file, index) => (
              <li key={file.path} data-path={file.path}>
                <input
                  id={`${id}-${index}`}
                  type="checkbox"
                  checked={checked.has(file.path)}
                  onChange={() => toggle(file.path)}
                />
                <label htmlFor={`${id}-${index}`}>{file.path}</label>
                {file.sensitive && (
                  <span
                    className={CSS.RunDialog.secret}
                    title={trans.__(
                      'Looks like a secret (keys, tokens, .env): not sent unless you check it.'
                    )}
                  >
                    {trans.__('secret?')}
                  </span>
                )}
                <span className={CSS.RunDialog.size}>
                  {formatBytes(file.size)}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {totalBytes > maxBytes ? (
        <p className={`${C.filesWarning} jp-mod-over`} role="alert">
          {trans.__(
            'These files total %1, above the %2 limit. Put large inputs in S3 and read them from the notebook.',
            formatBytes(totalBytes),
            formatBytes(maxBytes)
          )}
        </p>
      ) : (
        totalBytes > FILES_WARNING_BYTES && (
          <p className={C.filesWarning}>
            {trans.__(
              '%1 to upload with every run: large inputs are better read from S3.',
              formatBytes(totalBytes)
            )}
          </p>
        )
      )}
      {secrets.length > 0 && (
        <p className={C.filesWarning} role="alert">
          {trans.__(
            'You are sending files that look like secrets: %1. They are stored encrypted with the run, but anyone with access to the runs bucket can read them.',
            secrets.map(f => f.path).join(', ')
          )}
        </p>
      )}
    </fieldset>
  );
}

/** Where the installed packages come from, and what could not be pinned. */
export function EnvironmentSummary(props: {
  environment: IRunEnvironment;
  trans: TranslationBundle;
}): JSX.Element {
  const { environment, trans } = props;
  const count = environment.packages.length;
  return (
    <section className={C.environment} aria-label={trans.__('Environment')}>
      <h3>{trans.__('Environment')}</h3>
      <p>
        {count === 0
          ? trans.__(
              'No packages to install beyond papermill (%1).',
              environment.source
            )
          : trans._n(
              '%1 package, from %2.',
              '%1 packages, from %2.',
              count,
              environment.source
            )}
      </p>
      {count > 0 && (
        <details>
          <summary>{trans.__('Show packages')}</summary>
          <ul className={CSS.RunDialog.packages}>
            {environment.packages.map(line => (
              <li key={line}>
                <code>{line}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
      {environment.problem && (
        <p className={CSS.RunDialog.unresolved} role="alert">
          {environment.problem}
        </p>
      )}
      {environment.unresolved.length > 0 && (
        <p className={CSS.RunDialog.unresolved}>
          {trans.__(
            'Not installed (no package here provides them): %1. Send their files along, or add a requirements.txt.',
            environment.unresolved.join(', ')
          )}
        </p>
      )}
    </section>
  );
}

/**
 * One line: the Python the machine installs (the notebook kernel's), and when
 * the image cannot offer that one, which it uses and why.
 */
export function RunPython(props: {
  python: IRunPrepare['python'];
  trans: TranslationBundle;
}): JSX.Element | null {
  const { python, trans } = props;
  if (!python.version && !python.note) {
    return null; // an R notebook: the image's own Python
  }
  return (
    <p className={CSS.RunDialog.python}>
      {python.note ??
        trans.__(
          'The machine runs Python %1, as your kernel.',
          python.version ?? ''
        )}
    </p>
  );
}

/** One line: which image the machine boots (GPU types boot one with a GPU driver). */
export function MachineImage(props: {
  images: IRunPrepare['images'];
  type: IInstanceType | null;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { images, type, trans } = props;
  const image = type && type.gpu_count > 0 ? images.gpu : images.standard;
  return (
    <p className={CSS.RunDialog.image} title={image.source}>
      {trans.__('The machine boots %1.', image.name)}
    </p>
  );
}

/** One line: where the machine installs the notebook's packages from. */
export function PackageSourceLine(props: {
  source: IRunPrepare['package_source'];
  trans: TranslationBundle;
}): JSX.Element | null {
  const { source, trans } = props;
  if (!source) {
    return null; // runs are off: nothing installs anything
  }
  return (
    <p className={CSS.RunDialog.packageSource}>
      {trans.__('Packages from: %1.', source.label)}
    </p>
  );
}
