/** The sidebar: panel, status header and section registry. */
export * from './features';
export * from './sections';
export * from './sidebar';
export * from './statusheader';
