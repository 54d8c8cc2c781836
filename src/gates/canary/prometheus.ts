import { InputError } from '../../error.ts';
import { EndpointError } from '../../io/error.ts';
import { getJSON, type RetryOptions } from '../../io/http.ts';
import { readQueryRangeBody, seriesKey } from './query-range.ts';
import type { MetricsSource, RangeAnswer, RangeQuery, RangeSeries } from './source.ts';

/** Points per series in one request by default: Prometheus refuses a range query spanning more than 11,000 steps. */
export const PROMETHEUS_MAX_POINTS = 11_000;

/** How prometheusSource calls the server: per-request timeout and retries (as getJSON takes them), points per request, extra headers. */
export interface PrometheusSourceOptions extends RetryOptions {
  /** Points per series in one request (default PROMETHEUS_MAX_POINTS); a longer range is asked in chunks. Infinity asks in one request. */
  maxPoints?: number;
  /** Sent with every request, e.g. an Authorization header; never recorded in the source's description. */
  headers?: Readonly<Record<string, string>>;
}

// Prometheus's own query timeout is two minutes, after which it answers 503;
// waiting as long before giving up on an attempt does not retry a slow query
// that the server is still working on.
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * A MetricsSource asking a Prometheus server's HTTP API (GET
 * {url}/api/v1/query_range). A range longer than the server's point limit is
 * asked in chunks on the query's step grid and the chunks merged per series,
 * so a long canary window reads as one answer. A query the server refuses
 * (bad_data, execution) is policy data at fault: InputError SCHEMA_INVALID
 * naming the query; a server that does not answer: EndpointError
 * REQUEST_FAILED; an answer that is no query_range answer: EndpointError
 * BAD_RESPONSE. Credentials in the URL are sent as basic auth and left out of
 * the description.
 */
export function prometheusSource(url: string, options: PrometheusSourceOptions = {}): MetricsSource {
  const { base, authorization } = parseBaseURL(url);
  const maxPoints = options.maxPoints ?? PROMETHEUS_MAX_POINTS;
  if (!(maxPoints === Infinity || (Number.isSafeInteger(maxPoints) && maxPoints >= 1))) {
    throw new InputError({ code: 'USAGE', message: `maxPoints must be a positive whole number or Infinity, got ${maxPoints}` });
  }
  const name = `Prometheus at ${base}`;
  // An Authorization header given outright wins over credentials in the URL.
  const ownAuthorization = Object.keys(options.headers ?? {}).some((header) => header.toLowerCase() === 'authorization');
  const headers = { ...(authorization === undefined || ownAuthorization ? {} : { authorization }), ...options.headers };
  const retry: RetryOptions = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, retries: options.retries, backoffMs: options.backoffMs };

  async function ask(query: string, startMs: number, endMs: number, stepMs: number): Promise<{ series: RangeSeries[]; warnings: string[] }> {
    const params = new URLSearchParams({ query, start: seconds(startMs), end: seconds(endMs), step: seconds(stepMs) });
    const body = await getJSON({ url: `${base}/api/v1/query_range?${params}`, name, headers, explainedStatuses: [400, 422], ...retry });
    const reading = readQueryRangeBody(body);
    if (reading.ok) return reading;
    if (reading.problem === 'malformed') {
      throw new EndpointError({ code: 'BAD_RESPONSE', message: `${name}: the answer to ${JSON.stringify(query)} is not a query_range answer (${body === undefined ? 'not JSON' : reading.message})` });
    }
    if (reading.problem === 'refused' && !QUERY_ERRORS.has(reading.errorType)) {
      throw new EndpointError({ code: 'REQUEST_FAILED', message: `${name}: ${reading.errorType} answering ${JSON.stringify(query)}: ${reading.message}` });
    }
    const problem = reading.problem === 'refused' ? `refused by ${name} (${reading.errorType}: ${reading.message})` : `answered by ${name} with what the canary gate cannot read: ${reading.message}`;
    throw new InputError({ code: 'SCHEMA_INVALID', message: `PromQL ${JSON.stringify(query)} ${problem}` });
  }

  return {
    description: { kind: 'prometheus', url: base },
    async queryRange(query: RangeQuery): Promise<RangeAnswer> {
      const { startMs, endMs, stepMs } = rangeInMilliseconds(query);
      const merged = new Map<string, { labels: Readonly<Record<string, string>>; points: Array<readonly [number, string]> }>();
      const warnings = new Set<string>();
      for (const [chunkStart, chunkEnd] of chunks(startMs, endMs, stepMs, maxPoints)) {
        const answer = await ask(query.query, chunkStart, chunkEnd, stepMs);
        for (const warning of answer.warnings) warnings.add(warning);
        for (const series of answer.series) {
          const key = seriesKey(series.labels);
          const into = merged.get(key);
          // A series first seen in a later chunk comes after those seen before it.
          if (into === undefined) {
            merged.set(key, { labels: series.labels, points: [...series.points] });
            continue;
          }
          // Chunks do not overlap, but a point on a shared boundary is kept once.
          const last = into.points.at(-1)?.[0] ?? -Infinity;
          for (const point of series.points) if (point[0] > last) into.points.push(point);
        }
      }
      return { query, series: [...merged.values()], warnings: [...warnings] };
    },
  };
}

