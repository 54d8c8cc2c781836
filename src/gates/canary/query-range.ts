import { canonicalize } from '../../canonical/json.ts';
import type { RangeAnswer, RangeSeries } from './source.ts';

/**
 * What a Prometheus query_range answer body held: its series and warnings, or
 * why they cannot be read: Prometheus refused the query (`refused`, with its
 * errorType), the answer holds what the canary gate does not read
 * (`unsupported`: native histograms), or it is not a query_range answer at all
 * (`malformed`). Which error each becomes is the caller's to decide: a live
 * server and a recorded file fail differently.
 */
export type QueryRangeReading =
  | { ok: true; series: RangeSeries[]; warnings: string[] }
  | { ok: false; problem: 'refused'; errorType: string; message: string }
  | { ok: false; problem: 'unsupported' | 'malformed'; message: string };

/**
 * Reads a query_range answer body as Prometheus's HTTP API defines it, the one
 * reader the live source and the recorded export share so a recorded answer
 * reads exactly as the live one did. Warnings and infos both become warnings,
 * infos prefixed "info: ".
 */
export function readQueryRangeBody(body: unknown): QueryRangeReading {
  if (!isRecord(body)) return malformed('the answer is not a JSON object');
  if (body['status'] === 'error') {
    const errorType = typeof body['errorType'] === 'string' ? body['errorType'] : 'unknown';
    return { ok: false, problem: 'refused', errorType, message: typeof body['error'] === 'string' ? body['error'] : '(no error text)' };
  }
  if (body['status'] !== 'success') return malformed(`status is ${JSON.stringify(body['status'])}, neither "success" nor "error"`);
  const warnings = textList(body['warnings'], '');
  const infos = textList(body['infos'], 'info: ');
  if (warnings === undefined || infos === undefined) return malformed('warnings and infos must be lists of strings');
  const data = body['data'];
  if (!isRecord(data)) return malformed('data is not an object');
  if (data['resultType'] !== 'matrix') return malformed(`resultType is ${JSON.stringify(data['resultType'])}; a range query answers "matrix"`);
  const result = data['result'];
  if (!Array.isArray(result)) return malformed('data.result is not a list');
  const series: RangeSeries[] = [];
  const seen = new Set<string>();
  for (const [index, item] of result.entries()) {
    const where = `data.result[${index}]`;
    if (!isRecord(item)) return malformed(`${where} is not an object`);
    if (item['histograms'] !== undefined) {
      return { ok: false, problem: 'unsupported', message: `${where} holds native histogram samples, which the canary gate does not read; ask for floats (histogram_quantile, histogram_count, histogram_sum)` };
    }
    const metric = item['metric'];
    if (!isRecord(metric) || !Object.values(metric).every((value) => typeof value === 'string')) return malformed(`${where}.metric is not an object of label values`);
    const labels = Object.fromEntries(Object.entries(metric as Record<string, string>));
    const key = seriesKey(labels);
    // Each series is judged by its labels; two with the same labels could only be merged by guessing.
    if (seen.has(key)) return malformed(`${where} repeats the labels ${key}`);
    seen.add(key);
    const points = readPoints(item['values'], `${where}.values`);
    if (typeof points === 'string') return malformed(points);
    series.push({ labels, points });
  }
  return { ok: true, series, warnings: [...warnings, ...infos] };
}

/**
 * The query_range answer body Prometheus would have sent for an answer: what
 * a recorded export holds, so readQueryRangeBody gives the answer back unchanged.
 */
export function toQueryRangeBody(answer: Pick<RangeAnswer, 'series' | 'warnings'>): Record<string, unknown> {
  return {
    status: 'success',
    data: { resultType: 'matrix', result: answer.series.map((series) => ({ metric: series.labels, values: series.points })) },
    ...(answer.warnings.length === 0 ? {} : { warnings: answer.warnings }),
  };
}

/** A series' identity: its whole label set as canonical JSON, so label order never matters and different sets never collide. */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  return canonicalize(labels);
}

/**
 * Whether `text` is a number as Prometheus writes a sample value or a bucket
 * bound: a decimal (an exponent allowed, as other servers of its API write
 * large values), NaN, +Inf or -Inf. Text such as "" or "0x10", which Number()
 * would still read as 0 or 16, is not.
 */
export function isPrometheusNumber(text: string): boolean {
  return /^(?:NaN|[+-]Inf|[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)$/.test(text);
}

// Samples as [Unix seconds, value text], strictly in time order; a problem is returned as text.
function readPoints(values: unknown, where: string): Array<readonly [number, string]> | string {
  // Newer servers leave "values" out of a series that has none.
  if (values === undefined) return [];
  if (!Array.isArray(values)) return `${where} is not a list`;
  const points: Array<readonly [number, string]> = [];
  let last = -Infinity;
  for (const [index, value] of values.entries()) {
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'number' || !Number.isFinite(value[0]) || typeof value[1] !== 'string') {
      return `${where}[${index}] is not a [Unix seconds, "value"] pair`;
    }
    if (!isPrometheusNumber(value[1])) return `${where}[${index}] value ${JSON.stringify(value[1])} is not a number`;
    if (value[0] <= last) return `${where}[${index}] is not after the sample before it`;
    last = value[0];
    points.push([value[0], value[1]]);
  }
  return points;
}

function textList(value: unknown, prefix: string): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return undefined;
  return value.map((item: string) => `${prefix}${item}`);
}

/** Whether `value` is a JSON object (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(message: string): QueryRangeReading {
  return { ok: false, problem: 'malformed', message };
}
