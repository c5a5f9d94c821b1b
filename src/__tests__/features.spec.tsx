/**
 * A feature the administrator switched off is absent from the UI: its sidebar
 * section, the Run on AWS button and command, the Show Runs command. The
 * switches come from `GET config`, asked after JupyterLab started (never inside
 * `activate`); until they arrive, everything shows.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IToolbarWidgetRegistry } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { UcdhClient } from '../client';
import { StatusModel } from '../status/model';
import type { IFeatures } from '../status/api';
import { featuresPlugin } from '../index';
import { runsPlugin } from '../runs/plugin';
import { FeatureSwitches, UcdhSidebar } from '../sidebar';
import { CommandIDs, IFeatureSwitches, RUN_TOOLBAR_ITEM } from '../tokens';
import { configWith } from './runsfixtures';

/** Server settings whose `GET config` answers with `features` (or fails). */
function serverWith(features: IFeatures | 'down'): {
  serverSettings: ServerConnection.ISettings;
  configRequests: () => number;
} {
  let count = 0;
  const fetch = async (request: RequestInfo): Promise<Response> => {
    const url = typeof request === 'string' ? request : request.url;
    if (!new URL(url).pathname.endsWith('/ucdh-jupyter/config')) {
      return new Response('{}', { status: 404 });
    }
    count += 1;
    if (features === 'down') {
      return new Response('{"message": "down"}', { status: 503 });
    }
    return new Response(JSON.stringify({ ...configWith(), features }), {
      status: 200
    });
  };
  return {
    serverSettings: ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/lab-base/',
      fetch
    }),
    configRequests: () => count
  };
}

const S3_AND_RUNS_OFF: IFeatures = { s3: false, compute: true, runs: false };

function sectionKeys(sidebar: UcdhSidebar): string[] {
  return sidebar.widgets
    .map(widget => widget.id.replace('ucdh-jupyter-section-', ''))
    .filter(id => ['s3', 'compute', 'runs'].includes(id));
}

describe('FeatureSwitches', () => {
  it('counts every feature as on until the server says, then follows it', async () => {
    const { serverSettings } = serverWith(S3_AND_RUNS_OFF);
    const switches = new FeatureSwitches(
      new StatusModel(new UcdhClient(serverSettings))
    );
    const seen: IFeatures[] = [];
    switches.changed.connect((_, features) => seen.push(features));

    expect(switches.isOn('s3')).toBe(true);
    await switches.load();

    expect(switches.isOn('s3')).toBe(false);
    expect(switches.isOn('compute')).toBe(true);
    expect(switches.isOn('runs')).toBe(false);
    expect(seen).toEqual([S3_AND_RUNS_OFF]);
  });

  it('hides nothing when the server cannot say', async () => {
    const { serverSettings } = serverWith('down');
    const switches = new FeatureSwitches(
      new StatusModel(new UcdhClient(serverSettings))
    );
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});

    expect(await switches.load()).toBeNull();

    expect(
      ['s3', 'compute', 'runs'].map(f => switches.isOn(f as never))
    ).toEqual([true, true, true]);
    warn.mockRestore();
  });

  it('is asked once JupyterLab has restored its layout, not inside activate', async () => {
    const { serverSettings, configRequests } = serverWith(S3_AND_RUNS_OFF);
    let restore: () => void = () => {};
    const restored = new Promise<void>(resolve => (restore = resolve));
    const app = {
      serviceManager: { serverSettings },
      restored
    } as unknown as JupyterFrontEnd;

    const switches = featuresPlugin.activate(
      app,
      new StatusModel(new UcdhClient(serverSettings))
    ) as IFeatureSwitches;
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(configRequests()).toBe(0);

    restore();
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(configRequests()).toBe(1);
    expect(switches.isOn('runs')).toBe(false);
  });
});

