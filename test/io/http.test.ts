import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getJSON, postJSON } from '../../src/io/http.ts';

// A local server answering each request with the next of `answers`; it records what it was sent, and where.
async function serve(answers: Array<(response: ServerResponse) => void>): Promise<{ url: string; bodies: unknown[]; paths: string[] }> {
  const bodies: unknown[] = [];
  const paths: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      paths.push(`${request.method ?? ''} ${request.url ?? ''}`);
      bodies.push(text === '' ? undefined : JSON.parse(text));
      (answers.shift() ?? ((r) => r.writeHead(500).end()))(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, bodies, paths };
}
const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

const json = (status: number, body: string) => (response: ServerResponse) => response.writeHead(status, { 'content-type': 'application/json' }).end(body);

describe('postJSON', () => {
  it('sends the body as JSON and returns the answer parsed, after retrying a 429 and a 503', async () => {
    const { url, bodies } = await serve([json(429, '{}'), json(503, '{}'), json(200, '{"ok": true}')]);
    expect(await postJSON({ url, body: { q: 1 }, backoffMs: 1 })).toEqual({ ok: true });
    expect(bodies).toEqual([{ q: 1 }, { q: 1 }, { q: 1 }]);
  });

  it('gives undefined for an answer that is not JSON, for the caller to judge', async () => {
    const { url } = await serve([json(200, 'not json')]);
    expect(await postJSON({ url, body: {} })).toBeUndefined();
  });

  describe('when the service refuses the request', () => {
    it('fails at once with the status and the start of the answer, naming the service', async () => {
      const { url, bodies } = await serve([json(401, '{"error": "bad key"}')]);
      await expect(postJSON({ url, name: 'the judge', body: {} })).rejects.toMatchObject({ name: 'EndpointError', code: 'REQUEST_FAILED', message: 'the judge: HTTP 401 {"error": "bad key"}' });
      expect(bodies).toHaveLength(1);
    });
  });

  describe('when every attempt fails', () => {
    it('says how many attempts it made and why the last failed', async () => {
      const { url } = await serve([]);
      await expect(postJSON({ url, body: {}, retries: 2, backoffMs: 1 })).rejects.toMatchObject({ code: 'REQUEST_FAILED', message: `${url}: no answer after 3 attempts (HTTP 500)` });
    });

    it('counts a timeout as a failed attempt', async () => {
      const { url } = await serve([() => undefined, () => undefined]);
      await expect(postJSON({ url, body: {}, retries: 1, backoffMs: 1, timeoutMs: 50 })).rejects.toMatchObject({ code: 'REQUEST_FAILED', message: expect.stringMatching(/no answer after 2 attempts \(.*(timeout|aborted).*\)/i) });
    });
  });
});

describe('getJSON', () => {
  it('GETs the URL, query string included, and returns the answer parsed, after retrying a 503', async () => {
    const { url, paths } = await serve([json(503, '{}'), json(200, '{"ok": true}')]);
    expect(await getJSON({ url: `${url}/query?q=up`, backoffMs: 1 })).toEqual({ ok: true });
    expect(paths).toEqual(['GET /v1/query?q=up', 'GET /v1/query?q=up']);
  });

  describe('when the service explains a refusal in JSON', () => {
    it('returns the explanation for a status the caller expects to read', async () => {
      const { url } = await serve([json(400, '{"status": "error", "error": "parse error"}')]);
      expect(await getJSON({ url, explainedStatuses: [400, 422] })).toEqual({ status: 'error', error: 'parse error' });
    });

    it('fails at once for any other refusal', async () => {
      const { url, paths } = await serve([json(401, '{"status": "error"}')]);
      await expect(getJSON({ url, name: 'Prometheus', explainedStatuses: [400, 422] })).rejects.toMatchObject({ name: 'EndpointError', code: 'REQUEST_FAILED', message: 'Prometheus: HTTP 401 {"status": "error"}' });
      expect(paths).toHaveLength(1);
    });
  });

  describe('when nothing listens', () => {
    it('names the reason fetch keeps in its cause', async () => {
      const { url } = await serve([]);
      for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
      await expect(getJSON({ url, retries: 1, backoffMs: 1 })).rejects.toMatchObject({ code: 'REQUEST_FAILED', message: expect.stringMatching(/no answer after 2 attempts \(fetch failed: .*ECONNREFUSED/) });
    });
  });
});
