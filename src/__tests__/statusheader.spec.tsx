/**
 * The status header as a user sees it: identity when credentials work, the
 * server's message and hint with a Retry button when they do not.
 */
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IStatus } from '../api';
import { UcdhSidebar } from '../sidebar';
import { find, waitFor } from './dom';

const ARN = 'arn:aws:sts::123456789012:assumed-role/Researcher/alice';

const STATUS: IStatus = {
  mode: 'local',
  region: 'us-gov-west-1',
  endpoint_url: 'http://127.0.0.1:5000',
  profile: 'research',
  identity: { account: '123456789012', arn: ARN, user_id: 'AROAEXAMPLE' },
  problem: null,
  versions: {}
};

const EXPIRED: IStatus = {
  ...STATUS,
  mode: 'aws',
  identity: null,
  problem: {
    status: 401,
    code: 'credentials_expired',
    message: 'Your AWS session has expired.',
    hint: 'Run `aws sso login --profile research` in a terminal, then retry.'
  }
};

const WITH_DATABRICKS: IStatus = {
  ...STATUS,
  databricks: {
    host: 'http://127.0.0.1:5001',
    user: 'researcher@ucdh.example',
    workspace_id: '1234567890',
    problem: null
  }
};

const DATABRICKS_DENIED: IStatus = {
  ...STATUS,
  databricks: {
    host: 'http://127.0.0.1:5001',
    user: null,
    workspace_id: null,
    problem: {
      status: 401,
      code: 'databricks_unauthorized',
      message: 'Databricks refused the token.',
      hint: 'Create a new token and save it with `databricks configure`, then retry.'
    }
  }
};

/** A sidebar whose server answers each status request with the next reply. */
function sidebarWith(replies: IStatus[]): {
  sidebar: UcdhSidebar;
  requests: () => number;
} {
  let count = 0;
  const fetch = async (request: RequestInfo): Promise<Response> => {
    // Only status requests count; the sections' own requests get a 404.
    const url = typeof request === 'string' ? request : request.url;
    if (!new URL(url).pathname.endsWith('/status')) {
      return new Response('{}', { status: 404 });
    }
    const body = replies[Math.min(count, replies.length - 1)];
    count += 1;
    return new Response(JSON.stringify(body), { status: 200 });
  };
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/jupyterlab/default/',
    fetch
  });
  const sidebar = new UcdhSidebar({
    serverSettings,
    translator: nullTranslator
  });
  return { sidebar, requests: () => count };
}

/** A sidebar attached and shown, whose server answers with `replies`. */
function shownSidebar(replies: IStatus[]): ReturnType<typeof sidebarWith> {
  const made = sidebarWith(replies);
  made.sidebar.hide();
  Widget.attach(made.sidebar, document.body);
  made.sidebar.show();
  return made;
}

/** Wait until `selector` no longer matches inside `root`. */
function waitForGone(root: HTMLElement, selector: string): Promise<boolean> {
  return waitFor(() => !root.querySelector(selector), `${selector} to go away`);
}

