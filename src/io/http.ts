import { describeThrown } from '../error.ts';
import { EndpointError } from './error.ts';

/** How long one attempt may take and how often a failed one is retried. */
export interface RetryOptions {
  /** Milliseconds per attempt (default 60 s). */
  timeoutMs?: number;
  /** Retries after a timeout, network error, 429 or 5xx (default 3), with exponential backoff. */
  retries?: number;
  /** First backoff in milliseconds (default 500), doubled each retry. */
  backoffMs?: number;
}

/** One JSON POST: where to, what to send, and how errors name the service. */
export interface JSONRequest extends RetryOptions {
  url: string;
  /** How errors name the service (default: `url`), e.g. the base URL the user gave. */
  name?: string;
  headers?: Readonly<Record<string, string>>;
  body: unknown;
}

/**
 * POSTs a JSON body and returns the answer's JSON (undefined when the answer
 * is not JSON: what it should hold is the caller's to judge). A timeout, a
 * network error, 429 or 5xx is retried with exponential backoff; any other
 * HTTP error fails at once, and so does running out of attempts, both as
 * EndpointError REQUEST_FAILED naming the service.
 */
export async function postJSON(request: JSONRequest): Promise<unknown> {
  const name = request.name ?? request.url;
  const retries = request.retries ?? 3;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, (request.backoffMs ?? 500) * 2 ** (attempt - 1)));
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(request.timeoutMs ?? 60_000),
      });
    } catch (error) {
      lastError = error;
      continue;
    }
    if (response.status === 429 || response.status >= 500) {
      lastError = new Error(`HTTP ${response.status}`);
      await response.body?.cancel();
      continue;
    }
    if (!response.ok) throw new EndpointError({ code: 'REQUEST_FAILED', message: `${name}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}` });
    return (await response.json().catch(() => undefined)) as unknown;
  }
  throw new EndpointError({ code: 'REQUEST_FAILED', message: `${name}: no answer after ${retries + 1} attempts (${describeThrown(lastError)})`, cause: lastError });
}
