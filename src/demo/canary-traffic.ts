import { binomial, seededRandom, type SeededRandom } from '../stats/random.ts';
import { normalCdf } from '../stats/special.ts';
import type { Arm, CanaryPlan } from '../gates/canary/plan.ts';
import type { MetricsSource, RangeAnswer, RangeQuery, RangeSeries } from '../gates/canary/source.ts';

/** What one arm of a simulated canary truly does, per request. */
export interface ArmTruth {
  requestsPerSecond: number;
  errorRate: number;
  /** Latency in seconds: log-normal around the median, with a share of requests slower by a factor (a tail). */
  latency: { median: number; sigma: number; tailShare: number; tailFactor: number };
  /** Share of requests rated, and share of ratings that are positive. */
  feedbackRate: number;
  positiveRate: number;
  /** Content flags and user reports per request. */
  flagRate: number;
}

/** A simulated canary: both arms' truths over [start, end], scraped every scrapeSeconds, with gaps where an arm was not scraped. */
export interface TrafficSimulation {
  start: number;
  end: number;
  scrapeSeconds: number;
  seed: number;
  arms: Record<Arm, ArmTruth>;
  gaps?: Array<{ arm: Arm; from: number; to: number }>;
}

/** What one arm served in one scrape interval. */
export interface ScrapeIncrement {
  requests: number;
  errors: number;
  /** Requests per latency bucket (not cumulative), the last one +Inf. */
  buckets: number[];
  feedback: number;
  positive: number;
  flags: number;
}

/** Scrape-interval increments of both arms, and the scrape times each arm was scraped at. */
export interface SimulatedTraffic {
  simulation: TrafficSimulation;
  /** End time of each interval. */
  times: number[];
  increments: Record<Arm, ScrapeIncrement[]>;
}

/** The latency histogram's finite bucket bounds, in seconds (the client libraries' defaults). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Simulates both arms, interval by interval, from their truths and the seed. */
export function simulateTraffic(simulation: TrafficSimulation): SimulatedTraffic {
  const random = seededRandom(simulation.seed);
  const times: number[] = [];
  for (let t = simulation.start + simulation.scrapeSeconds; t <= simulation.end; t += simulation.scrapeSeconds) times.push(t);
  const increments = { canary: [] as ScrapeIncrement[], baseline: [] as ScrapeIncrement[] };
  for (const arm of ['canary', 'baseline'] as const) {
    const truth = simulation.arms[arm];
    const probabilities = bucketProbabilities(truth.latency);
    for (let i = 0; i < times.length; i++) {
      const requests = poisson(truth.requestsPerSecond * simulation.scrapeSeconds, random);
      const buckets: number[] = [];
      let left = requests;
      let mass = 1;
      for (const p of probabilities) {
        const count = mass <= 0 ? 0 : binomial(left, Math.min(1, p / mass), random);
        buckets.push(count);
        left -= count;
        mass -= p;
      }
      buckets[buckets.length - 1]! += left;
      const feedback = binomial(requests, truth.feedbackRate, random);
      increments[arm].push({ requests, errors: binomial(requests, truth.errorRate, random), buckets, feedback, positive: binomial(feedback, truth.positiveRate, random), flags: binomial(requests, truth.flagRate, random) });
    }
  }
  return { simulation, times, increments };
}

/** Whether an arm was scraped at a time (outside its gaps). */
export function scraped(traffic: SimulatedTraffic, arm: Arm, time: number): boolean {
  return !(traffic.simulation.gaps ?? []).some((gap) => gap.arm === arm && time >= gap.from && time < gap.to);
}

/**
 * A metrics source answering the example policy's canary queries from a
 * simulation, as Prometheus would for per-step increases: each step's counts
 * summed from the intervals it covers, nothing for a step with a gap. It
 * knows the example metrics (error_rate, latency_p99,
 * positive_feedback_rate, safety_flag_rate and the traffic count) by the
 * plan's query roles; the demo records its answers as an export.
 */
export function simulatedSource(traffic: SimulatedTraffic, plan: CanaryPlan): MetricsSource {
  const byQuery = new Map(plan.queries.map((q) => [q.range.query, q]));
  return {
    description: { kind: 'prometheus', url: 'simulation:' },
    async queryRange(query: RangeQuery): Promise<RangeAnswer> {
      const planned = byQuery.get(query.query);
      if (planned === undefined) throw new RangeError(`the simulation does not answer ${query.query}`);
      const field = fieldOf(planned.metric, planned.role);
      const points: Array<[number, number[]]> = [];
      for (let t = query.start; t <= query.end; t += query.step) {
        const covered = traffic.times.map((time, i) => [time, i] as const).filter(([time]) => time > t - query.step && time <= t);
        if (covered.length === 0 || covered.some(([time]) => !scraped(traffic, planned.arm, time))) continue;
        const sums = covered.reduce<number[]>((sum, [, i]) => {
          const values = field(traffic.increments[planned.arm][i]!);
          return sum.length === 0 ? values : sum.map((value, k) => value + values[k]!);
        }, []);
        points.push([t, sums]);
      }
      if (planned.metric === 'latency_p99') {
        const bounds = [...LATENCY_BUCKETS.map(String), '+Inf'];
        const series: RangeSeries[] = bounds.map((le, k) => ({ labels: { le }, points: points.map(([t, counts]) => [t, String(counts.slice(0, k + 1).reduce((a, b) => a + b, 0))] as const) }));
        return { query, series: points.length === 0 ? [] : series, warnings: [] };
      }
      return { query, series: points.length === 0 ? [] : [{ labels: {}, points: points.map(([t, [value]]) => [t, String(value)] as const) }], warnings: [] };
    },
  };
}

function fieldOf(metric: string | undefined, role: string): (increment: ScrapeIncrement) => number[] {
  if (metric === undefined) return (i) => [i.requests];
  if (metric === 'latency_p99') return (i) => i.buckets;
  const fields: Record<string, [keyof ScrapeIncrement, keyof ScrapeIncrement]> = {
    error_rate: ['errors', 'requests'],
    positive_feedback_rate: ['positive', 'feedback'],
    safety_flag_rate: ['flags', 'requests'],
  };
  const pair = fields[metric];
  if (pair === undefined) throw new RangeError(`the simulation knows no metric ${metric}`);
  const key = role === 'numerator' ? pair[0] : pair[1];
  return (i) => [i[key] as number];
}

function bucketProbabilities(latency: ArmTruth['latency']): number[] {
  const cdf = (x: number) => (1 - latency.tailShare) * normalCdf(Math.log(x / latency.median) / latency.sigma) + latency.tailShare * normalCdf(Math.log(x / (latency.median * latency.tailFactor)) / latency.sigma);
  const probabilities: number[] = [];
  let below = 0;
  for (const bound of LATENCY_BUCKETS) {
    const at = cdf(bound);
    probabilities.push(at - below);
    below = at;
  }
  probabilities.push(1 - below);
  return probabilities;
}

// Poisson by inversion for small means, normal approximation (rounded, at least 0) above.
function poisson(mean: number, random: SeededRandom): number {
  if (mean <= 0) return 0;
  if (mean > 500) {
    const u = Math.max(random.next(), 1e-300);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  let k = 0;
  let p = Math.exp(-mean);
  let cumulative = p;
  const u = random.next();
  while (u > cumulative && k < 10 * mean + 100) {
    k++;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}
