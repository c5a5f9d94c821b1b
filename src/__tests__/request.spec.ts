/**
 * The HTTP gateway: URL building under a non-root base URL and the mapping of
 * every failure to a UcdhRequestError a user can read.
 */
import { ServerConnection } from '@jupyterlab/services';

import { UcdhClient } from '../client';
import { IStatus } from '../status/api';
import { postAPI, requestAPI, UcdhRequestError } from '../request';

const BASE_URL = 'http://localhost:8888/jupyterlab/default/';

interface IFakeServer {
  settings: ServerConnection.ISettings;
  urls: string[];
}

/** Settings whose fetch records each URL and answers with `reply`. */
function fakeServer(reply: () => Promise<Response>): IFakeServer {
  const urls: string[] = [];
  const fetch = (input: RequestInfo): Promise<Response> => {
    urls.push(typeof input === 'string' ? input : input.url);
    return reply();
  };
  const settings = ServerConnection.makeSettings({ baseUrl: BASE_URL, fetch });
  return { settings, urls };
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

async function caught(promise: Promise<unknown>): Promise<UcdhRequestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UcdhRequestError);
    return error as UcdhRequestError;
  }
  throw new Error('expected the request to fail');
}

const STATUS: IStatus = {
  mode: 'local',
  region: 'us-east-1',
  endpoint_url: 'http://127.0.0.1:5000',
  profile: null,
  identity: {
    account: '123456789012',
    arn: 'arn:aws:sts::123456789012:assumed-role/Researcher/alice',
    user_id: 'AROAEXAMPLE:alice'
  },
  problem: null,
  versions: { ucdh_jupyter: '0.1.0' },
  databricks: null,
  package_source: null,
  workspace: null
};

describe('requestAPI', () => {
  it('joins the base URL, the ucdh-jupyter namespace and the endpoint', async () => {
    const server = fakeServer(async () => jsonResponse(200, STATUS));

    await new UcdhClient(server.settings).status.getStatus();

    // ServerConnection appends a cache-busting query string; only the path matters.
    const [url] = server.urls.map(u => new URL(u));
    expect(server.urls).toHaveLength(1);
    expect(`${url.origin}${url.pathname}`).toBe(
      'http://localhost:8888/jupyterlab/default/ucdh-jupyter/status'
    );
  });

  it('returns the parsed JSON body of a successful reply', async () => {
    const server = fakeServer(async () => jsonResponse(200, STATUS));

    const status = await new UcdhClient(server.settings).status.getStatus();

    expect(status).toEqual(STATUS);
  });

  it('returns undefined for 204 No Content', async () => {
    const server = fakeServer(async () => new Response(null, { status: 204 }));

    await expect(
      requestAPI('runs/r1', { method: 'DELETE' }, server.settings)
    ).resolves.toBeUndefined();
  });

  it('throws the server message, code and hint of a JSON error with its status', async () => {
    const server = fakeServer(async () =>
      jsonResponse(403, {
        message: 'AWS denied ListBucket on s3://cardio-study.',
        code: 'access_denied',
        hint: 'Ask your administrator for access to this bucket.'
      })
    );

    const error = await caught(
      new UcdhClient(server.settings).status.getStatus()
    );

    expect(error.status).toBe(403);
    expect(error.code).toBe('access_denied');
    expect(error.message).toBe('AWS denied ListBucket on s3://cardio-study.');
    expect(error.hint).toBe(
      'Ask your administrator for access to this bucket.'
    );
  });

  it('explains a non-JSON error page instead of a JSON parse failure', async () => {
    const server = fakeServer(
      async () =>
        new Response('<html><body>Bad Gateway</body></html>', {
          status: 502,
          statusText: 'Bad Gateway',
          headers: { 'Content-Type': 'text/html' }
        })
    );

    const error = await caught(
      new UcdhClient(server.settings).status.getStatus()
    );

    expect(error.status).toBe(502);
    expect(error.code).toBe('http_502');
    expect(error.message).toContain('HTTP 502');
    expect(error.message).not.toMatch(/JSON\.parse|Unexpected token/);
    expect(error.hint).not.toBe('');
  });

  it('points to the server extension when the route answers 404 without JSON', async () => {
    const server = fakeServer(
      async () => new Response('Not Found', { status: 404 })
    );

    const error = await caught(
      new UcdhClient(server.settings).status.getStatus()
    );

    expect(error.status).toBe(404);
    expect(error.hint).toContain('jupyter server extension list');
  });

  it('rejects a successful reply whose body is not JSON', async () => {
    const server = fakeServer(
      async () => new Response('<html>login</html>', { status: 200 })
    );

    const error = await caught(
      new UcdhClient(server.settings).status.getStatus()
    );

    expect(error.status).toBe(200);
    expect(error.code).toBe('invalid_response');
  });

  it('reports a network failure as status 0 with a hint to check the server', async () => {
    const server = fakeServer(() =>
      Promise.reject(new TypeError('Failed to fetch'))
    );

    const error = await caught(
      new UcdhClient(server.settings).status.getStatus()
    );

    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
    expect(error.hint).toContain('Is the Jupyter server running?');
  });
});

describe('postAPI', () => {
  /** Settings whose fetch records each request's method and body. */
  function recordingServer(): {
    settings: ServerConnection.ISettings;
    sent: { method?: string; body?: unknown }[];
  } {
    const sent: { method?: string; body?: unknown }[] = [];
    // ServerConnection hands fetch a Request object carrying method and body.
    const fetch = async (input: RequestInfo): Promise<Response> => {
      const request = input as Request;
      const text = await request.text();
      sent.push({ method: request.method, body: text || undefined });
      return jsonResponse(200, { ok: true });
    };
    return {
      settings: ServerConnection.makeSettings({ baseUrl: BASE_URL, fetch }),
      sent
    };
  }

  it('sends the body as JSON in a POST and returns the decoded reply', async () => {
    const server = recordingServer();

    const reply = await postAPI<{ ok: boolean }>(
      'runs',
      { run_id: 'r1', alpha: 0.1 },
      server.settings
    );

    expect(reply).toEqual({ ok: true });
    expect(server.sent).toEqual([
      { method: 'POST', body: '{"run_id":"r1","alpha":0.1}' }
    ]);
  });

  it('sends no body for an action without one', async () => {
    const server = recordingServer();

    await postAPI('runs/r1/cancel', undefined, server.settings);

    expect(server.sent).toEqual([{ method: 'POST', body: undefined }]);
  });
});
