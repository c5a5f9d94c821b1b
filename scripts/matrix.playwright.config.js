/**
 * Galata config of `make matrix` (scripts/matrix.sh): one demo server started
 * from the matrix venv UCDH_MATRIX_VENV on a free port, the JupyterLab smoke
 * spec (@smoke) and, when UCDH_MATRIX_NOTEBOOK=1, the Notebook 7 smoke test.
 * Run from ui-tests/ (its node_modules hold galata and Playwright).
 */
const path = require('path');

const uiTests = path.resolve(__dirname, '..', 'ui-tests');
const baseConfig = require(
  require.resolve('@jupyterlab/galata/lib/playwright-config', {
    paths: [uiTests]
  })
);

const { freePorts, gracefulShutdown, patient, sharedUse } = require(
  path.join(uiTests, 'galata-common')
);

const venv = process.env.UCDH_MATRIX_VENV;
const workspace = process.env.UCDH_MATRIX_ROOT;
if (!venv || !workspace) {
  throw new Error(
    'Set UCDH_MATRIX_VENV and UCDH_MATRIX_ROOT (see scripts/matrix.sh).'
  );
}

// Chosen once in the main process; workers read it back from the environment.
if (!process.env.UCDH_MATRIX_PORT) {
  [process.env.UCDH_MATRIX_PORT] = freePorts(1);
}
const port = process.env.UCDH_MATRIX_PORT;
const baseURL = `http://127.0.0.1:${port}`;

const projects = [
  {
    name: 'jupyterlab',
    testMatch: /smoke\.spec\.ts$/,
    grep: /@smoke/,
    use: { baseURL }
  }
];
if (process.env.UCDH_MATRIX_NOTEBOOK === '1') {
  projects.push({
    name: 'notebook7',
    testMatch: /smoke-notebook7\.ts$/,
    use: { baseURL: `${baseURL}/` }
  });
}

module.exports = {
  ...baseConfig,
  testDir: path.join(uiTests, 'tests'),
  outputDir: path.join(workspace, 'test-results'),
  timeout: patient(30_000),
  expect: { timeout: patient(2_000) },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: sharedUse(baseConfig),
  projects,
  webServer: {
    command:
      `${venv}/bin/ucdh-jupyter demo --no-browser --port ${port} ` +
      `--root ${workspace}/root --config ${uiTests}/jupyter_server_test_config.py`,
    cwd: workspace,
    url: `${baseURL}/lab`,
    timeout: patient(60_000),
    reuseExistingServer: false,
    gracefulShutdown
  }
};
