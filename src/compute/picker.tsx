/**
 * The instance picker: presets, filters, the catalog table, a price chart and
 * the estimate of the selected type, with the price source always in view.
 *
 * It is a plain React component so the run dialogs can embed it; the sidebar
 * wraps it in {@link ComputeSection}.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  Backend,
  ICatalog,
  ICatalogQuery,
  IComputeLimits,
  IComputePreset,
  IEstimate,
  IInstanceType,
  IPriceSource
} from './api';
import { useUcdhClient } from '../client';
import { UcdhRequestError } from '../request';
import { CSS } from '../tokens';
import { PriceChart } from './chart';
import { EstimatePanel } from './estimate';
import { FilterForm, PresetBar } from './filters';
import { formatNumber } from '../common/format';
import {
  DEFAULT_ESTIMATE_FORM,
  EMPTY_FILTERS,
  filtersToQuery,
  formatRate,
  IEstimateForm,
  IFilterForm,
  ISort,
  nextSort,
  queryToFilters,
  SortKey,
  sortFromQuery,
  sortTypes
} from './model';
import { priceSourceLabel } from './prices';
import { ProblemView } from '../common/problemview';
import { CatalogTable } from './table';
import { useRequest } from '../common/useRequest';

const C = CSS.Compute;

/** Props of {@link InstancePicker}. */
export interface IInstancePickerProps {
  trans: TranslationBundle;
  /**
   * Called when the choice changes: the selected type when it may be
   * launched, `null` when nothing is selected or the admin does not allow it.
   */
  onChange?: (type: IInstanceType | null) => void;
  /** Type selected at first, e.g. the one a run dialog last used. */
  initialType?: string;
  /** Wait after typing before asking the server, in ms. */
  debounceMs?: number;
  /** Price for this backend only, without offering the choice (a run dialog has its own). */
  backend?: Backend;
  /** Databricks workers set by the caller (a run dialog has its own field): the
   * estimate uses them and offers no input of its own. */
  workers?: number;
  /** Disk in GB set by the caller (a run's volume): used, and no input offered. */
  ebsGb?: number;
  /** Leave out the price chart, where space is tight. */
  compact?: boolean;
  /** Leave out the estimate: the caller shows its own cost (the run dialog). */
  noEstimate?: boolean;
  /** Called with each estimate of the selected type; null while there is none. */
  onEstimate?: (estimate: IEstimate | null) => void;
}

const DEFAULT_SORT: ISort = { key: 'name', order: 'asc' };

