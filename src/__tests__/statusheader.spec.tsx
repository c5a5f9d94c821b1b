/**
 * The status header as a user sees it: identity when credentials work, the
 * server's message and hint with a Retry button when they do not.
 */
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { UcdhClient } from '../client';
import { IStatus, IWorkspace } from '../status/api';
import { UcdhSidebar } from '../sidebar';
import { idleFor } from '../sidebar/machineline';
import { principalLabel } from '../sidebar/principal';
import { find, waitFor } from './dom';

const ARN = 'arn:aws:sts::123456789012:assumed-role/Researcher/alice';
/** How the header names that caller. */
const CALLER = 'Role Researcher · session alice';

const STATUS: IStatus = {
  mode: 'local',
  region: 'us-gov-west-1',
  endpoint_url: 'http://127.0.0.1:5000',
  profile: 'research',
  identity: { account: '123456789012', arn: ARN, user_id: 'AROAEXAMPLE' },
  problem: null,
  versions: {},
  databricks: null,
  package_source: null,
  workspace: null
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
    problem: null
  }
};

const DATABRICKS_DENIED: IStatus = {
  ...STATUS,
  databricks: {
    host: 'http://127.0.0.1:5001',
    user: null,
    problem: {
      status: 401,
      code: 'databricks_unauthorized',
      message: 'Databricks refused the token.',
      hint: 'Create a new token and save it with `databricks configure`, then retry.'
    }
  }
};

const LARGE_IDLE: IWorkspace = {
  platform: 'configured',
  where: 'this JupyterLab (the machine type your administrator set)',
  instance_type: 'm5.4xlarge',
  vcpu: 16,
  price_per_hour: 0.768,
  price_source: 'EC2 on-demand (bundled, 2026-11-01)',
  kernels: { running: 2, busy: 0, idle_seconds: 45 * 60 },
  large: true,
  suggestion: {
    message:
      'No kernel has been busy for 45 min on this m5.4xlarge. Long computations cost less as a run on AWS, paid only while it runs; for editing, a smaller machine will do.',
    reason:
      'Suggested because m5.4xlarge is large ($0.77/h, large from $0.50/h; 16 vCPUs, large from 8) and no kernel has been busy for at least 30 min.'
  }
};

/** A sidebar whose server answers each status request with the next reply. */
function sidebarWith(
  replies: IStatus[],
  workspaces: (IWorkspace | null)[] = []
): {
  sidebar: UcdhSidebar;
  requests: () => number;
  workspaceRequests: () => number;
} {
  let count = 0;
  let workspaceCount = 0;
  const fetch = async (request: RequestInfo): Promise<Response> => {
    // Only status requests count; the sections' own requests get a 404.
    const url = typeof request === 'string' ? request : request.url;
    const path = new URL(url).pathname;
    if (path.endsWith('/status/workspace') && workspaces.length > 0) {
      const workspace =
        workspaces[Math.min(workspaceCount, workspaces.length - 1)];
      workspaceCount += 1;
      return new Response(JSON.stringify({ workspace }), { status: 200 });
    }
    if (!path.endsWith('/status')) {
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
    client: new UcdhClient(serverSettings),
    translator: nullTranslator
  });
  // Tests that follow the idle time set their own interval.
  sidebar.statusHeader.workspaceIntervalMs = 0;
  return {
    sidebar,
    requests: () => count,
    workspaceRequests: () => workspaceCount
  };
}

