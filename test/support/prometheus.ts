// A real Prometheus on loopback, holding series the test chose: written as
// OpenMetrics, backfilled into a fresh TSDB with promtool, then served by the
// prometheus binary scripts/install-tools.sh installs (Debian's package).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freePort } from './net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Label names to values. */
export type Labels = Readonly<Record<string, string>>;

/** A counter family `name` (written as `name_total`) or a gauge, one series: its labels and [Unix seconds, value] samples in time order. */
export interface CounterOrGaugeSeries {
  type: 'counter' | 'gauge';
  /** The family name; a counter's samples are named `<name>_total`. */
  name: string;
  labels?: Labels;
  samples: ReadonlyArray<readonly [number, number]>;
}

/** One observation of a classic histogram: cumulative counts per finite upper bound, the total count (the +Inf bucket) and the sum. */
export interface HistogramSample {
  buckets: ReadonlyArray<readonly [le: number, cumulativeCount: number]>;
  count: number;
  sum: number;
}

/** A classic histogram family `name` (`name_bucket{le=…}`, `name_count`, `name_sum`), one series: its labels and samples in time order. */
export interface HistogramSeries {
  type: 'histogram';
  name: string;
  labels?: Labels;
  samples: ReadonlyArray<readonly [number, HistogramSample]>;
}

/** One series for the test Prometheus to hold. */
export type PrometheusSeries = CounterOrGaugeSeries | HistogramSeries;

/** A running test Prometheus: its base URL, a graceful stop and a SIGKILL (for "the server died mid-run"); both wait for the exit and delete its data. */
export interface TestPrometheus {
  url: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const execFileAsync = promisify(execFile);

/**
 * OpenMetrics text of the series (families in first-seen order, each family's
 * series together, `# EOF` last), and how many series Prometheus will hold.
 */
export function toOpenMetrics(series: readonly PrometheusSeries[]): { text: string; seriesCount: number } {
  const families = new Map<string, PrometheusSeries[]>();
  for (const one of series) {
    const family = families.get(one.name);
    if (family !== undefined && family[0]?.type !== one.type) throw new Error(`${one.name} is both a ${family[0]?.type} and a ${one.type}`);
    families.set(one.name, [...(family ?? []), one]);
  }
  const lines: string[] = [];
  let seriesCount = 0;
  for (const [name, members] of families) {
    const type = members[0]?.type;
    lines.push(`# TYPE ${name} ${type}`);
    for (const one of members) {
      const labels = one.labels ?? {};
      if (one.type === 'histogram') {
        const bounds = one.samples[0]?.[1].buckets.map(([le]) => le) ?? [];
        // One series per bucket, then _count and _sum, each in time order.
        for (const [index, le] of [...bounds, Infinity].entries()) {
          for (const [time, sample] of one.samples) {
            const count = index < bounds.length ? sample.buckets[index]?.[1] : sample.count;
            if (count === undefined) throw new Error(`${name}: every sample needs the same buckets`);
            lines.push(`${name}_bucket${labelText({ ...labels, le: number(le) })} ${number(count)} ${time}`);
          }
        }
        for (const [time, sample] of one.samples) lines.push(`${name}_count${labelText(labels)} ${number(sample.count)} ${time}`);
        for (const [time, sample] of one.samples) lines.push(`${name}_sum${labelText(labels)} ${number(sample.sum)} ${time}`);
        seriesCount += bounds.length + 3;
      } else {
        const sampleName = one.type === 'counter' ? `${name}_total` : name;
        for (const [time, value] of one.samples) lines.push(`${sampleName}${labelText(labels)} ${number(value)} ${time}`);
        seriesCount += 1;
      }
    }
  }
  lines.push('# EOF');
  return { text: `${lines.join('\n')}\n`, seriesCount };
}

/**
 * Starts Prometheus on a free loopback port over a TSDB backfilled with the
 * series, waits until it is ready, and checks it holds every series.
 * Prometheus counts retention back from its newest block, not from the wall
 * clock, so old samples stay; only blocks more than the retention older than
 * the newest are deleted at startup, hence ten years.
 */
export async function startPrometheus(series: readonly PrometheusSeries[]): Promise<TestPrometheus> {
  const prometheus = onPath('prometheus');
  const promtool = onPath('promtool');
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-prometheus-'));
  try {
    const data = join(directory, 'data');
    const { text, seriesCount } = toOpenMetrics(series);
    if (series.length > 0) {
      await writeFile(join(directory, 'series.om'), text);
      await execFileAsync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(directory, 'series.om'), data]);
    }
    // No scrape jobs: the server holds exactly the backfilled series.
    await writeFile(join(directory, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const child = spawn(
        prometheus,
        [
          `--config.file=${join(directory, 'prometheus.yml')}`,
          `--storage.tsdb.path=${data}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--storage.tsdb.retention.time=10y',
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      running.add(child);
      const log = tail(child);
      const url = `http://127.0.0.1:${port}`;
      const end = async (signal: NodeJS.Signals): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill(signal);
          await exited;
        }
        running.delete(child);
        await rm(directory, { recursive: true, force: true });
      };
      const ready = await waitReady(url, child);
      if (!ready) {
        await end('SIGKILL').catch(() => undefined);
        // Another process may have taken the port between freePort and the bind.
        if (attempt < 3 && /address already in use/.test(log())) continue;
        throw new Error(`prometheus did not become ready on ${url}:\n${log()}`);
      }
      const held = await seriesHeld(url, series);
      if (held !== seriesCount) {
        await end('SIGKILL');
        throw new Error(`backfilled ${seriesCount} series but prometheus holds ${held}:\n${log()}`);
      }
      return { url, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
    }
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

// Servers still running when the test process exits are killed with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function onPath(name: 'prometheus' | 'promtool'): string {
  for (const directory of (process.env['PATH'] ?? '').split(':')) {
    const path = join(directory, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is missing: run npm run tools (npm test does this first)`);
}


async function waitReady(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

// How many series the server holds over the samples' whole time span.
async function seriesHeld(url: string, series: readonly PrometheusSeries[]): Promise<number> {
  const times = series.flatMap((one) => one.samples.map(([time]) => time));
  if (times.length === 0) return 0;
  const params = new URLSearchParams({ 'match[]': '{__name__=~".+"}', start: String(Math.min(...times)), end: String(Math.max(...times)) });
  const answer = (await (await fetch(`${url}/api/v1/series?${params}`)).json()) as { data?: unknown[] };
  return answer.data?.length ?? -1;
}

// The last 8 KiB the server logged, for failure messages; reading keeps its pipe from filling.
function tail(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-8192);
  });
  return () => text;
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
