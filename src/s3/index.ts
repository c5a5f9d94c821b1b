/** S3: the sidebar's data browser, its API wrappers and logic. */
export * from './actions';
export * from './api';
export * from './browser';
export * from './folder';
export * from './model';
export * from './paging';
export * from './rows';
export * from './section';
export * from './uploads';
