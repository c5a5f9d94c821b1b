/**
 * What both galata configs share: Debian's Chromium (Playwright cannot download
 * its own browser here) and free ports for the demo servers they start, so the
 * tests run while a developer's `make demo` holds 8888. Used by
 * ui-tests/playwright.config.js and scripts/matrix.playwright.config.js.
 */
const { execFileSync } = require('child_process');

/** Debian's Chromium, headless-safe as root, without calls home. */
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

/** Browser settings of every project: the galata defaults, Chromium, no video or trace. */
function sharedUse(baseConfig) {
  return {
    ...baseConfig.use,
    launchOptions,
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure'
  };
}

/**
 * `count` distinct TCP ports on 127.0.0.1 that nothing listens on right now.
 * Synchronous (a config is a plain module), so a child node binds port 0
 * `count` times, holding each port while it takes the next.
 */
function freePorts(count) {
  const script = `
    const net = require('net');
    const listen = () => new Promise(ok => {
      const server = net.createServer().listen(0, '127.0.0.1', () => ok(server));
    });
    (async () => {
      const servers = [];
      for (let i = 0; i < ${Number(count)}; i++) servers.push(await listen());
      console.log(servers.map(server => server.address().port).join(' '));
      servers.forEach(server => server.close());
    })();`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    .trim()
    .split(' ');
}

/**
 * How Playwright stops a demo server it started: SIGTERM, so JupyterLab shuts its
 * kernels down and the demo stops its local AWS and Databricks. Without it, Playwright
 * sends SIGKILL, and a kernel (in its own session, as Jupyter starts them) survives:
 * an IRkernel, which has no parent check, kept the server's output pipe open and
 * Playwright waiting for it after the last test.
 */
const gracefulShutdown = { signal: 'SIGTERM', timeout: 30000 };

/**
 * A deadline (ms) that is enough on a quiet developer machine, stretched by the
 * suites' patience factor (UCDH_TEST_PATIENCE, default 5: the CI machine was
 * measured five times slower). A deadline, not a wait: a passing test never
 * sleeps it out. ui-tests/tests/helpers.ts has the same for the tests.
 */
function patient(ms) {
  return ms * Number(process.env.UCDH_TEST_PATIENCE || 5);
}

module.exports = {
  freePorts,
  gracefulShutdown,
  launchOptions,
  patient,
  sharedUse
};
