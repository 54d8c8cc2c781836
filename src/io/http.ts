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

/** One JSON GET: where from, how errors name the service, and which refusals the service explains in JSON. */
export interface JSONGetRequest extends RetryOptions {
  /** The whole URL, query string included. */
  url: string;
  /** How errors name the service (default: `url`), e.g. the base URL the user gave. */
  name?: string;
  headers?: Readonly<Record<string, string>>;
  /**
   * HTTP statuses (4xx) whose answer is returned like a success, for a
   * service that explains in its JSON why it refused (Prometheus's 400 and
   * 422); any other 4xx fails as postJSON's do.
   */
  explainedStatuses?: readonly number[];
}

/**
 * POSTs a JSON body and returns the answer's JSON (undefined when the answer
 * is not JSON: what it should hold is the caller's to judge). A timeout, a
 * network error, 429 or 5xx is retried with exponential backoff; any other
 * HTTP error fails at once, and so does running out of attempts, both as
 * EndpointError REQUEST_FAILED naming the service.
 */
export async function postJSON(request: JSONRequest): Promise<unknown> {
  return requestJSON(request, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: JSON.stringify(request.body) }, []);
}

/**
 * GETs a URL and returns the answer's JSON (undefined when it is not JSON),
 * retrying and failing exactly as postJSON does, except that the statuses in
 * `explainedStatuses` are answers for the caller to read, not failures.
 */
export async function getJSON(request: JSONGetRequest): Promise<unknown> {
  return requestJSON(request, { method: 'GET', headers: { accept: 'application/json', ...request.headers } }, request.explainedStatuses ?? []);
}

/** One HTTP request of any method, retried as postJSON's are: where to, and how errors name the service. */
export interface HTTPRequest extends RetryOptions {
  url: string;
  /** How errors name the service (default: `url`). */
  name?: string;
}

/** An answer read whole: its status, headers and body. */
export interface HTTPAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/**
 * Sends one request and reads the whole answer, retrying a timeout, a network
 * error, 429 or 5xx with exponential backoff (the body given must be
 * re-sendable: a string or a buffer). Every other answer, 4xx included, is
 * returned for the caller to judge; running out of attempts fails as
 * EndpointError REQUEST_FAILED naming the service.
 */
export async function requestWithRetry(request: HTTPRequest, init: RequestInit): Promise<HTTPAnswer> {
  const name = request.name ?? request.url;
  const retries = request.retries ?? 3;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, (request.backoffMs ?? 500) * 2 ** (attempt - 1)));
    try {
      // The whole answer is read inside the attempt, so a timeout or a connection lost while the body arrives is retried like one before the headers.
      const response = await fetch(request.url, { ...init, signal: AbortSignal.timeout(request.timeoutMs ?? 60_000) });
      if (response.status === 429 || response.status >= 500) {
        lastError = new Error(`HTTP ${response.status}`);
        await response.body?.cancel();
        continue;
      }
      return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
    } catch (error) {
      lastError = error;
    }
  }
  throw new EndpointError({ code: 'REQUEST_FAILED', message: `${name}: no answer after ${retries + 1} attempts (${describeFetchFailure(lastError)})`, cause: lastError });
}

// The JSON requests: any refusal but the explained ones fails naming the service.
async function requestJSON(request: RetryOptions & { url: string; name?: string }, init: RequestInit, explained: readonly number[]): Promise<unknown> {
  const answer = await requestWithRetry(request, init);
  // As response.text() would: UTF-8, a byte order mark dropped.
  const text = new TextDecoder().decode(answer.body);
  if ((answer.status < 200 || answer.status > 299) && !explained.includes(answer.status)) {
    throw new EndpointError({ code: 'REQUEST_FAILED', message: `${request.name ?? request.url}: HTTP ${answer.status} ${text.slice(0, 200)}` });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// fetch rejects with "fetch failed" and keeps the reason (ECONNREFUSED, a
// reset, a DNS failure) in its cause; the message names both.
function describeFetchFailure(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? describeThrown(error) : `${describeThrown(error)}: ${describeThrown(cause)}`;
}
