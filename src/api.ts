/**
 * The wire vocabulary every area shares. Each area's routes and types live in
 * its own `api.ts` (status/, compute/, runs/, s3/), gathered by `UcdhClient`
 * (client.ts).
 *
 * Every type of the wire is generated from the server's OpenAPI document
 * (`ucdh_jupyter/openapi.yaml` → `schema.ts`, `jlpm schema`): the names here
 * are aliases, so the browser cannot expect a field the server does not
 * document, and `jlpm lint:check` fails when `schema.ts` is stale.
 */
import type { components } from './schema';

/** The schemas of the OpenAPI document. */
export type Schemas = components['schemas'];

/** The JSON body of an operation's 200 answer. */
export type JSONOf<Operation> = Operation extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

/** A problem the user can act on, as the server's error translator reports it. */
export type IProblem = Schemas['Problem'];

/** Why the server would refuse a request, without a status. */
export interface IProblemText {
  code: string;
  message: string;
  hint: string;
}