describe('UcdhSidebar with feature switches', () => {
  let sidebar: UcdhSidebar | null = null;

  afterEach(() => {
    sidebar?.dispose();
    sidebar = null;
  });

  it('removes the sections of switched-off features when the switches arrive', async () => {
    const { serverSettings } = serverWith(S3_AND_RUNS_OFF);
    const features = new FeatureSwitches(
      new StatusModel(new UcdhClient(serverSettings))
    );
    sidebar = new UcdhSidebar({
      client: new UcdhClient(serverSettings),
      translator: nullTranslator,
      features
    });
    Widget.attach(sidebar, document.body);
    expect(sectionKeys(sidebar)).toEqual(['s3', 'compute', 'runs']);

    await features.load();

    expect(sectionKeys(sidebar)).toEqual(['compute']);
    expect(sidebar.showSection('s3')).toBeNull();
    expect(sidebar.node.querySelector('.jp-ucdh-Section-s3')).toBeNull();
    expect(sidebar.node.querySelector('.jp-ucdh-Section-runs')).toBeNull();
  });

  it('never builds the sections of features already known to be off', async () => {
    const { serverSettings } = serverWith({
      s3: true,
      compute: false,
      runs: true
    });
    const features = new FeatureSwitches(
      new StatusModel(new UcdhClient(serverSettings))
    );
    await features.load();

    sidebar = new UcdhSidebar({
      client: new UcdhClient(serverSettings),
      features
    });

    expect(sectionKeys(sidebar)).toEqual(['s3', 'runs']);
  });
});

describe('Run on AWS with runs switched off', () => {
  /** Activate the runs plugin on a bare app; return its commands and toolbar factory. */
  function activateRuns(features: IFeatureSwitches): {
    commands: CommandRegistry;
    button: () => Widget;
  } {
    const commands = new CommandRegistry();
    let factory: ((panel: NotebookPanel) => Widget) | null = null;
    const toolbarRegistry = {
      addFactory: (
        _widget: string,
        name: string,
        make: (panel: NotebookPanel) => Widget
      ) => {
        if (name === RUN_TOOLBAR_ITEM) {
          factory = make;
        }
        return undefined;
      }
    } as unknown as IToolbarWidgetRegistry;
    const app = {
      commands,
      restored: Promise.resolve()
    } as unknown as JupyterFrontEnd;
    const client = new UcdhClient();
    runsPlugin.activate(
      app,
      client,
      new StatusModel(client),
      null,
      null,
      toolbarRegistry,
      null,
      null,
      features
    );
    const panel = { context: { path: 'a.ipynb' } } as unknown as NotebookPanel;
    return { commands, button: () => factory!(panel) };
  }

  it('hides the toolbar button and the command once the switches say so', async () => {
    const { serverSettings } = serverWith(S3_AND_RUNS_OFF);
    const features = new FeatureSwitches(
      new StatusModel(new UcdhClient(serverSettings))
    );
    const { commands, button } = activateRuns(features);
    const early = button();
    expect(early.isHidden).toBe(false);
    expect(
      commands.isVisible(CommandIDs.runNotebook, { path: 'a.ipynb' })
    ).toBe(true);

    await features.load();

    expect(early.isHidden).toBe(true);
    expect(button().isHidden).toBe(true);
    expect(
      commands.isVisible(CommandIDs.runNotebook, { path: 'a.ipynb' })
    ).toBe(false);
    expect(
      commands.isEnabled(CommandIDs.runNotebook, { path: 'a.ipynb' })
    ).toBe(false);
  });

  it('keeps them when runs are on', async () => {
    const { serverSettings } = serverWith({
      s3: false,
      compute: false,
      runs: true
    });
    const features = new FeatureSwitches(
      new StatusModel(new UcdhClient(serverSettings))
    );
    const { commands, button } = activateRuns(features);

    await features.load();

    expect(button().isHidden).toBe(false);
    expect(
      commands.isEnabled(CommandIDs.runNotebook, { path: 'a.ipynb' })
    ).toBe(true);
  });
});

describe('StatusModel configuration', () => {
  it('asks the server once for every reader: switches, run dialog, Upload to S3', async () => {
    const { serverSettings, configRequests } = serverWith(S3_AND_RUNS_OFF);
    const status = new StatusModel(new UcdhClient(serverSettings));
    const switches = new FeatureSwitches(status);

    const answers = await Promise.all([
      switches.load(),
      status.loadConfig(),
      status.loadConfig()
    ]);

    expect(configRequests()).toBe(1);
    expect(answers[0]).toEqual(S3_AND_RUNS_OFF);
    expect(answers[1]?.features).toEqual(S3_AND_RUNS_OFF);
    expect(status.config?.features).toEqual(S3_AND_RUNS_OFF);
    status.dispose();
  });

  it('asks again after a failure, and says why it failed', async () => {
    const { serverSettings, configRequests } = serverWith('down');
    const status = new StatusModel(new UcdhClient(serverSettings));

    expect(await status.loadConfig()).toBeNull();
    expect(status.configProblem?.message).toBe('down');
    expect(await status.loadConfig()).toBeNull();

    expect(configRequests()).toBe(2);
    status.dispose();
  });
});
