/**
 * The schedule routes (issue 14): recurring runs that fire with Jupyter
 * closed, on EventBridge Scheduler (EC2) or a Databricks job schedule. Types
 * are aliases of the generated `schema.ts`.
 */
import type { Schemas } from '../api';
import type { ApiGateway } from '../request';

/** When a schedule fires (`recurrence` of `POST schedules`). */
export type IRecurrenceBody = Schemas['RecurrenceBody'];

/** How a schedule repeats. */
export type RecurrenceKind = IRecurrenceBody['kind'];

/** A day of the week as the recurrence names it. */
export type WeekDay = NonNullable<IRecurrenceBody['days']>[number];

/** Body of `POST schedules`: the run as `POST runs` takes it, and when. */
export type IScheduleRequest = Schemas['ScheduleBody'];

/** Body of `PATCH schedules/<id>`: `active` alone pauses or resumes. */
export type IScheduleUpdate = Schemas['ScheduleUpdateBody'];

/** A recurring run with its next fires, monthly cost and last runs. */
export type ISchedule = Schemas['Schedule'];

/** One of a schedule's last runs. */
export type IScheduleRun = Schemas['ScheduleRun'];

/** `client.schedules`: the schedule routes. */
export class SchedulesAPI {
  /** @param gateway the client's HTTP gateway (its server settings) */
  constructor(private readonly _gateway: ApiGateway) {}

  /** The user's schedules, newest first. */
  async listSchedules(signal?: AbortSignal): Promise<ISchedule[]> {
    const body = await this._gateway.request<Schemas['ScheduleList']>(
      'schedules',
      { method: 'GET', cache: 'no-cache', signal }
    );
    return body.schedules;
  }

  /** Check, freeze the notebook and files, and schedule; a 4xx says which rule it breaks. */
  createSchedule(body: IScheduleRequest): Promise<ISchedule> {
    return this._gateway.post<ISchedule>('schedules', body);
  }

  /** Pause, resume (`{active}`) or edit a schedule. */
  updateSchedule(id: string, body: IScheduleUpdate): Promise<ISchedule> {
    return this._gateway.request<ISchedule>(
      `schedules/${encodeURIComponent(id)}`,
      { method: 'PATCH', body: JSON.stringify(body) }
    );
  }

  /** Delete a schedule; its past runs stay. */
  deleteSchedule(id: string): Promise<void> {
    return this._gateway.request<void>(`schedules/${encodeURIComponent(id)}`, {
      method: 'DELETE'
    });
  }
}

/** Whether a submitted dialog gave a schedule rather than a run. */
export function isSchedule(value: object): value is ISchedule {
  return 'recurrence' in value && 'next_fires' in value;
}
