/**
 * Galata in Debian's Chromium (Playwright cannot download its own browser here).
 * Two JupyterLab servers run the demo: one at the root URL, one under the base URL
 * SageMaker Studio uses (/jupyterlab/default/).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const launchOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic'
  ]
};

const demo = (port, extra) =>
  `cd .. && .venv/bin/ucdh-jupyter demo --no-browser --port ${port} ` +
  `--root ui-tests/.workspace-${port} --config ui-tests/jupyter_server_test_config.py ${extra}`;

module.exports = {
  ...baseConfig,
  timeout: 90000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    launchOptions,
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure'
  },
  projects: [
    {
      name: 'root',
      testIgnore: /base-url/,
      use: { baseURL: 'http://127.0.0.1:8888' }
    },
    {
      name: 'base-url',
      testMatch: /base-url/,
      use: { baseURL: 'http://127.0.0.1:8889/jupyterlab/default' }
    }
  ],
  webServer: [
    {
      command: demo(8888, ''),
      url: 'http://127.0.0.1:8888/lab',
      timeout: 120000,
      reuseExistingServer: false
    },
    {
      command: demo(8889, '--base-url /jupyterlab/default/'),
      url: 'http://127.0.0.1:8889/jupyterlab/default/lab',
      timeout: 120000,
      reuseExistingServer: false
    }
  ]
};
