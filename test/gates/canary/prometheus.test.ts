import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { classifyError } from '../../../src/error-classification.ts';
import { InputError } from '../../../src/error.ts';
import { refusal } from '../../support/refusal.ts';
import { exportSource, exportSourceFromBytes, recordExport, PROMETHEUS_EXPORT_FORMAT } from '../../../src/gates/canary/export.ts';
import { prometheusSource } from '../../../src/gates/canary/prometheus.ts';
import { readQueryRangeBody } from '../../../src/gates/canary/query-range.ts';
import type { MetricsSource, RangeAnswer, RangeQuery } from '../../../src/gates/canary/source.ts';
import { temporaryDirectory } from '../../helpers.ts';
import { startPrometheus, type PrometheusSeries, type TestPrometheus } from '../../support/prometheus.ts';

// A fixed clock: the series span the four hours before NOW, every 15 s, so
// every figure below is the same on every run.
const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z
const FIRST = NOW - 4 * 3600;
const TIMES = Array.from({ length: (NOW - FIRST) / 15 + 1 }, (_, k) => FIRST + 15 * k);
// Three hours before NOW, on the sample grid, well inside the data.
const WINDOW = NOW - 3 * 3600;

// Requests per 15 s: the canary answers 3 with code 200 and 1 with code 500, the baseline 2 with code 200.
const counter = (labels: Record<string, string>, perSample: number): PrometheusSeries => ({
  type: 'counter',
  name: 'requests',
  labels,
  samples: TIMES.map((time, k) => [time, 1000 + perSample * k] as const),
});
// Latency histograms: per 15 s, the canary observes 2 / 6 / 9 / 10 requests at or below 0.1 / 0.5 / 1 / +Inf seconds, the baseline 4 / 8 / 10 / 10.
const histogram = (track: string, perSample: [number, number, number, number]): PrometheusSeries => ({
  type: 'histogram',
  name: 'latency_seconds',
  labels: { track },
  samples: TIMES.map((time, k) => [time, { buckets: [[0.1, perSample[0] * k], [0.5, perSample[1] * k], [1, perSample[2] * k]], count: perSample[3] * k, sum: 0.25 * perSample[3] * k }] as const),
});
const SERIES: PrometheusSeries[] = [
  counter({ track: 'canary', code: '200' }, 3),
  counter({ track: 'canary', code: '500' }, 1),
  counter({ track: 'baseline', code: '200' }, 2),
  histogram('canary', [2, 6, 9, 10]),
  histogram('baseline', [4, 8, 10, 10]),
];

const ARMS: RangeQuery = { query: 'sum by (track) (increase(requests_total[1m]))', start: WINDOW, end: WINDOW + 600, step: 60 };
const PER_SERIES: RangeQuery = { query: 'increase(requests_total[1m])', start: WINDOW, end: WINDOW + 600, step: 60 };
// 12,001 points per series: more than Prometheus gives for one query.
const LONG: RangeQuery = { query: 'requests_total', start: FIRST + 600, end: FIRST + 600 + 12_000, step: 1 };

const sorted = (answer: RangeAnswer) => [...answer.series].sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
const times = (answer: RangeAnswer) => answer.series.map((series) => series.points.map(([time]) => time));
const grid = (query: RangeQuery) => Array.from({ length: Math.floor((query.end - query.start) / query.step) + 1 }, (_, k) => query.start + k * query.step);