/** Pick an instance type by preset, filters or table, and see what a job on it costs. */
export function InstancePicker(props: IInstancePickerProps): JSX.Element {
  const { trans, onChange } = props;
  const client = useUcdhClient();
  const debounceMs = props.debounceMs ?? 300;
  const [filters, setFilters] = React.useState<IFilterForm>(EMPTY_FILTERS);
  const [sort, setSort] = React.useState<ISort>(DEFAULT_SORT);
  const [preset, setPreset] = React.useState<string | null>(null);
  const [selectedName, setSelectedName] = React.useState<string | null>(
    props.initialType ?? null
  );
  const [formState, setEstimateForm] = React.useState<IEstimateForm>(
    DEFAULT_ESTIMATE_FORM
  );
  const estimateForm: IEstimateForm = {
    ...formState,
    backend: props.backend ?? formState.backend,
    workers:
      props.workers !== undefined ? String(props.workers) : formState.workers,
    ebs_gb: props.ebsGb !== undefined ? String(props.ebsGb) : formState.ebs_gb
  };
  // An estimate may carry newer prices than the catalog it was made from.
  const [estimatePrices, setEstimatePrices] = React.useState<{
    prices: IPriceSource;
    catalog: ICatalog | null;
  } | null>(null);

  const query: ICatalogQuery = filtersToQuery(filters);
  if (estimateForm.backend !== 'ec2') {
    query.backend = estimateForm.backend;
  }
  const key = JSON.stringify(query);
  const loaded = React.useRef(false);
  const catalog = useRequest<ICatalog>(
    signal => client.compute.getCatalog(query, signal).then(checkCatalog),
    key,
    loaded.current ? debounceMs : 0
  );
  const data = catalog.data;
  loaded.current = loaded.current || data !== null;

  const dataRef = React.useRef(data);
  dataRef.current = data;
  const onPrices = React.useCallback(
    (prices: IPriceSource) =>
      setEstimatePrices({ prices, catalog: dataRef.current }),
    []
  );
  const prices =
    estimatePrices && estimatePrices.catalog === data
      ? estimatePrices.prices
      : (data?.prices ?? null);

  const sorted = React.useMemo(
    () => (data ? sortTypes(data.types, sort) : []),
    [data, sort]
  );
  const selectedType = React.useMemo(
    () => data?.types.find(t => t.name === selectedName) ?? null,
    [data, selectedName]
  );
  // Keep the last known object: a filter may hide the selected type from the list.
  const lastSelected = React.useRef<IInstanceType | null>(null);
  if (selectedType) {
    lastSelected.current = selectedType;
  } else if (lastSelected.current?.name !== selectedName) {
    lastSelected.current = null;
  }
  const shownType = lastSelected.current;

  React.useEffect(() => {
    onChange?.(shownType && shownType.allowed ? shownType : null);
  }, [shownType?.name, shownType?.allowed]);

  const onSelect = React.useCallback(
    (type: IInstanceType) => setSelectedName(type.name),
    []
  );
  const onSort = React.useCallback(
    (sortKey: SortKey) => setSort(current => nextSort(current, sortKey)),
    []
  );
  const onFilters = (form: IFilterForm): void => {
    setFilters(form);
    setPreset(null);
  };
  const onPreset = (chosen: IComputePreset): void => {
    setFilters(queryToFilters(chosen.filters));
    setSort(sortFromQuery(chosen.filters) ?? DEFAULT_SORT);
    setPreset(chosen.key);
    setSelectedName(chosen.instance_type);
  };
  const { families, gpuModels } = React.useMemo(
    () => suggestions(data?.types ?? []),
    [data]
  );

  return (
    <div className={C.root}>
      <div className={CSS.Compute.header}>
        <span
          className={CSS.priceSource}
          data-source={prices?.source}
          title={prices?.detail}
        >
          {prices
            ? priceSourceLabel(prices, data?.region ?? null, trans)
            : trans.__('Prices: loading…')}
        </span>
      </div>
      {data && (
        <PresetBar
          presets={data.presets}
          active={preset}
          onChoose={onPreset}
          trans={trans}
        />
      )}
      {catalog.error && (
        <ProblemView
          problem={catalog.error}
          busy={catalog.busy}
          onRetry={catalog.retry}
          trans={trans}
        />
      )}
      {!data && !catalog.error && (
        <p className={C.status}>{trans.__('Loading machine sizes…')}</p>
      )}
      {data && (
        <>
          <FilterForm
            form={filters}
            onChange={onFilters}
            families={families}
            gpuModels={gpuModels}
            trans={trans}
          />
          <p className={C.summary} aria-live="polite" aria-busy={catalog.busy}>
            {data.workspace_node_types
              ? trans.__(
                  '%1 of the %2 node types your Databricks workspace offers in %3.',
                  formatNumber(data.count),
                  formatNumber(data.total),
                  data.region
                )
              : trans.__(
                  '%1 of %2 types in %3.',
                  formatNumber(data.count),
                  formatNumber(data.total),
                  data.region
                )}
            {data.backend === 'databricks' &&
              ` ${trans.__('Prices per node include Databricks DBUs.')}`}
            {catalog.busy && ` ${trans.__('(updating…)')}`}
          </p>
          <LimitsNote limits={data.limits} trans={trans} />
          {data.types.length === 0 ? (
            <div className={C.status}>
              <p>
                {data.total === 0
                  ? trans.__(
                      'No instance types are offered in %1.',
                      data.region
                    )
                  : trans.__('No machine sizes match these filters.')}
              </p>
              {data.total > 0 && (
                <button
                  type="button"
                  className="jp-Button jp-mod-styled"
                  onClick={() => onFilters(EMPTY_FILTERS)}
                >
                  {trans.__('Clear filters')}
                </button>
              )}
            </div>
          ) : (
            <CatalogTable
              types={sorted}
              sort={sort}
              onSort={onSort}
              selected={selectedName}
              onSelect={onSelect}
              busy={catalog.busy}
              trans={trans}
            />
          )}
          {shownType && !props.noEstimate && (
            <EstimatePanel
              type={shownType}
              form={estimateForm}
              onFormChange={setEstimateForm}
              limits={data.limits}
              fixedBackend={props.backend !== undefined}
              fixedWorkers={props.workers !== undefined}
              fixedEbs={props.ebsGb !== undefined}
              onEstimate={props.onEstimate}
              onPrices={onPrices}
              debounceMs={debounceMs}
              trans={trans}
            />
          )}
          {!props.compact && (
            <PriceChart
              types={data.types}
              selected={selectedName}
              onSelect={onSelect}
              trans={trans}
            />
          )}
        </>
      )}
    </div>
  );
}

/** Refuse a reply that is not a catalog (an older server, a proxy) rather than crash on it. */
function checkCatalog(catalog: ICatalog): ICatalog {
  if (!Array.isArray(catalog?.types) || !Array.isArray(catalog.presets)) {
    throw new UcdhRequestError(
      'The server sent something other than an instance catalog.',
      200,
      'invalid_response',
      'The ucdh_jupyter server extension may be older than this page; reload after updating it.'
    );
  }
  return catalog;
}

/** The administrator's limits in one line; nothing when there are none. */
function LimitsNote(props: {
  limits: IComputeLimits;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { limits, trans } = props;
  const parts: string[] = [];
  if (limits.max_price_per_hour !== null) {
    parts.push(trans.__('up to %1/h', formatRate(limits.max_price_per_hour)));
  }
  if (limits.max_gpus !== null) {
    parts.push(trans.__('up to %1 GPUs', limits.max_gpus));
  }
  if (limits.allowed_families.length > 0) {
    parts.push(trans.__('families %1', limits.allowed_families.join(', ')));
  }
  if (limits.allowed_types.length > 0) {
    parts.push(trans.__('types %1', limits.allowed_types.join(', ')));
  }
  if (parts.length === 0) {
    return null;
  }
  return (
    <p className={CSS.Compute.limits}>
      {trans.__('Your administrator allows %1.', parts.join('; '))}
    </p>
  );
}

/** Distinct families and GPU models of the listed types, for the filter suggestions. */
function suggestions(types: IInstanceType[]): {
  families: string[];
  gpuModels: string[];
} {
  const families = new Set<string>();
  const gpuModels = new Set<string>();
  for (const type of types) {
    families.add(type.family);
    if (type.gpu_model) {
      gpuModels.add(type.gpu_model);
    }
  }
  return {
    families: [...families].sort(),
    gpuModels: [...gpuModels].sort()
  };
}
