/** The instance picker: catalog, presets, chart and cost estimate. */
export * from './chart';
export * from './estimate';
export * from './filters';
export * from './model';
export * from './picker';
export * from './table';
export * from './widget';