let server: TestPrometheus;
let live: MetricsSource;
beforeAll(async () => {
  server = await startPrometheus(SERIES);
  live = prometheusSource(server.url);
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('prometheusSource', () => {
  it('describes itself by its base URL', () => {
    expect(live.description).toEqual({ kind: 'prometheus', url: server.url });
  });

  describe('#queryRange', () => {
    it('answers each arm of a canary with its per-step increase', async () => {
      const answer = await live.queryRange(ARMS);
      expect(answer.query).toEqual(ARMS);
      expect(answer.warnings).toEqual([]);
      expect(sorted(answer)).toEqual([
        { labels: { track: 'baseline' }, points: grid(ARMS).map((time) => [time, '8']) },
        { labels: { track: 'canary' }, points: grid(ARMS).map((time) => [time, '16']) },
      ]);
    });

    it('keeps every series apart with its whole label set', async () => {
      const answer = await live.queryRange(PER_SERIES);
      expect(sorted(answer).map((series) => [series.labels, series.points.map(([, value]) => value)])).toEqual([
        [{ code: '200', track: 'baseline' }, Array(11).fill('8')],
        [{ code: '200', track: 'canary' }, Array(11).fill('12')],
        [{ code: '500', track: 'canary' }, Array(11).fill('4')],
      ]);
    });

    it('reads histograms through histogram_quantile', async () => {
      const answer = await live.queryRange({ query: 'histogram_quantile(0.5, sum by (le, track) (rate(latency_seconds_bucket[1m])))', start: WINDOW, end: WINDOW + 120, step: 60 });
      expect(sorted(answer).map((series) => [series.labels, series.points.map(([, value]) => Number(value))])).toEqual([
        [{ track: 'baseline' }, [expect.closeTo(0.2, 12), expect.closeTo(0.2, 12), expect.closeTo(0.2, 12)]],
        [{ track: 'canary' }, [expect.closeTo(0.4, 12), expect.closeTo(0.4, 12), expect.closeTo(0.4, 12)]],
      ]);
    });

    describe('when the range holds more points than one request may', () => {
      // Off the sample grid, so a chunk that started anywhere but on the query's own grid would change the values.
      const query: RangeQuery = { query: 'increase(requests_total[1m])', start: WINDOW + 7, end: WINDOW + 7 + 400 * 15, step: 15 };

      it('asks in chunks on the query grid and merges them into exactly the one-request answer', async () => {
        const requests = vi.spyOn(globalThis, 'fetch');
        const whole = await prometheusSource(server.url, { maxPoints: Infinity }).queryRange(query);
        expect(requests).toHaveBeenCalledTimes(1);
        const chunked = await prometheusSource(server.url, { maxPoints: 50 }).queryRange(query);
        expect(requests).toHaveBeenCalledTimes(1 + 9);
        expect(chunked).toEqual(whole);
        expect(chunked.series).toHaveLength(3);
        for (const points of times(chunked)) expect(points).toEqual(grid(query));
      });

      it('is refused by Prometheus past 11,000 points in one request, and answered in chunks by default', async () => {
        const refused = await prometheusSource(server.url, { maxPoints: Infinity }).queryRange(LONG).catch((error: unknown) => error);
        expect(refused).toMatchObject({ name: 'InputError', code: 'SCHEMA_INVALID', message: expect.stringContaining('exceeded maximum resolution of 11,000 points') });
        expect((refused as Error).message).toContain('"requests_total"');

        const answer = await live.queryRange(LONG);
        expect(answer.series).toHaveLength(3);
        for (const points of times(answer)) expect(points).toEqual(grid(LONG));
        // The raw counter: 1000 at FIRST, 3 more every 15 s (the last sample within the 5-minute lookback).
        const canary = answer.series.find((series) => series.labels['track'] === 'canary' && series.labels['code'] === '200');
        expect(canary?.points[0]).toEqual([LONG.start, String(1000 + 3 * 40)]);
        expect(canary?.points.at(-1)).toEqual([LONG.end, String(1000 + 3 * 840)]);
      });
    });

    describe('when the query is wrong', () => {
      it('throws an InputError naming the query and the server’s reason (exit 2)', async () => {
        const error = await live.queryRange({ ...ARMS, query: 'sum(requests_total' }).catch((thrown: unknown) => thrown);
        expect(error).toMatchObject({ name: 'InputError', code: 'SCHEMA_INVALID' });
        expect((error as Error).message).toMatch(/^PromQL "sum\(requests_total" refused by Prometheus at http:\/\/127\.0\.0\.1:\d+ \(bad_data: .*parse error.*\)$/);
        expect(classifyError(error).exitCode).toBe(2);
      });

      it('refuses a range that is no range before asking', async () => {
        const requests = vi.spyOn(globalThis, 'fetch');
        await expect(live.queryRange({ ...ARMS, end: ARMS.start - 1 })).rejects.toMatchObject({ name: 'InputError', code: 'USAGE' });
        await expect(live.queryRange({ ...ARMS, step: 0 })).rejects.toMatchObject({ name: 'InputError', code: 'USAGE' });
        expect(requests).not.toHaveBeenCalled();
      });
    });

    describe('when Prometheus stops mid-run', () => {
      it('throws an EndpointError once its retries are spent (exit 3, unavailable)', async () => {
        const doomed = await startPrometheus([counter({ track: 'canary', code: '200' }, 3)]);
        const source = prometheusSource(doomed.url, { retries: 1, backoffMs: 10 });
        await expect(source.queryRange(ARMS)).resolves.toMatchObject({ series: [{ labels: { track: 'canary' } }] });
        await doomed.kill();
        const error = await source.queryRange(ARMS).catch((thrown: unknown) => thrown);
        expect(error).toMatchObject({ name: 'EndpointError', code: 'REQUEST_FAILED', message: expect.stringMatching(/^Prometheus at http:\/\/127\.0\.0\.1:\d+: no answer after 2 attempts \(fetch failed: .*ECONNREFUSED/) });
        expect(classifyError(error)).toMatchObject({ kind: 'unavailable', exitCode: 3 });
      });
    });
  });
});

describe('readQueryRangeBody', () => {
  it('reads every value Prometheus writes, and refuses text that is no number though Number() reads it', () => {
    const values = ['0', '-0.5', '12.', '.25', '1e+06', '1e6', '2.5E-3', 'NaN', '+Inf', '-Inf'];
    const body = { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: values.map((value, i) => [i, value]) }] } };
    expect(readQueryRangeBody(body)).toEqual({ ok: true, series: [{ labels: {}, points: values.map((value, i) => [i, value]) }], warnings: [] });
    for (const value of ['', ' 1', '1 ', '0x10', '0b1', 'Infinity', 'inf', 'nan', '+', '.', '1e', '1,5']) {
      const refused = readQueryRangeBody({ ...body, data: { ...body.data, result: [{ metric: {}, values: [[0, value]] }] } });
      expect(refused).toEqual({ ok: false, problem: 'malformed', message: `data.result[0].values[0] value ${JSON.stringify(value)} is not a number` });
    }
  });

  it('reads a refusal with or without its errorType and error text', () => {
    expect(readQueryRangeBody({ status: 'error', errorType: 'bad_data', error: 'parse error' })).toEqual({ ok: false, problem: 'refused', errorType: 'bad_data', message: 'parse error' });
    expect(readQueryRangeBody({ status: 'error', errorType: 4, error: ['x'] })).toEqual({ ok: false, problem: 'refused', errorType: 'unknown', message: '(no error text)' });
  });

  it('reads a series without values as one with no points, and matches warnings and infos in order', () => {
    expect(readQueryRangeBody({ status: 'success', warnings: ['w1', 'w2'], infos: ['i'], data: { resultType: 'matrix', result: [{ metric: { a: '1' } }] } })).toEqual({
      ok: true,
      series: [{ labels: { a: '1' }, points: [] }],
      warnings: ['w1', 'w2', 'info: i'],
    });
  });

  const matrix = (result: unknown) => ({ status: 'success', data: { resultType: 'matrix', result } });
  it.each([
    ['a list', [], 'the answer is not a JSON object'],
    ['null', null, 'the answer is not a JSON object'],
    ['text', 'ok', 'the answer is not a JSON object'],
    ['another status', { status: 'pending' }, 'status is "pending", neither "success" nor "error"'],
    ['no status', { data: {} }, 'status is undefined, neither "success" nor "error"'],
    ['warnings that are no list', { ...matrix([]), warnings: 'w' }, 'warnings and infos must be lists of strings'],
    ['a warning that is no text', { ...matrix([]), warnings: ['w', 1] }, 'warnings and infos must be lists of strings'],
    ['an info that is no text', { ...matrix([]), infos: [null] }, 'warnings and infos must be lists of strings'],
    ['data that is no object', { status: 'success', data: [] }, 'data is not an object'],
    ['a result that is no list', { status: 'success', data: { resultType: 'matrix', result: {} } }, 'data.result is not a list'],
    ['a series that is no object', matrix([{ metric: {}, values: [] }, []]), 'data.result[1] is not an object'],
    ['labels that are no object', matrix([{ metric: [], values: [] }]), 'data.result[0].metric is not an object of label values'],
    ['a label value that is no text', matrix([{ metric: { a: 1 }, values: [] }]), 'data.result[0].metric is not an object of label values'],
    ['the same labels in another order', matrix([{ metric: { a: '1', b: '2' } }, { metric: { b: '2', a: '1' } }]), 'data.result[1] repeats the labels {"a":"1","b":"2"}'],
    ['values that are no list', matrix([{ metric: {}, values: {} }]), 'data.result[0].values is not a list'],
    ['a point that is no list', matrix([{ metric: {}, values: [[0, '1'], 5] }]), 'data.result[0].values[1] is not a [Unix seconds, "value"] pair'],
    ['a point of three parts', matrix([{ metric: {}, values: [[0, '1', '2']] }]), 'data.result[0].values[0] is not a [Unix seconds, "value"] pair'],
    ['a time that is text', matrix([{ metric: {}, values: [['0', '1']] }]), 'data.result[0].values[0] is not a [Unix seconds, "value"] pair'],
    ['a time that is not finite', matrix([{ metric: {}, values: [[Number.POSITIVE_INFINITY, '1']] }]), 'data.result[0].values[0] is not a [Unix seconds, "value"] pair'],
    ['a value that is a number', matrix([{ metric: {}, values: [[0, 1]] }]), 'data.result[0].values[0] is not a [Unix seconds, "value"] pair'],
    ['two points at one time', matrix([{ metric: {}, values: [[0, '1'], [0, '2']] }]), 'data.result[0].values[1] is not after the sample before it'],
  ])('refuses %s as malformed, saying where', (_, body, message) => {
    expect(readQueryRangeBody(body)).toEqual({ ok: false, problem: 'malformed', message });
  });
});

