/**
 * What an S3 action needs from the section that runs it. Its own module so
 * the actions and the delete dialog both depend on it, not on each other.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';

import type { UcdhClient } from '../client';
import type { S3Activity } from './jobs';

/** The listing an action runs in, and where it reports. */
export interface IActionContext {
  bucket: string;
  trans: TranslationBundle;
  /** The server routes. */
  client: UcdhClient;
  /** The workspace folder a copy lands in ("" for the Jupyter root). */
  workspaceFolder: () => string;
  /** The listing changed (after a delete or a move). */
  onChanged: () => void;
  /** Follows transfer jobs and shows their progress. */
  activity: S3Activity;
  /** The application's commands: the file browser's reveals a copy. */
  commands?: CommandRegistry;
}
