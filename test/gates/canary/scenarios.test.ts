// The canary gate against a real Prometheus: both arms simulated with known
// truths, written as OpenMetrics, backfilled with promtool and served on
// loopback; each scenario in its own stretch of time.
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryPredicate } from '../../../src/attest/predicates.ts';
import { simulateTraffic, scraped, LATENCY_BUCKETS, type ArmTruth, type SimulatedTraffic } from '../../../src/demo/canary-traffic.ts';
import { canaryGate, type CanaryGateRequest, type Clock } from '../../../src/gates/canary/index.ts';
import { prometheusSource } from '../../../src/gates/canary/prometheus.ts';
import type { MetricsSource } from '../../../src/gates/canary/source.ts';
import { fileSink, type GateContext } from '../../../src/gates/workflow.ts';
import { classifyError } from '../../../src/error-classification.ts';
import { readPublicKey } from '../../../src/keys/keys.ts';
import { readPolicyBundle, type VerifiedPolicyBundle } from '../../../src/policy/bundle.ts';
import { readKeySigner } from '../../../src/sign/key/key-signer.ts';
import { FileSystemAttestationStore } from '../../../src/store/fs-store.ts';
import { ROOT, gatehouse, temporaryDirectory } from '../../helpers.ts';
import { startPrometheus, type PrometheusSeries, type TestPrometheus } from '../../support/prometheus.ts';

const KEYS = join(ROOT, 'examples', 'keys');
const BUNDLE = join(ROOT, 'bundles', 'gatehouse.tar.gz');
const SUBJECT = `sha256:${'a'.repeat(64)}` as const;
const DEPLOYED = `sha256:${'d'.repeat(64)}` as const;
const HOUR = 3600;
// Each scenario runs 30 minutes in its own hour, from here.
const EPOCH = Date.parse('2026-11-02T00:00:00Z') / 1000;

const healthy: ArmTruth = { requestsPerSecond: 190, errorRate: 0.01, latency: { median: 0.12, sigma: 0.5, tailShare: 0.01, tailFactor: 3 }, feedbackRate: 0.05, positiveRate: 0.8, flagRate: 0.001 };
const canaryOf = (patch: Partial<ArmTruth>): ArmTruth => ({ ...healthy, requestsPerSecond: 20, ...patch });

const SCENARIOS = {
  healthy: { canary: canaryOf({}) },
  errorSpike: { canary: canaryOf({ errorRate: 0.06 }) },
  tail: { canary: canaryOf({ latency: { ...healthy.latency, tailShare: 0.04, tailFactor: 6 } }) },
  feedbackDrop: { canary: canaryOf({ positiveRate: 0.65 }) },
  safetyFlags: { canary: canaryOf({ flagRate: 0.01 }) },
  noTraffic: { canary: canaryOf({ requestsPerSecond: 0 }) },
  gap: { canary: canaryOf({}), gap: true },
  watchSpike: { canary: canaryOf({ errorRate: 0.08 }) },
} as const;
type Scenario = keyof typeof SCENARIOS;
const slot = (name: Scenario) => EPOCH + Object.keys(SCENARIOS).indexOf(name) * 2 * HOUR;

function simulation(name: Scenario): SimulatedTraffic {
  const start = slot(name);
  const scenario = SCENARIOS[name];
  return simulateTraffic({
    start,
    end: start + HOUR,
    scrapeSeconds: 15,
    seed: Object.keys(SCENARIOS).indexOf(name) + 1,
    arms: { canary: scenario.canary, baseline: healthy },
    // Ten minutes of the canary arm unscraped: a third of a 30-minute window.
    ...('gap' in scenario ? { gaps: [{ arm: 'canary' as const, from: start + 600, to: start + 1200 }] } : {}),
  });
}

