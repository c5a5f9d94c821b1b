/**
 * Galata in Debian's Chromium (Playwright cannot download its own browser here).
 * Two JupyterLab servers run the demo: one at the root URL, one under the base URL
 * SageMaker Studio uses (/jupyterlab/default/).
 *
 * Both take free ports, so the tests run while a developer's `make demo` holds 8888.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const {
  freePorts,
  gracefulShutdown,
  patient,
  sharedUse
} = require('./galata-common');

// Playwright loads this file in its main process and again in each worker: the ports are
// chosen once, in the main process, and reach the workers (and the servers) by environment.
if (!process.env.UCDH_GALATA_PORT || !process.env.UCDH_GALATA_BASE_URL_PORT) {
  [process.env.UCDH_GALATA_PORT, process.env.UCDH_GALATA_BASE_URL_PORT] =
    freePorts(2);
}
const port = process.env.UCDH_GALATA_PORT;
const baseUrlPort = process.env.UCDH_GALATA_BASE_URL_PORT;

// Each server keeps its workspace under the project's name, whatever its port.
const demo = (port, name, extra) =>
  `cd .. && .venv/bin/ucdh-jupyter demo --no-browser --port ${port} ` +
  `--root ui-tests/.workspace-${name} --config ui-tests/jupyter_server_test_config.py ${extra}`;

module.exports = {
  ...baseConfig,
  timeout: patient(30_000),
  // Playwright's default of 5 s is a quiet machine's; CI is slower.
  expect: { timeout: patient(2_000) },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: sharedUse(baseConfig),
  projects: [
    {
      name: 'root',
      testIgnore: /base-url/,
      use: { baseURL: `http://127.0.0.1:${port}` }
    },
    {
      name: 'base-url',
      testMatch: /base-url/,
      use: { baseURL: `http://127.0.0.1:${baseUrlPort}/jupyterlab/default` }
    }
  ],
  webServer: [
    {
      command: demo(port, 'root', ''),
      url: `http://127.0.0.1:${port}/lab`,
      timeout: patient(40_000),
      reuseExistingServer: false,
      gracefulShutdown
    },
    {
      command: demo(baseUrlPort, 'base-url', '--base-url /jupyterlab/default/'),
      url: `http://127.0.0.1:${baseUrlPort}/jupyterlab/default/lab`,
      timeout: patient(40_000),
      reuseExistingServer: false,
      gracefulShutdown
    }
  ]
};