describe('recordExport and exportSource', () => {
  it('replay a recorded live answer exactly, and any aligned part of it', async () => {
    const path = join(await temporaryDirectory(), 'canary.prometheus.json');
    const queries = [ARMS, PER_SERIES, LONG];
    await writeFile(path, await recordExport(live, queries));
    const replay = await exportSource(path);
    expect(replay.description).toEqual({ kind: 'export', path, digest: `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}` });
    for (const query of queries) expect(await replay.queryRange(query)).toEqual(await live.queryRange(query));
    const part: RangeQuery = { ...PER_SERIES, start: PER_SERIES.start + 120, end: PER_SERIES.start + 300 };
    expect(await replay.queryRange(part)).toEqual(await live.queryRange(part));
  });

  it('replays the warnings recorded, leaves out a series with no point in the range asked, and records no warnings or answers as none', async () => {
    const recorded: MetricsSource = {
      description: { kind: 'prometheus', url: 'http://stand-in' },
      queryRange: async (query) => ({
        query,
        series: [
          { labels: { a: 'early' }, points: [[100, '1'], [110, '2']] },
          { labels: { a: 'late' }, points: [[110, '3'], [120, '4']] },
        ],
        warnings: query.query === 'warned' ? ['partial answer'] : [],
      }),
    };
    const text = await recordExport(recorded, [
      { query: 'warned', start: 100, end: 120, step: 10 },
      { query: 'quiet', start: 100, end: 120, step: 10 },
    ]);
    expect(JSON.parse(text).answers.map((answer: { response: object }) => 'warnings' in answer.response)).toEqual([true, false]);
    const replay = exportSourceFromBytes(Buffer.from(text), 'recorded.json');
    expect((await replay.queryRange({ query: 'warned', start: 100, end: 120, step: 10 })).warnings).toEqual(['partial answer']);
    expect(await replay.queryRange({ query: 'quiet', start: 120, end: 120, step: 10 })).toEqual({ query: { query: 'quiet', start: 120, end: 120, step: 10 }, series: [{ labels: { a: 'late' }, points: [[120, '4']] }], warnings: [] });
    expect(await recordExport(recorded, [])).toBe(`{"format":"${PROMETHEUS_EXPORT_FORMAT}","answers":[]}\n`);
  });

  it('answers only from a recorded range at the same step, starting on its grid, that covers the range asked', async () => {
    const text = await recordExport(live, [PER_SERIES]);
    const replay = exportSourceFromBytes(Buffer.from(text), 'recorded.json');
    // Held: the whole range, and a part of it starting on its grid.
    await expect(replay.queryRange(PER_SERIES)).resolves.toBeDefined();
    await expect(replay.queryRange({ ...PER_SERIES, start: PER_SERIES.start + 60, end: PER_SERIES.end - 60 })).resolves.toBeDefined();
    // Not held: another step (its grid the same), a start before, an end after, a start off the grid.
    for (const query of [{ ...PER_SERIES, step: 120 }, { ...PER_SERIES, start: PER_SERIES.start - 60 }, { ...PER_SERIES, end: PER_SERIES.end + 60 }, { ...PER_SERIES, start: PER_SERIES.start + 30 }]) {
      await expect(replay.queryRange(query), JSON.stringify(query)).rejects.toMatchObject({ code: 'USAGE' });
    }
    // A grid that does not start on a multiple of its step: a start 10 s on is on it, 7 s on is not.
    const offset = exportSourceFromBytes(Buffer.from(await recordExport(live, [{ ...PER_SERIES, start: 1003, end: 1053, step: 10 }])), 'offset.json');
    await expect(offset.queryRange({ ...PER_SERIES, start: 1013, end: 1033, step: 10 })).resolves.toBeDefined();
    await expect(offset.queryRange({ ...PER_SERIES, start: 1010, end: 1030, step: 10 })).rejects.toMatchObject({ code: 'USAGE' });
    // A range of one evaluation time, start and end equal, is recorded and answered.
    const instant = exportSourceFromBytes(Buffer.from(await recordExport(live, [{ ...PER_SERIES, end: PER_SERIES.start }])), 'instant.json');
    await expect(instant.queryRange({ ...PER_SERIES, end: PER_SERIES.start })).resolves.toMatchObject({ query: { end: PER_SERIES.start } });
  });

  it('lists every range it holds of a query it cannot answer, and none for a query it does not hold', async () => {
    const replay = exportSourceFromBytes(Buffer.from(await recordExport(live, [ARMS, { ...ARMS, step: 120 }])), 'recorded.json');
    await expect(replay.queryRange({ ...ARMS, step: 30 })).rejects.toMatchObject({
      message: `holds no answer for PromQL ${JSON.stringify(ARMS.query)} every 30 s over [${ARMS.start}, ${ARMS.end}] (it holds that query every 60 s over [${ARMS.start}, ${ARMS.end}], every 120 s over [${ARMS.start}, ${ARMS.end}])`,
    });
    await expect(replay.queryRange({ ...ARMS, query: 'up' })).rejects.toMatchObject({ message: `holds no answer for PromQL "up" every 60 s over [${ARMS.start}, ${ARMS.end}]` });
  });

  it('reads an export larger than a document may be, up to the evidence limit', async () => {
    // One query 17 MiB long: past the 16 MiB limit of other documents.
    const query = `sum(x)${' '.repeat(17 * 1024 * 1024)}`;
    const path = join(await temporaryDirectory(), 'large.prometheus.json');
    await writeFile(path, JSON.stringify({ format: PROMETHEUS_EXPORT_FORMAT, answers: [{ query, start: 0, end: 10, step: 10, response: { status: 'success', data: { resultType: 'matrix', result: [] } } }] }));
    const replay = await exportSource(path);
    expect(await replay.queryRange({ query, start: 0, end: 10, step: 10 })).toEqual({ query: { query, start: 0, end: 10, step: 10 }, series: [], warnings: [] });
  });

  describe('when the export does not hold the query', () => {
    it('throws an InputError naming the file and the query, and what it holds of that query (exit 2)', async () => {
      const replay = exportSourceFromBytes(Buffer.from(await recordExport(live, [ARMS])), 'recorded.json');
      const missing = await replay.queryRange(PER_SERIES).catch((error: unknown) => error);
      expect(missing).toMatchObject({ name: 'InputError', code: 'USAGE', path: 'recorded.json' });
      expect(classifyError(missing).line).toBe(`recorded.json: holds no answer for PromQL "increase(requests_total[1m])" every 60 s over [${PER_SERIES.start}, ${PER_SERIES.end}]`);
      // The same query at another step, past the recorded end, or off the recorded grid is not held either.
      for (const query of [{ ...ARMS, step: 30 }, { ...ARMS, end: ARMS.end + 60 }, { ...ARMS, start: ARMS.start + 30 }]) {
        await expect(replay.queryRange(query)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining(`(it holds that query every 60 s over [${ARMS.start}, ${ARMS.end}])`) });
      }
    });
  });

  describe('when the file is not an export', () => {
    it.each([
      ['not JSON', '{"format": ', 'JSON_INVALID', /^bad\.json: not valid JSON/],
      ['another format', '{"format": "v0", "answers": []}', 'SCHEMA_INVALID', /^bad\.json: not a gatehouse\.prometheus-export\/v1 file: format is "v0"$/],
      [
        'an instant answer',
        JSON.stringify({ format: PROMETHEUS_EXPORT_FORMAT, answers: [{ query: 'up', start: 0, end: 60, step: 15, response: { status: 'success', data: { resultType: 'vector', result: [] } } }] }),
        'SCHEMA_INVALID',
        /^bad\.json: .*answers\[0\] \("up"\): response resultType is "vector"; a range query answers "matrix"$/,
      ],
      ['a list', '[]', 'SCHEMA_INVALID', /^bad\.json: not a gatehouse\.prometheus-export\/v1 file: not a JSON object$/],
      ['answers that are no list', `{"format": "${PROMETHEUS_EXPORT_FORMAT}", "answers": {}}`, 'SCHEMA_INVALID', /^bad\.json: not a gatehouse\.prometheus-export\/v1 file: answers is not a list$/],
      ['an answer that is no object', `{"format": "${PROMETHEUS_EXPORT_FORMAT}", "answers": [[]]}`, 'SCHEMA_INVALID', /^bad\.json: not a gatehouse\.prometheus-export\/v1 file: answers\[0\] is not an object$/],
      ['a query that is no text', `{"format": "${PROMETHEUS_EXPORT_FORMAT}", "answers": [{"query": 1}]}`, 'SCHEMA_INVALID', /^bad\.json: not a gatehouse\.prometheus-export\/v1 file: answers\[0\]\.query is not a string$/],
      ...(
        [
          ['a start that is text', { start: '0' }],
          ['an end that is text', { end: '60' }],
          ['a step of 0', { step: 0 }],
          ['a negative step', { step: -15 }],
          ['an end before the start', { start: 60, end: 0 }],
        ] as const
      ).map(([what, range]): [string, string, string, RegExp] => [
        what,
        JSON.stringify({ format: PROMETHEUS_EXPORT_FORMAT, answers: [{ query: 'up', start: 0, end: 60, step: 15, ...range, response: {} }] }),
        'SCHEMA_INVALID',
        /^bad\.json: not a gatehouse\.prometheus-export\/v1 file: answers\[0\] \("up"\): start, end and step must be numbers of seconds, step positive, end not before start$/,
      ]),
      [
        'a value that is no number',
        JSON.stringify({ format: PROMETHEUS_EXPORT_FORMAT, answers: [{ query: 'up', start: 0, end: 60, step: 15, response: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[0, '']] }] } } }] }),
        'SCHEMA_INVALID',
        /^bad\.json: .*answers\[0\] \("up"\): response data\.result\[0\]\.values\[0\] value "" is not a number$/,
      ],
      [
        'a recorded refusal',
        JSON.stringify({ format: PROMETHEUS_EXPORT_FORMAT, answers: [{ query: 'up(', start: 0, end: 60, step: 15, response: { status: 'error', errorType: 'bad_data', error: 'parse error' } }] }),
        'SCHEMA_INVALID',
        /^bad\.json: .*answers\[0\] \("up\("\): response is Prometheus refusing the query \(bad_data: parse error\)$/,
      ],
    ])('refuses %s with an InputError naming the file', (_, text, code, line) => {
      let thrown: unknown;
      try {
        exportSourceFromBytes(Buffer.from(text), 'bad.json');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ name: 'InputError', code, path: 'bad.json' });
      expect(classifyError(thrown)).toMatchObject({ exitCode: 2, line: expect.stringMatching(line) });
    });
  });
});

