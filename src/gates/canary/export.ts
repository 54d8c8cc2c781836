/**
 * A recorded Prometheus export: range answers saved from a live server and
 * replayed later, so a canary judgement can be made again, or made where the
 * server cannot be reached, from exactly the figures the server gave.
 *
 * The file is UTF-8 JSON:
 *
 * ```json
 * {
 *   "format": "gatehouse.prometheus-export/v1",
 *   "answers": [
 *     { "query": "<PromQL>", "start": <Unix seconds>, "end": <Unix seconds>, "step": <seconds>,
 *       "response": <a query_range response body, as Prometheus's HTTP API returns it> }
 *   ]
 * }
 * ```
 *
 * `response` is read as a live answer is (status "success", resultType
 * "matrix", series of [Unix seconds, "value"] points, warnings and infos). A
 * range query is answered from the first answer with the same query text and
 * step whose [start, end] covers the range on the same step grid, keeping only
 * the points within the range (and the series that have any). recordExport
 * writes such a file from any MetricsSource; an answer asked in chunks is
 * recorded as the one body Prometheus would have sent for the whole range.
 */
import { sha256Hex } from '../../digest/sha256.ts';
import { InputError } from '../../error.ts';
import { MAX_EVIDENCE_BYTES, parseJSON, readBoundedFile } from '../../io/read.ts';
import { isRecord, readQueryRangeBody, toQueryRangeBody } from './query-range.ts';
import type { MetricsSource, RangeAnswer, RangeQuery, RangeSeries } from './source.ts';

/** The `format` of a recorded Prometheus export, naming this version of the layout above. */
export const PROMETHEUS_EXPORT_FORMAT = 'gatehouse.prometheus-export/v1';

/** Reads a recorded export file (up to MAX_EVIDENCE_BYTES) into a MetricsSource; a malformed file fails here, naming it. */
export async function exportSource(path: string): Promise<MetricsSource> {
  return exportSourceFromBytes(await readBoundedFile(path, { maxBytes: MAX_EVIDENCE_BYTES }), path);
}

/**
 * A MetricsSource over the bytes of a recorded export, `name` standing for
 * the file in messages and in the description (with the digest of exactly
 * these bytes). Every answer is read up front, so a malformed file fails
 * before any query: InputError JSON_INVALID or SCHEMA_INVALID naming it. A
 * range the export does not cover fails the query: InputError USAGE naming it.
 */
export function exportSourceFromBytes(bytes: Uint8Array, name: string): MetricsSource {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const answers = readExport(parseJSON(buffer, name), name);
  return {
    description: { kind: 'export', path: name, digest: `sha256:${sha256Hex(buffer)}` },
    async queryRange(query: RangeQuery): Promise<RangeAnswer> {
      const wanted = milliseconds(query);
      const recorded = answers.find((answer) => covers(answer.range, wanted) && answer.query === query.query);
      if (recorded === undefined) {
        const held = answers.filter((answer) => answer.query === query.query).map((answer) => `every ${answer.step} s over [${answer.start}, ${answer.end}]`);
        throw new InputError({
          code: 'USAGE',
          message: `holds no answer for PromQL ${JSON.stringify(query.query)} every ${query.step} s over [${query.start}, ${query.end}]${held.length === 0 ? '' : ` (it holds that query ${held.join(', ')})`}`,
          path: name,
        });
      }
      const series: RangeSeries[] = [];
      for (const { labels, points } of recorded.series) {
        const within = points.filter(([time]) => Math.round(time * 1000) >= wanted.startMs && Math.round(time * 1000) <= wanted.endMs);
        // Prometheus leaves out a series with no point in the range; so does the replay.
        if (within.length > 0) series.push({ labels, points: within });
      }
      return { query, series, warnings: [...recorded.warnings] };
    },
  };
}

/**
 * Asks a source each query in turn and returns the export file's text
 * holding the answers, so a live Prometheus can be recorded once and replayed
 * with exportSource (one answer per line, for a readable diff).
 */
export async function recordExport(source: MetricsSource, queries: readonly RangeQuery[]): Promise<string> {
  const lines: string[] = [];
  for (const query of queries) {
    const answer = await source.queryRange(query);
    lines.push(JSON.stringify({ query: query.query, start: query.start, end: query.end, step: query.step, response: toQueryRangeBody(answer) }));
  }
  return `{"format":${JSON.stringify(PROMETHEUS_EXPORT_FORMAT)},"answers":[${lines.length === 0 ? '' : `\n${lines.join(',\n')}\n`}]}\n`;
}

interface RecordedAnswer {
  query: string;
  start: number;
  end: number;
  step: number;
  range: Range;
  series: RangeSeries[];
  warnings: string[];
}

interface Range {
  startMs: number;
  endMs: number;
  stepMs: number;
}

function readExport(document: unknown, name: string): RecordedAnswer[] {
  const fail = (message: string): never => {
    throw new InputError({ code: 'SCHEMA_INVALID', message: `not a ${PROMETHEUS_EXPORT_FORMAT} file: ${message}`, path: name });
  };
  if (!isRecord(document)) return fail('not a JSON object');
  if (document['format'] !== PROMETHEUS_EXPORT_FORMAT) return fail(`format is ${JSON.stringify(document['format'])}`);
  const answers = document['answers'];
  if (!Array.isArray(answers)) return fail('answers is not a list');
  return answers.map((answer: unknown, index): RecordedAnswer => {
    const where = `answers[${index}]`;
    if (!isRecord(answer)) return fail(`${where} is not an object`);
    const { query, start, end, step } = answer;
    if (typeof query !== 'string') return fail(`${where}.query is not a string`);
    if (!isFiniteNumber(start) || !isFiniteNumber(end) || !isFiniteNumber(step) || !(step > 0) || end < start) {
      return fail(`${where} (${JSON.stringify(query)}): start, end and step must be numbers of seconds, step positive, end not before start`);
    }
    const reading = readQueryRangeBody(answer['response']);
    if (!reading.ok) {
      return fail(`${where} (${JSON.stringify(query)}): response ${reading.problem === 'refused' ? `is Prometheus refusing the query (${reading.errorType}: ${reading.message})` : reading.message}`);
    }
    return { query, start, end, step, range: milliseconds({ start, end, step }), series: reading.series, warnings: reading.warnings };
  });
}

// Times in whole milliseconds, as Prometheus reads them, so grid arithmetic is exact.
function milliseconds(query: Pick<RangeQuery, 'start' | 'end' | 'step'>): Range {
  return { startMs: Math.round(query.start * 1000), endMs: Math.round(query.end * 1000), stepMs: Math.round(query.step * 1000) };
}

// Whether a recorded range holds every evaluation time of a wanted one: same
// step, wanted start on the recorded grid, and [start, end] within.
function covers(recorded: Range, wanted: Range): boolean {
  return (
    recorded.stepMs === wanted.stepMs &&
    wanted.startMs >= recorded.startMs &&
    wanted.endMs <= recorded.endMs &&
    (wanted.startMs - recorded.startMs) % recorded.stepMs === 0
  );
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
