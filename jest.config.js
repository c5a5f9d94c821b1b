const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft/fast',
  '@jupyterlab/',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  // Three of waitFor's deadlines (src/__tests__/dom.ts, WAIT_MS): a slow CI
  // machine renders slowly, and a timeout should name what never appeared.
  testTimeout: 3 * 4000 * Number(process.env.UCDH_TEST_PATIENCE || 5),
  // Only src/ holds tests; crawling .venv and the built labextension makes
  // jest-haste-map report duplicate package.json names.
  roots: ['<rootDir>/src'],
  testRegex: 'src/.*/.*.spec.ts[x]?$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
