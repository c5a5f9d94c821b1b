/**
 * One shape for every failure the UI shows: what the server's error translator
 * reports (`IProblem`), whether the request failed on the server, on the way,
 * or in the browser.
 */
import type { IProblem } from '../api';
import { UcdhRequestError } from '../request';

/** Present any thrown value in the same shape as a server-reported problem. */
export function toProblem(error: unknown): IProblem {
  if (error instanceof UcdhRequestError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      hint: error.hint
    };
  }
  return {
    status: 0,
    code: 'unexpected_error',
    message: error instanceof Error ? error.message : String(error),
    hint: ''
  };
}