describe('UcdhSidebar status header', () => {
  let sidebar: UcdhSidebar | null = null;

  afterEach(() => {
    sidebar?.dispose();
    sidebar = null;
  });

  it('does not call the server until the panel is shown', async () => {
    const made = sidebarWith([STATUS]);
    sidebar = made.sidebar;
    sidebar.hide();

    Widget.attach(sidebar, document.body);
    await new Promise(resolve => setTimeout(resolve, 50));

    expect(made.requests()).toBe(0);
  });

  it('shows the account, ARN, region and a Local demo badge once shown', async () => {
    const made = shownSidebar([STATUS]);
    sidebar = made.sidebar;

    const node = sidebar.node;
    expect((await find(node, '.jp-ucdh-StatusHeader-arn')).textContent).toBe(
      ARN
    );
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-account')?.textContent
    ).toBe('123456789012');
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-region')?.textContent
    ).toBe('us-gov-west-1');
    expect(node.querySelector('.jp-ucdh-StatusHeader-mode')?.textContent).toBe(
      'Local demo'
    );
  });

  it('shows an expired session with its command in <code> and retries on click', async () => {
    const made = shownSidebar([EXPIRED, STATUS]);
    sidebar = made.sidebar;

    const node = sidebar.node;
    const retry = await find(node, 'button.jp-ucdh-StatusHeader-retry');
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-message')?.textContent
    ).toBe('Your AWS session has expired.');
    expect(node.querySelector('.jp-ucdh-Hint code')?.textContent).toBe(
      'aws sso login --profile research'
    );
    expect(node.querySelector('[aria-live="polite"]')).not.toBeNull();

    retry.click();

    expect((await find(node, '.jp-ucdh-StatusHeader-arn')).textContent).toBe(
      ARN
    );
    expect(made.requests()).toBe(2);
  });

  it('shows the Databricks user and workspace under the AWS identity', async () => {
    const made = shownSidebar([WITH_DATABRICKS]);
    sidebar = made.sidebar;

    const line = await find(
      sidebar.node,
      '.jp-ucdh-StatusHeader-databricksIdentity'
    );
    expect(line.textContent).toBe(
      'Databricks: researcher@ucdh.example @ 127.0.0.1:5001'
    );
    expect(
      sidebar.node.querySelector('.jp-ucdh-StatusHeader-arn')?.textContent
    ).toBe(ARN);
    expect(
      sidebar.node.querySelector(
        '.jp-ucdh-StatusHeader-databricks .jp-ucdh-StatusHeader-problem'
      )
    ).toBeNull();
  });

  it('shows a Databricks problem with its fix and a Retry, AWS still working', async () => {
    const made = shownSidebar([DATABRICKS_DENIED, WITH_DATABRICKS]);
    sidebar = made.sidebar;

    const node = sidebar.node;
    const block = await find(node, '.jp-ucdh-StatusHeader-databricks');
    expect(block.textContent).toContain('Databricks: 127.0.0.1:5001');
    expect(
      block.querySelector('.jp-ucdh-StatusHeader-message')?.textContent
    ).toBe('Databricks refused the token.');
    expect(block.querySelector('.jp-ucdh-Hint code')?.textContent).toBe(
      'databricks configure'
    );
    expect(node.querySelector('.jp-ucdh-StatusHeader-arn')?.textContent).toBe(
      ARN
    );

    (block.querySelector('.jp-ucdh-StatusHeader-retry') as HTMLElement).click();

    await waitForGone(
      node,
      '.jp-ucdh-StatusHeader-databricks .jp-ucdh-StatusHeader-problem'
    );
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-databricksIdentity')
        ?.textContent
    ).toBe('Databricks: researcher@ucdh.example @ 127.0.0.1:5001');
    expect(made.requests()).toBe(2);
  });

  it('shows no Databricks line when no workspace is configured', async () => {
    const made = shownSidebar([{ ...STATUS, databricks: null }]);
    sidebar = made.sidebar;

    await find(sidebar.node, '.jp-ucdh-StatusHeader-arn');

    expect(
      sidebar.node.querySelector('.jp-ucdh-StatusHeader-databricks')
    ).toBeNull();
  });

  it('says where run machines install packages from', async () => {
    const made = shownSidebar([
      {
        ...STATUS,
        package_source: {
          kind: 'codeartifact',
          label: 'CodeArtifact repository pypi-mirror in domain ucdh'
        }
      }
    ]);
    sidebar = made.sidebar;

    const line = await find(sidebar.node, '.jp-ucdh-StatusHeader-packages');

    expect(line.textContent).toBe(
      'Packages from: CodeArtifact repository pypi-mirror in domain ucdh'
    );
  });

  it('shows no package line when runs are off', async () => {
    const made = shownSidebar([{ ...STATUS, package_source: null }]);
    sidebar = made.sidebar;

    await find(sidebar.node, '.jp-ucdh-StatusHeader-arn');

    expect(
      sidebar.node.querySelector('.jp-ucdh-StatusHeader-packages')
    ).toBeNull();
  });

  it('has the three feature sections with their titles', () => {
    sidebar = sidebarWith([STATUS]).sidebar;

    const titles = sidebar.widgets.map(w => w.title.label);
    const classes = ['s3', 'compute', 'runs'].map(key =>
      sidebar?.widgets.some(w => w.hasClass(`jp-ucdh-Section-${key}`))
    );

    expect(titles).toEqual(['S3 data', 'Compute', 'Runs']);
    expect(classes).toEqual([true, true, true]);
  });
});