// What no Prometheus of the installed version answers, from a stand-in server.
describe('prometheusSource against answers a real server rarely gives', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const one of servers.splice(0)) {
      one.closeAllConnections();
      one.close();
    }
  });
  async function serve(answer: (response: ServerResponse, request: IncomingMessage) => void): Promise<{ url: string; requests: IncomingMessage[] }> {
    const requests: IncomingMessage[] = [];
    const stand = createServer((request, response) => {
      requests.push(request);
      answer(response, request);
    });
    await new Promise<void>((resolve) => stand.listen(0, '127.0.0.1', resolve));
    servers.push(stand);
    return { url: `http://127.0.0.1:${(stand.address() as AddressInfo).port}`, requests };
  }
  const json = (status: number, body: unknown) => (response: ServerResponse) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const matrix = (result: unknown[], extra: object = {}) => ({ status: 'success', data: { resultType: 'matrix', result }, ...extra });

  it('asks query_range under the base URL with the range in seconds, sends credentials from the URL as basic auth, and describes the URL without them', async () => {
    const { url, requests } = await serve(json(200, matrix([])));
    const source = prometheusSource(`${url.replace('http://', 'http://reader:s%40cret@')}/prom/`);
    expect(source.description).toEqual({ kind: 'prometheus', url: `${url}/prom` });
    await source.queryRange({ query: 'up', start: 100.5, end: 200, step: 0.25 });
    expect(requests[0]?.url).toBe('/prom/api/v1/query_range?query=up&start=100.5&end=200&step=0.25');
    expect(requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('reader:s@cret').toString('base64')}`);
  });

  it('sends the headers it is given', async () => {
    const { url, requests } = await serve(json(200, matrix([])));
    await prometheusSource(url, { headers: { Authorization: 'Bearer t0ken' } }).queryRange(ARMS);
    expect(requests[0]?.headers.authorization).toBe('Bearer t0ken');
    // An Authorization header given outright wins over credentials in the URL, whatever its case.
    await prometheusSource(url.replace('http://', 'http://reader:s3cret@'), { headers: { AUTHORIZATION: 'Bearer t0ken' } }).queryRange(ARMS);
    expect(requests[1]?.headers.authorization).toBe('Bearer t0ken');
    // A URL with a user name alone, or a password alone, is sent as basic auth.
    await prometheusSource(url.replace('http://', 'http://reader@')).queryRange(ARMS);
    await prometheusSource(url.replace('http://', 'http://:s3cret@')).queryRange(ARMS);
    expect([requests[2]?.headers.authorization, requests[3]?.headers.authorization]).toEqual([`Basic ${Buffer.from('reader:').toString('base64')}`, `Basic ${Buffer.from(':s3cret').toString('base64')}`]);
    // Other headers leave the URL's credentials to be sent.
    await prometheusSource(url.replace('http://', 'http://reader:s3cret@'), { headers: { 'x-scope-orgid': 'tenant-1' } }).queryRange(ARMS);
    expect([requests[4]?.headers.authorization, requests[4]?.headers['x-scope-orgid']]).toEqual([`Basic ${Buffer.from('reader:s3cret').toString('base64')}`, 'tenant-1']);
  });

  it('sends no Authorization header when the URL carries no credentials and none is given', async () => {
    const { url, requests } = await serve(json(200, matrix([])));
    await prometheusSource(`${url}/`, { headers: { 'x-scope-orgid': 'tenant-1' } }).queryRange(ARMS);
    expect(requests[0]?.headers.authorization).toBeUndefined();
    expect(requests[0]?.headers['x-scope-orgid']).toBe('tenant-1');
  });

  it('refuses, as usage (exit 2), a URL that is no http(s) base URL and a maxPoints that is no positive whole number', () => {
    const said = (run: () => unknown) => {
      const error = refusal(run, InputError);
      return [error.code, error.message];
    };
    expect(said(() => prometheusSource('not a url'))).toEqual(['USAGE', 'not a Prometheus URL: "not a url"']);
    expect(said(() => prometheusSource('ftp://prometheus.example/'))).toEqual(['USAGE', 'a Prometheus URL is http or https, got ftp:']);
    for (const url of ['http://prometheus.example/?x=1', 'http://prometheus.example/#top']) {
      expect(said(() => prometheusSource(url))).toEqual(['USAGE', 'a Prometheus URL is a base URL, without a query string or fragment']);
    }
    expect(prometheusSource('https://prometheus.example//').description).toEqual({ kind: 'prometheus', url: 'https://prometheus.example' });
    for (const maxPoints of [0, -1, 1.5, Number.NaN]) {
      expect(said(() => prometheusSource('http://prometheus.example', { maxPoints }))).toEqual(['USAGE', `maxPoints must be a positive whole number or Infinity, got ${maxPoints}`]);
    }
    // Accepted: these make a source without throwing.
    for (const maxPoints of [1, Infinity]) expect(prometheusSource('http://prometheus.example', { maxPoints }).description.kind).toBe('prometheus');
  });

  it('reports warnings and infos', async () => {
    const { url } = await serve(json(200, matrix([{ metric: { a: '1' }, values: [[1, 'NaN']] }], { warnings: ['partial answer'], infos: ['metric might not be a counter'] })));
    expect(await prometheusSource(url).queryRange({ query: 'x', start: 1, end: 1, step: 1 })).toEqual({
      query: { query: 'x', start: 1, end: 1, step: 1 },
      series: [{ labels: { a: '1' }, points: [[1, 'NaN']] }],
      warnings: ['partial answer', 'info: metric might not be a counter'],
    });
  });

  it('refuses native histograms, naming the query', async () => {
    const { url } = await serve(json(200, matrix([{ metric: {}, histograms: [[1, { count: '1', sum: '1', buckets: [] }]] }])));
    await expect(prometheusSource(url).queryRange(ARMS)).rejects.toMatchObject({ name: 'InputError', message: expect.stringMatching(/^PromQL "sum by .*" answered by .* native histogram samples, which the canary gate does not read/) });
  });

  it.each([
    ['an instant vector', json(200, { status: 'success', data: { resultType: 'vector', result: [] } }), /resultType is "vector"/],
    ['a page that is not JSON', (response: ServerResponse) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'), /\(not JSON\)$/],
    ['the same labels twice', json(200, matrix([{ metric: { a: '1' }, values: [] }, { metric: { a: '1' }, values: [] }])), /repeats the labels \{"a":"1"\}/],
    ['points out of order', json(200, matrix([{ metric: {}, values: [[2, '1'], [1, '1']] }])), /values\[1\] is not after the sample before it/],
    ['an empty value, which Number() reads as 0', json(200, matrix([{ metric: {}, values: [[1, '1'], [2, '']] }])), /values\[1\] value "" is not a number\)$/],
    ['a hexadecimal value', json(200, matrix([{ metric: {}, values: [[1, '0x10']] }])), /values\[0\] value "0x10" is not a number\)$/],
    ['a 400 that is not Prometheus', json(400, { message: 'bad gateway config' }), /status is undefined/],
  ])('throws EndpointError BAD_RESPONSE for %s', async (_, answer, message) => {
    const { url } = await serve(answer);
    await expect(prometheusSource(url).queryRange(ARMS)).rejects.toMatchObject({ name: 'EndpointError', code: 'BAD_RESPONSE', message: expect.stringMatching(message) });
  });

  // A stand-in answering one series with a point at every step of the range asked (start + k·step ≤ end), the value its time.
  const onGrid = (response: ServerResponse, request: IncomingMessage) => {
    const params = new URL(request.url!, 'http://stand-in').searchParams;
    const [start, end, step] = ['start', 'end', 'step'].map((name) => Number(params.get(name)));
    const values: Array<[number, string]> = [];
    for (let k = 0; start! + k * step! <= end! + 1e-9; k++) values.push([start! + k * step!, String(start! + k * step!)]);
    json(200, matrix([{ metric: { a: '1' }, values }]))(response);
  };
  const asked = (requests: IncomingMessage[]) => requests.map((request) => ['start', 'end'].map((name) => Number(new URL(request.url!, 'http://stand-in').searchParams.get(name))));

  it('splits a range of a whole number of chunks into exactly those, the last ending at the query’s own end, and joins their points', async () => {
    const { url, requests } = await serve(onGrid);
    // Six points at three a request: two requests, none past the end.
    const six = await prometheusSource(url, { maxPoints: 3 }).queryRange({ query: 'x', start: 100, end: 105, step: 1 });
    expect(asked(requests)).toEqual([[100, 102], [103, 105]]);
    expect(six.series).toEqual([{ labels: { a: '1' }, points: [100, 101, 102, 103, 104, 105].map((t) => [t, String(t)]) }]);
    // An end off the step grid: the last chunk asks up to that end, as one request would.
    requests.length = 0;
    const offGrid = await prometheusSource(url, { maxPoints: 3 }).queryRange({ query: 'x', start: 100, end: 105.5, step: 1 });
    expect(asked(requests)).toEqual([[100, 102], [103, 105.5]]);
    expect(offGrid.series[0]?.points.map(([t]) => t)).toEqual([100, 101, 102, 103, 104, 105]);
    // Exactly maxPoints points: one request.
    requests.length = 0;
    await prometheusSource(url, { maxPoints: 3 }).queryRange({ query: 'x', start: 100, end: 102, step: 1 });
    expect(asked(requests)).toEqual([[100, 102]]);
  });

  it('keeps a point that two chunks both answer once, and a series first answered empty gets the later chunks’ points', async () => {
    // A server that answers every chunk with the same points, whatever its range, and a series with none in the first.
    let call = 0;
    const { url } = await serve((response) => {
      call += 1;
      json(200, matrix([{ metric: { a: '1' }, values: [[100, '1'], [101, '2'], [102, '3']] }, { metric: { a: '2' }, values: call === 1 ? [] : [[103, '9']] }]))(response);
    });
    const answer = await prometheusSource(url, { maxPoints: 3 }).queryRange({ query: 'x', start: 100, end: 105, step: 1 });
    expect(answer.series).toEqual([
      { labels: { a: '1' }, points: [[100, '1'], [101, '2'], [102, '3']] },
      { labels: { a: '2' }, points: [[103, '9']] },
    ]);
  });

  it('refuses, as usage naming the query and before asking, a start, end or step that is no range', async () => {
    const { url, requests } = await serve(json(200, matrix([])));
    const source = prometheusSource(url);
    const range = (start: number, end: number) => `range query "up": start and end must be Unix seconds with end not before start, got ${start} and ${end}`;
    for (const [start, end] of [[Number.NaN, 10], [0, Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY, 10], [10, 9]] as const) {
      await expect(source.queryRange({ query: 'up', start, end, step: 1 })).rejects.toMatchObject({ name: 'InputError', code: 'USAGE', message: range(start, end) });
    }
    for (const step of [0.0015, 0.0004, -1, Number.NaN]) {
      await expect(source.queryRange({ query: 'up', start: 0, end: 10, step })).rejects.toMatchObject({ name: 'InputError', code: 'USAGE', message: `range query "up": step must be a positive whole number of milliseconds in seconds, got ${step}` });
    }
    expect(requests).toHaveLength(0);
    // A step of one millisecond, and a start equal to the end, are ranges.
    await source.queryRange({ query: 'up', start: 10, end: 10, step: 0.001 });
    expect(requests[0]?.url).toBe('/api/v1/query_range?query=up&start=10&end=10&step=0.001');
  });

  it('throws EndpointError REQUEST_FAILED, not a query error, when the server refuses for a reason of its own', async () => {
    const { url } = await serve(json(422, { status: 'error', errorType: 'internal', error: 'storage unavailable' }));
    await expect(prometheusSource(url, { retries: 0 }).queryRange({ query: 'up', start: 0, end: 10, step: 1 })).rejects.toMatchObject({
      name: 'EndpointError',
      code: 'REQUEST_FAILED',
      message: `Prometheus at ${url}: internal answering "up": storage unavailable`,
    });
  });

  it('waits two minutes for an attempt by default, as Prometheus’s own query timeout, and the time it is given otherwise', async () => {
    const { url } = await serve(json(200, matrix([])));
    const timeouts = vi.spyOn(AbortSignal, 'timeout');
    await prometheusSource(url).queryRange(ARMS);
    await prometheusSource(url, { timeoutMs: 5_000 }).queryRange(ARMS);
    expect(timeouts.mock.calls).toEqual([[120_000], [5_000]]);
  });

  it('retries a server error and then throws EndpointError REQUEST_FAILED', async () => {
    const { url, requests } = await serve(json(503, { status: 'error', errorType: 'timeout', error: 'query timed out' }));
    await expect(prometheusSource(url, { retries: 2, backoffMs: 1 }).queryRange(ARMS)).rejects.toMatchObject({ name: 'EndpointError', code: 'REQUEST_FAILED', message: `Prometheus at ${url}: no answer after 3 attempts (HTTP 503)` });
    expect(requests).toHaveLength(3);
  });
});