// Cumulative counters and histograms, as the arms' exporters would expose them, sampled at each scrape.
function toSeries(traffic: SimulatedTraffic): PrometheusSeries[] {
  const series: PrometheusSeries[] = [];
  for (const arm of ['canary', 'baseline'] as const) {
    const track = { track: arm };
    const totals = { ok: 0, errors: 0, positive: 0, negative: 0, flags: 0, buckets: LATENCY_BUCKETS.map(() => 0), count: 0, sum: 0 };
    const samples: Record<string, Array<[number, number]>> = { ok: [], errors: [], positive: [], negative: [], flags: [] };
    const histogram: Array<[number, { buckets: Array<[number, number]>; count: number; sum: number }]> = [];
    const record = (time: number) => {
      if (!scraped(traffic, arm, time)) return;
      for (const key of Object.keys(samples)) samples[key]!.push([time, totals[key as 'ok']]);
      histogram.push([time, { buckets: LATENCY_BUCKETS.map((le, i) => [le, totals.buckets[i]!]), count: totals.count, sum: totals.sum }]);
    };
    record(traffic.simulation.start);
    traffic.times.forEach((time, i) => {
      const step = traffic.increments[arm][i]!;
      totals.ok += step.requests - step.errors;
      totals.errors += step.errors;
      totals.positive += step.positive;
      totals.negative += step.feedback - step.positive;
      totals.flags += step.flags;
      let running = 0;
      step.buckets.slice(0, -1).forEach((count, k) => void (totals.buckets[k]! += running += count));
      // Each bucket is cumulative over all smaller ones, so add this step's cumulative counts.
      totals.count += step.requests;
      totals.sum += step.requests * 0.12;
      record(time);
    });
    series.push(
      { type: 'counter', name: 'http_requests', labels: { ...track, code: '200' }, samples: samples['ok']! },
      { type: 'counter', name: 'http_requests', labels: { ...track, code: '500' }, samples: samples['errors']! },
      { type: 'counter', name: 'model_feedback', labels: { ...track, rating: 'positive' }, samples: samples['positive']! },
      { type: 'counter', name: 'model_feedback', labels: { ...track, rating: 'negative' }, samples: samples['negative']! },
      { type: 'counter', name: 'model_safety_flags', labels: track, samples: samples['flags']! },
      { type: 'histogram', name: 'http_request_duration_seconds', labels: track, samples: histogram },
    );
  }
  return series;
}

// One series per name and labels, the scenarios' samples one after another (each starts its counters at 0: a reset).
function merged(scenarios: PrometheusSeries[][]): PrometheusSeries[] {
  const byKey = new Map<string, PrometheusSeries>();
  for (const one of scenarios.flat()) {
    const key = `${one.name}${JSON.stringify(one.labels)}`;
    const before = byKey.get(key);
    byKey.set(key, before === undefined ? one : ({ ...before, samples: [...before.samples, ...one.samples] } as PrometheusSeries));
  }
  return [...byKey.values()];
}

let prometheus: TestPrometheus;
let policy: VerifiedPolicyBundle;

beforeAll(async () => {
  prometheus = await startPrometheus(merged((Object.keys(SCENARIOS) as Scenario[]).map((name) => toSeries(simulation(name)))));
  policy = await readPolicyBundle(BUNDLE, await readPublicKey(join(KEYS, 'policy-team.pub')));
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
});

async function context(evaluatedAt: Date): Promise<GateContext & { store: FileSystemAttestationStore; dir: string }> {
  const dir = await temporaryDirectory();
  const store = new FileSystemAttestationStore(join(dir, 'attestations'));
  return { evaluatedAt, signing: { signer: await readKeySigner(join(KEYS, 'canary-controller.key')) }, sink: fileSink({ store, reportDir: join(dir, 'reports') }), store, dir };
}