/** A sidebar attached and shown, whose server answers with `replies`. */
function shownSidebar(
  replies: IStatus[],
  workspaces: (IWorkspace | null)[] = []
): ReturnType<typeof sidebarWith> {
  const made = sidebarWith(replies, workspaces);
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

  it('shows the account, caller, region and a Local demo badge once shown', async () => {
    const made = shownSidebar([STATUS]);
    sidebar = made.sidebar;

    const node = sidebar.node;
    expect((await find(node, '.jp-ucdh-StatusHeader-arn')).textContent).toBe(
      CALLER
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
      CALLER
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
    ).toBe(CALLER);
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
      CALLER
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

  it('names the caller in words, with the full ARN in the tooltip and a copy button', async () => {
    const made = shownSidebar([STATUS]);
    sidebar = made.sidebar;

    const caller = await find(sidebar.node, '.jp-ucdh-StatusHeader-arn');
    const copy = sidebar.node.querySelector(
      'button.jp-ucdh-StatusHeader-copyArn'
    );

    expect(caller.textContent).toBe('Role Researcher · session alice');
    expect(caller.getAttribute('title')).toBe(ARN);
    expect(copy?.getAttribute('aria-label')).toBe('Copy the full ARN');
  });

  it('shows the machine, its $/h and vCPUs, the idle kernels and the suggestion with its reason', async () => {
    const made = shownSidebar([{ ...STATUS, workspace: LARGE_IDLE }]);
    sidebar = made.sidebar;

    const machine = await find(
      sidebar.node,
      '.jp-ucdh-StatusHeader-machineType'
    );
    const node = sidebar.node;

    expect(machine.textContent).toBe(
      'This JupyterLab: m5.4xlarge · 16 vCPUs · $0.768/h'
    );
    expect(machine.getAttribute('title')).toBe(
      'this JupyterLab (the machine type your administrator set); price: EC2 on-demand (bundled, 2026-11-01)'
    );
    expect(node.querySelector('.jp-ucdh-StatusHeader-idle')?.textContent).toBe(
      '2 kernels idle for 45 min'
    );
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-suggestionText')?.textContent
    ).toBe(LARGE_IDLE.suggestion?.message);
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-suggestionReason')?.textContent
    ).toBe(LARGE_IDLE.suggestion?.reason);
    // One line until opened, so the header leaves the sections their room
    const suggestion = node.querySelector(
      'details.jp-ucdh-StatusHeader-suggestion'
    ) as HTMLDetailsElement;
    expect(suggestion.open).toBe(false);
    expect(suggestion.querySelector('summary')?.textContent).toBe(
      'A large machine is idling: pay less?'
    );
  });

  it('follows the idle time with no click, and shows the suggestion when it is due', async () => {
    // Given a large machine idle for a minute when the header was shown
    const fresh: IWorkspace = {
      ...LARGE_IDLE,
      kernels: { running: 2, busy: 0, idle_seconds: 60 },
      suggestion: null
    };
    // (its workspace polling starts once the first idle time was seen: at 20 ms
    // a loaded machine could replace it before a look found it)
    const made = shownSidebar([{ ...STATUS, workspace: fresh }], [LARGE_IDLE]);
    sidebar = made.sidebar;
    const node = sidebar.node;
    await waitFor(
      () =>
        node.querySelector('.jp-ucdh-StatusHeader-idle')?.textContent ===
        '2 kernels idle for 1 min',
      'the first idle time'
    );
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-suggestionText')
    ).toBeNull();
    // When the kernels stay idle, the header follows them by itself
    sidebar.statusHeader.workspaceIntervalMs = 20;
    await waitFor(
      () =>
        node.querySelector('.jp-ucdh-StatusHeader-idle')?.textContent ===
        '2 kernels idle for 45 min',
      'the idle time to follow'
    );
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-suggestionText')?.textContent
    ).toBe(LARGE_IDLE.suggestion?.message);
    // with the machine line only: the identity was asked for once
    expect(made.workspaceRequests()).toBeGreaterThan(0);
    expect(made.requests()).toBe(1);
    expect(
      node.querySelector('.jp-ucdh-StatusHeader-account')?.textContent
    ).toContain('123456789012');
    // and hidden, it stops asking
    sidebar.hide();
    const asked = made.workspaceRequests();
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(made.workspaceRequests()).toBe(asked);
  });

  it('shows a machine of unknown price by its type alone, and no suggestion while a kernel works', async () => {
    const studio: IWorkspace = {
      ...LARGE_IDLE,
      platform: 'sagemaker',
      where: 'SageMaker Studio space cardio-study',
      instance_type: 'ml.m5.4xlarge',
      price_per_hour: null,
      price_source: null,
      kernels: { running: 1, busy: 1, idle_seconds: 0 },
      suggestion: null
    };
    const made = shownSidebar([{ ...STATUS, workspace: studio }]);
    sidebar = made.sidebar;

    const machine = await find(
      sidebar.node,
      '.jp-ucdh-StatusHeader-machineType'
    );

    expect(machine.textContent).toBe(
      'This JupyterLab: ml.m5.4xlarge · 16 vCPUs'
    );
    expect(machine.textContent).not.toContain('$');
    expect(
      sidebar.node.querySelector('.jp-ucdh-StatusHeader-idle')?.textContent
    ).toBe('1 kernel busy');
    expect(
      sidebar.node.querySelector('.jp-ucdh-StatusHeader-suggestion')
    ).toBeNull();
  });

  it('says nothing about the machine when the server cannot tell it', async () => {
    const made = shownSidebar([{ ...STATUS, workspace: null }]);
    sidebar = made.sidebar;

    await find(sidebar.node, '.jp-ucdh-StatusHeader-arn');

    expect(
      sidebar.node.querySelector('.jp-ucdh-StatusHeader-machine')
    ).toBeNull();
  });
});

describe('principalLabel', () => {
  const trans = nullTranslator.load('ucdh-jupyter');

  it.each([
    [
      'arn:aws:sts::123456789012:assumed-role/ResearcherRole/jdoe',
      'Role ResearcherRole · session jdoe'
    ],
    [
      'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Researcher_0123456789abcdef/jdoe@ucdh.example',
      'Role Researcher (IAM Identity Center) · session jdoe@ucdh.example'
    ],
    ['arn:aws:iam::123456789012:user/team/alice', 'User alice'],
    ['arn:aws:sts::123456789012:user/moto', 'User moto'],
    ['arn:aws-us-gov:iam::123456789012:root', "The account's root user"],
    ['arn:aws:sts::123456789012:federated-user/bob', 'Federated user bob'],
    ['not-an-arn', 'not-an-arn']
  ])('reads %s as "%s"', (arn, label) => {
    expect(principalLabel(arn, trans)).toBe(label);
  });
});

describe('idleFor', () => {
  const trans = nullTranslator.load('ucdh_jupyter');

  it('says idle time in the duration style of the rest of the UI, to the minute', () => {
    expect(idleFor(30, trans)).toBe('under a minute');
    expect(idleFor(45 * 60 + 20, trans)).toBe('45 min');
    expect(idleFor(2 * 3600 + 5 * 60, trans)).toBe('2 h 05 min');
  });
});