// errorTypes that say the query itself is wrong: it does not parse or type
// (bad_data, HTTP 400), or it cannot be evaluated as written (execution, 422).
const QUERY_ERRORS = new Set(['bad_data', 'execution']);

/**
 * [start, end] pairs in milliseconds covering the query's evaluation times
 * start, start + step, … ≤ end with at most `maxPoints` each, every chunk
 * starting on the query's grid so the chunks together hold exactly the points
 * one request would.
 */
function chunks(startMs: number, endMs: number, stepMs: number, maxPoints: number): Array<[number, number]> {
  const points = Math.floor((endMs - startMs) / stepMs) + 1;
  if (points <= maxPoints) return [[startMs, endMs]];
  const result: Array<[number, number]> = [];
  for (let first = 0; first < points; first += maxPoints) {
    const last = first + maxPoints - 1;
    result.push([startMs + first * stepMs, last >= points - 1 ? endMs : startMs + last * stepMs]);
  }
  return result;
}

// Prometheus reads times to the millisecond and truncates a step to whole
// milliseconds; working in milliseconds keeps every chunk on its grid.
function rangeInMilliseconds(query: RangeQuery): { startMs: number; endMs: number; stepMs: number } {
  const what = `range query ${JSON.stringify(query.query)}`;
  if (!Number.isFinite(query.start) || !Number.isFinite(query.end) || query.end < query.start) {
    throw new InputError({ code: 'USAGE', message: `${what}: start and end must be Unix seconds with end not before start, got ${query.start} and ${query.end}` });
  }
  const stepMs = Math.round(query.step * 1000);
  if (!(stepMs >= 1) || Math.abs(stepMs - query.step * 1000) > 1e-6) {
    throw new InputError({ code: 'USAGE', message: `${what}: step must be a positive whole number of milliseconds in seconds, got ${query.step}` });
  }
  return { startMs: Math.round(query.start * 1000), endMs: Math.round(query.end * 1000), stepMs };
}

function seconds(milliseconds: number): string {
  return String(milliseconds / 1000);
}

// The base URL without credentials (description and messages must not carry
// them, and fetch refuses a URL that does), and basic auth made of them.
function parseBaseURL(url: string): { base: string; authorization: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new InputError({ code: 'USAGE', message: `not a Prometheus URL: ${JSON.stringify(url)}`, cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InputError({ code: 'USAGE', message: `a Prometheus URL is http or https, got ${parsed.protocol}` });
  if (parsed.search !== '' || parsed.hash !== '') throw new InputError({ code: 'USAGE', message: 'a Prometheus URL is a base URL, without a query string or fragment' });
  const authorization =
    parsed.username === '' && parsed.password === '' ? undefined : `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  return { base: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`, authorization };
}