// The 30 minutes from the scenario's fifth minute, judged two minutes after they end.
async function judgeWindow(name: Scenario, source: MetricsSource = prometheusSource(prometheus.url)) {
  const start = new Date((slot(name) + 300) * 1000);
  const end = new Date((slot(name) + 300 + 1800) * 1000);
  const ctx = await context(new Date(end.getTime() + 120_000));
  const outcome = await canaryGate({ subject: SUBJECT, deployed: DEPLOYED, source, policy, window: { start, end } }, ctx);
  return { outcome, predicate: outcome.statement.predicate as CanaryPredicate, ctx };
}

const verdicts = (predicate: CanaryPredicate) => Object.fromEntries(predicate.metrics.map((m) => [m.name, m.verdict]));

describe('canary gate against a real Prometheus', () => {
  it('passes a healthy canary, recording the exact PromQL per arm, n, the samples digest and the traffic share', async () => {
    const { predicate, outcome } = await judgeWindow('healthy');
    expect(predicate.verdict, predicate.reasons.join('; ')).toBe('pass');
    expect(verdicts(predicate)).toEqual({ error_rate: 'pass', latency_p99: 'pass', positive_feedback_rate: 'pass', safety_flag_rate: 'pass' });
    // 20 requests a second beside 190: 9.5% of the traffic.
    expect(predicate.trafficShare!).toBeGreaterThan(0.085);
    expect(predicate.trafficShare!).toBeLessThan(0.105);
    expect(predicate.step).toBe(60);
    expect(predicate.window).toEqual({ start: '2026-11-02T00:05:00Z', end: '2026-11-02T00:35:00Z' });
    const errors = predicate.metrics.find((m) => m.name === 'error_rate')!;
    expect(errors.queries.canary).toEqual(['sum(increase(http_requests_total{code=~"5..",track="canary"}[60s])) or sum(increase(http_requests_total{track="canary"}[60s])) * 0', 'sum(increase(http_requests_total{track="canary"}[60s]))']);
    expect(errors.n).toEqual({ canary: 30, baseline: 30 });
    expect(errors.coverage).toBe(1);
    // The simulated truth: 1% errors in both arms; the interval of the shift holds 0.
    expect(errors.ci!.low).toBeLessThan(0);
    expect(errors.ci!.high).toBeGreaterThan(0);
    expect(predicate.evidence.find((e) => e.role === 'samples')!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(predicate.source).toEqual({ kind: 'prometheus', url: prometheus.url });
    expect(predicate.looks).toEqual([{ at: '2026-11-02T00:37:00Z', fraction: 1, alpha: 0.025 }]);
    expect(outcome.reportFiles).toBeDefined();
  });

  it.each([
    ['errorSpike', { error_rate: 'fail' }],
    ['tail', { latency_p99: 'fail' }],
    ['feedbackDrop', { positive_feedback_rate: 'fail' }],
    ['safetyFlags', { safety_flag_rate: 'fail' }],
  ] as const)('fails %s on the metric whose truth changed, and only on it', async (name, failed) => {
    const { predicate } = await judgeWindow(name);
    expect(predicate.verdict).toBe('fail');
    const expected = { error_rate: 'pass', latency_p99: 'pass', positive_feedback_rate: 'pass', safety_flag_rate: 'pass', ...failed };
    expect(verdicts(predicate)).toEqual(expected);
  });

  it('judges a p99 tail regression although the median latency is unchanged', async () => {
    const { predicate } = await judgeWindow('tail');
    const p99 = predicate.metrics.find((m) => m.name === 'latency_p99')!;
    expect(p99.ci!.low).toBeGreaterThan(p99.allowed!);
    expect(predicate.method.quantiles).toMatch(/linear interpolation within the bucket/);
  });

  it('calls a canary without traffic, or with a gap in one arm, insufficient evidence, never a pass', async () => {
    const none = (await judgeWindow('noTraffic')).predicate;
    expect(none.verdict).toBe('insufficient-evidence');
    expect(none.trafficShare).toBe(0);
    expect(none.metrics.every((m) => m.ci === null && m.n.canary === 0)).toBe(true);
    expect(none.reasons.join('\n')).toMatch(/no canary traffic/);
    const gap = (await judgeWindow('gap')).predicate;
    expect(gap.verdict).toBe('insufficient-evidence');
    const errors = gap.metrics.find((m) => m.name === 'error_rate')!;
    expect(errors.coverage).toBeLessThan(0.9);
    expect(errors.excluded.unaligned.baseline).toBeGreaterThan(0);
    expect(gap.reasons.join('\n')).toMatch(/aligned in both arms/);
  });

  it('signs nothing and reports the environment failure (exit 3) when Prometheus stops mid-run', async () => {
    const other = await startPrometheus(toSeries(simulation('healthy')));
    const live = prometheusSource(other.url, { retries: 1, backoffMs: 10, timeoutMs: 2000 });
    let asked = 0;
    const dying: MetricsSource = {
      description: live.description,
      async queryRange(query) {
        if (++asked === 3) await other.kill();
        return live.queryRange(query);
      },
    };
    const start = new Date((slot('healthy') + 300) * 1000);
    const end = new Date((slot('healthy') + 2100) * 1000);
    const ctx = await context(new Date(end.getTime() + 120_000));
    const error = await canaryGate({ subject: SUBJECT, deployed: DEPLOYED, source: dying, policy, window: { start, end } }, ctx).catch((thrown: unknown) => thrown);
    expect(classifyError(error).exitCode).toBe(3);
    expect(asked).toBe(3);
    expect(existsSync(join(ctx.dir, 'attestations'))).toBe(false);
    expect(existsSync(join(ctx.dir, 'reports')) ? readdirSync(join(ctx.dir, 'reports')) : []).toEqual([]);
  });

  it('in --watch, rolls back at the first decisive failure of a critical metric: the webhook is told (after a refusal, retried) and a fail is signed', async () => {
    const received: unknown[] = [];
    let attempts = 0;
    const server: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => void (body += chunk.toString()));
      request.on('end', () => {
        // The first attempt meets a server error: a rollback is retried, never dropped.
        if (++attempts === 1) {
          response.writeHead(503).end();
          return;
        }
        received.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const start = slot('watchSpike') + 300;
    let now = start * 1000;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const ctx = await context(new Date(now));
    const looks: number[] = [];
    const request: CanaryGateRequest = {
      subject: SUBJECT,
      deployed: DEPLOYED,
      source: prometheusSource(prometheus.url),
      policy,
      watch: { start: new Date(start * 1000), durationSeconds: 1800, intervalSeconds: 300, clock },
      rollback: { webhook: `http://127.0.0.1:${port}/rollback`, backoffMs: 10 },
      onLook: (look) => void looks.push(look.fraction),
    };
    const outcome = await canaryGate(request, ctx);
    server.close();
    const predicate = outcome.statement.predicate as CanaryPredicate;
    expect(outcome.rolledBack).toBe(true);
    expect(predicate.verdict).toBe('fail');
    expect(predicate.rollback!.metric).toBe('error_rate');
    // It stopped before the end, at the first look whose spent error rate let the failure through.
    expect(looks.length).toBeLessThan(6);
    expect(predicate.looks.map((l) => l.fraction)).toEqual(looks);
    expect(predicate.looks.reduce((sum, l) => sum + l.alpha, 0)).toBeLessThanOrEqual(0.025 + 1e-12);
    expect(attempts).toBe(2);
    expect(received).toEqual([expect.objectContaining({ event: 'gatehouse.canary.rollback', subject: SUBJECT, deployed: DEPLOYED, metric: 'error_rate', evidence: expect.objectContaining({ name: 'error_rate', verdict: 'fail' }) })]);
    expect(await ctx.store.subjects()).toEqual([SUBJECT]);
  });

  it('gatehouse gate canary signs the verdict from the command line, exits 1 on a failing canary, and rolls back a watched one by its command', () => {
    const run = (name: Scenario, dir: string) => {
      const start = slot(name) + 300;
      const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000', '');
      return gatehouse([
        'gate', 'canary', '--subject', SUBJECT, '--deployed', DEPLOYED, '--prometheus', prometheus.url, '--window', `${iso(start)}/${iso(start + 1800)}`, '--at', iso(start + 1920),
        '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--signing-key', join(KEYS, 'canary-controller.key'), '--out', join(dir, `${name}.sigstore.json`), '--report-dir', join(dir, 'reports'),
      ]);
    };
    return (async () => {
      const dir = await temporaryDirectory();
      const pass = run('healthy', dir);
      expect(pass.status, pass.stderr).toBe(0);
      expect(pass.stdout).toMatch(/canary: pass for sha256:a{64}/);
      expect(pass.stderr).toMatch(/canary look 1\/1 \(100%\): pass, score 100/);
      const fail = run('safetyFlags', dir);
      expect(fail.status, fail.stderr).toBe(1);
      expect(fail.stdout).toMatch(/canary: fail/);
      expect(fail.stdout).toMatch(/safety_flag_rate: changed by/);
      expect(JSON.parse(readFileSync(join(dir, 'safetyFlags.sigstore.json'), 'utf8')).dsseEnvelope).toBeDefined();
      // --watch from the command line over a canary that began before the watcher: the looks already due
      // are taken at once, and the first decisive failure of a critical metric runs the rollback command.
      const start = slot('watchSpike') + 300;
      const event = join(dir, 'rollback-event.json');
      const watched = gatehouse([
        'gate', 'canary', '--subject', SUBJECT, '--deployed', DEPLOYED, '--prometheus', prometheus.url, '--watch', '--since', new Date(start * 1000).toISOString(), '--duration', '30m', '--interval', '5m',
        '--rollback-command', `cat > '${event}'`, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--signing-key', join(KEYS, 'canary-controller.key'), '--out', join(dir, 'watched.sigstore.json'), '--report-dir', join(dir, 'reports'),
      ]);
      expect(watched.status, watched.stderr).toBe(1);
      expect(watched.stderr).toMatch(/canary look 1\/6 \(17%\): insufficient-evidence/);
      expect(watched.stderr).toMatch(/canary: rolled back \(error_rate failed\)/);
      expect(JSON.parse(readFileSync(event, 'utf8'))).toMatchObject({ event: 'gatehouse.canary.rollback', subject: SUBJECT, deployed: DEPLOYED, metric: 'error_rate' });
      const signed = JSON.parse(Buffer.from(JSON.parse(readFileSync(join(dir, 'watched.sigstore.json'), 'utf8')).dsseEnvelope.payload, 'base64').toString('utf8')).predicate as CanaryPredicate;
      expect(signed.verdict).toBe('fail');
      expect(signed.rollback?.metric).toBe('error_rate');
      const usage = gatehouse(['gate', 'canary', '--subject', SUBJECT, '--deployed', DEPLOYED, '--prometheus', prometheus.url, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--signing-key', join(KEYS, 'canary-controller.key'), '--out', join(dir, 'x.json')]);
      expect(usage.status).toBe(2);
      expect(usage.stderr).toMatch(/exactly one of --window START\/END and --watch/);
      // A rollback with a window would never run: refused, nothing asked or written.
      const windowStart = slot('healthy') + 300;
      const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000', '');
      const windowed = gatehouse(['gate', 'canary', '--subject', SUBJECT, '--deployed', DEPLOYED, '--prometheus', prometheus.url, '--window', `${iso(windowStart)}/${iso(windowStart + 1800)}`, '--at', iso(windowStart + 1920), '--rollback-command', 'true', '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--signing-key', join(KEYS, 'canary-controller.key'), '--out', join(dir, 'windowed.json')]);
      expect(windowed.status).toBe(2);
      expect(windowed.stderr.trim()).toBe('gatehouse: a rollback goes with a watch (--watch), not with a window judged once');
      expect(existsSync(join(dir, 'windowed.json'))).toBe(false);
    })();
  });
});
