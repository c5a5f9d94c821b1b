/** Runs: the Run on AWS dialog, the Runs section and their logic. */
export * from './backendfields';
export * from './backends';
export * from './checks';
export * from './choices';
export * from './cost';
export * from './dialog';
export * from './fields';
export * from './form';
export * from './list';
export * from './log';
export * from './model';
export * from './poller';
export * from './section';
