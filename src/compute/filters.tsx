/**
 * The controls above the catalog table: plain-language presets for newcomers
 * and the filter form for everyone else.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IComputePreset } from './api';
import { CSS } from '../tokens';
import { EMPTY_FILTERS, IFilterForm } from './model';

const C = CSS.Compute;

/** Props of {@link PresetBar}. */
export interface IPresetBarProps {
  presets: IComputePreset[];
  active: string | null;
  onChoose: (preset: IComputePreset) => void;
  trans: TranslationBundle;
}

/**
 * One compact button per preset; what it is good for is in its tooltip, and
 * shown in full below the buttons once chosen.
 */
export function PresetBar(props: IPresetBarProps): JSX.Element | null {
  const { presets, active, onChoose, trans } = props;
  if (presets.length === 0) {
    return null;
  }
  const chosen = presets.find(preset => preset.key === active);
  return (
    <div className={CSS.Compute.presetBar}>
      <div
        className={C.presets}
        role="group"
        aria-label={trans.__('Starting points')}
      >
        {presets.map(preset => (
          <button
            key={preset.key}
            type="button"
            className={C.preset}
            data-preset={preset.key}
            aria-pressed={active === preset.key}
            title={preset.description}
            onClick={() => onChoose(preset)}
          >
            {preset.label}
          </button>
        ))}
      </div>
      <p className={CSS.Compute.presetText} aria-live="polite">
        {chosen
          ? chosen.instance_type
            ? trans.__(
                '%1 Suggested: %2.',
                chosen.description,
                chosen.instance_type
              )
            : chosen.description
          : trans.__(
              'New to AWS? Start with a size above, or filter the full list below.'
            )}
      </p>
    </div>
  );
}

/** Props of {@link FilterForm}. */
export interface IFilterFormProps {
  form: IFilterForm;
  onChange: (form: IFilterForm) => void;
  /** Suggestions for the free-text fields, from the catalog. */
  families: string[];
  gpuModels: string[];
  trans: TranslationBundle;
}

/** The filter fields; every input has a visible label. */
export function FilterForm(props: IFilterFormProps): JSX.Element {
  const { form, onChange, families, gpuModels, trans } = props;
  const id = React.useId();
  const set =
    (name: keyof IFilterForm) =>
    (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>): void =>
      onChange({ ...form, [name]: event.target.value });
  /** The props every filter control shares: id for its label, value, change handler. */
  const bind = (name: keyof IFilterForm) => ({
    id: `${id}-${name}`,
    className: 'jp-mod-styled',
    value: form[name],
    'data-filter': name,
    onChange: set(name)
  });
  const field = (
    name: keyof IFilterForm,
    label: string,
    control: JSX.Element
  ) => (
    <div className={CSS.Compute.field}>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      {control}
    </div>
  );
  const number = (
    name: 'min_vcpu' | 'min_memory_gib' | 'max_price',
    label: string,
    step: number
  ): JSX.Element =>
    field(
      name,
      label,
      <input {...bind(name)} type="number" min={0} step={step} />
    );
  const choice = (
    name: 'gpu' | 'arch',
    label: string,
    options: [string, string][]
  ): JSX.Element =>
    field(
      name,
      label,
      <select {...bind(name)}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    );
  /** Free text with the catalog's values as suggestions. */
  const suggest = (
    name: 'gpu_model' | 'family',
    label: string,
    example: string,
    values: string[]
  ): JSX.Element =>
    field(
      name,
      label,
      <>
        <input
          {...bind(name)}
          type="text"
          list={`${id}-${name}-values`}
          placeholder={example}
        />
        <datalist id={`${id}-${name}-values`}>
          {values.map(value => (
            <option key={value} value={value} />
          ))}
        </datalist>
      </>
    );
  const active = (Object.keys(form) as (keyof IFilterForm)[]).filter(
    name => form[name] !== EMPTY_FILTERS[name]
  ).length;

  return (
    <details className={C.filters}>
      <summary>
        {active > 0
          ? trans._n('Filters (%1 set)', 'Filters (%1 set)', active)
          : trans.__('Filters')}
      </summary>
      <div className={CSS.Compute.fields}>
        {number('min_vcpu', trans.__('Min vCPU'), 1)}
        {number('min_memory_gib', trans.__('Min memory (GiB)'), 1)}
        {choice('gpu', trans.__('GPU'), [
          ['any', trans.__('Any')],
          ['yes', trans.__('With GPU')],
          ['no', trans.__('No GPU')]
        ])}
        {suggest(
          'gpu_model',
          trans.__('GPU model'),
          trans.__('e.g. A10G'),
          gpuModels
        )}
        {choice('arch', trans.__('Processor'), [
          ['', trans.__('Any')],
          ['x86_64', trans.__('Intel/AMD (x86_64)')],
          ['arm64', trans.__('Graviton (arm64)')]
        ])}
        {suggest('family', trans.__('Family'), trans.__('e.g. m7i'), families)}
        {number('max_price', trans.__('Max $/hour'), 0.1)}
        <button
          type="button"
          className={`${CSS.Compute.clear} jp-Button jp-mod-styled`}
          disabled={active === 0}
          onClick={() => onChange(EMPTY_FILTERS)}
        >
          {trans.__('Clear filters')}
        </button>
      </div>
    </details>
  );
}
