/**
 * Schedules for the component tests: a schedule as the server replies, and
 * the schedule routes added to a fake runs server (as the server answers
 * them: POST checks a monthly cap, PATCH pauses or edits, DELETE forgets).
 */
import { ServerConnection } from '@jupyterlab/services';

import type { IProblem } from '../api';
import type {
  ISchedule,
  IScheduleRequest,
  IScheduleUpdate
} from '../runs/scheduleapi';
import { readRequest } from './computefixtures';
import type { fakeRunsServer } from './runsfixtures';

/** A schedule of the welcome notebook, daily at 02:30 in Berlin, unless `fields` say otherwise. */
export function makeSchedule(
  fields: Partial<ISchedule> & { id: string }
): ISchedule {
  return {
    owner: 'jdoe',
    notebook_path: 'studies/welcome.ipynb',
    backend: 'ec2',
    instance_type: 'm5.large',
    max_hours: 2,
    recurrence: { kind: 'daily', timezone: 'Europe/Berlin', time: '02:30' },
    description: 'Every day at 02:30 (Europe/Berlin)',
    created_at: '2026-12-01T10:00:00Z',
    updated_at: '2026-12-01T10:00:00Z',
    parameters: { rows: 10 },
    files: [],
    count: 1,
    workers: null,
    cluster_mode: null,
    rate_usd_per_hour: 0.1,
    active: true,
    snapshot_id: 'snap',
    snapshot_at: '2026-12-01T10:00:00Z',
    version: 1,
    eventbridge_name: `ucdh-sched-${fields.id}`,
    databricks_job_id: null,
    databricks_notebook_path: null,
    next_fires: [new Date(Date.now() + 3 * 3600 * 1000).toISOString()],
    fires_per_month: 31,
    max_cost_per_fire_usd: 0.2,
    max_cost_per_month_usd: 6.2,
    last_runs: [],
    ...fields
  };
}

/** A fake runs server that also answers the schedule routes. */
export type ScheduleServer = ReturnType<typeof fakeRunsServer> & {
  schedules: ISchedule[];
  /** Fails the next requests to the schedule routes with this problem. */
  fail: IProblem | null;
};

/** Add the schedule routes to `server`; its requests are recorded as before. */
export function withSchedules(
  server: ReturnType<typeof fakeRunsServer>,
  schedules: ISchedule[] = []
): ScheduleServer {
  const runs = server.serverSettings.fetch;
  const result = Object.assign(server, {
    schedules,
    fail: null
  }) as ScheduleServer;
  const json = (body: unknown, status = 200): Response =>
    new Response(status === 204 ? null : JSON.stringify(body), { status });
  const fetch = async (
    input: RequestInfo | URL,
    init?: RequestInit
  ): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const { method, path, url, body } = await readRequest<any>(request.clone());
    const found = /^schedules(?:\/([^/]+))?$/.exec(path);
    if (!found) {
      return runs(request);
    }
    server.requests.push({ method, path, search: url.search.slice(1), body });
    if (result.fail) {
      return json(result.fail, result.fail.status);
    }
    if (!found[1] && method === 'GET') {
      return json({ schedules: result.schedules });
    }
    if (!found[1] && method === 'POST') {
      const asked = body as IScheduleRequest;
      const created = makeSchedule({
        id: `s${result.schedules.length + 1}`,
        notebook_path: asked.run.notebook_path,
        parameters: asked.run.parameters ?? {},
        recurrence: asked.recurrence,
        next_fires: ['2026-12-05T01:30:00Z']
      });
      result.schedules = [created, ...result.schedules];
      return json(created, 201);
    }
    const schedule = result.schedules.find(s => s.id === found[1]);
    if (!schedule) {
      return json(
        { message: 'No such schedule.', code: 'not_found', hint: '' },
        404
      );
    }
    if (method === 'DELETE') {
      result.schedules = result.schedules.filter(s => s !== schedule);
      return json(null, 204);
    }
    const update = body as IScheduleUpdate;
    const changed: ISchedule = {
      ...schedule,
      ...(update.active === undefined || update.active === null
        ? {}
        : {
            active: update.active,
            next_fires: update.active ? schedule.next_fires : []
          }),
      ...(update.parameters
        ? { parameters: update.parameters, version: schedule.version + 1 }
        : {})
    };
    result.schedules = result.schedules.map(s =>
      s === schedule ? changed : s
    );
    return json(changed);
  };
  result.serverSettings = ServerConnection.makeSettings({
    baseUrl: server.serverSettings.baseUrl,
    fetch
  });
  return result;
}
