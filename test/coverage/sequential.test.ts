import { describe, expect, it } from 'vitest';
import { hodgesLehmannShift } from '../../src/stats/hypothesis-tests.ts';
import { clopperPearsonInterval } from '../../src/stats/intervals.ts';
import { binomial, seededRandom, type SeededRandom } from '../../src/stats/random.ts';
import { alphaSpentPerLook, obrienFlemingSpending, pocockSpending } from '../../src/stats/sequential.ts';
import { normalQuantile } from '../../src/stats/special.ts';

// Sequential canary looks, simulated with a known truth. A canary with no
// change (baseline x and canary y from one distribution) is looked at 12 times,
// at equally spaced fractions of 240 samples per arm; a look raises a false
// alarm when the Hodges-Lehmann lower bound on y - x, at one-sided level equal
// to the alpha that look may spend, is above 0, and the canary stops at its
// first alarm. With alpha spent over the looks (one-sided 0.025 in all) the
// false-alarm rate must stay at most 0.025 (about 0.013 on continuous data);
// testing every look at the full 0.025 must not (about 0.11), which shows the
// check can fail. On the tied error ratios even the naive scheme almost never
// alarms: a tied difference counts against an alarm, so the interval's bound
// is conservative there, and the inflation shows on continuous data only.
//
// Monte Carlo error is allowed for by exact binomial bounds at 1e-4: a rate
// "exceeds" r only when the count is larger than Binomial(runs, r) would give
// with probability 1e-4 (so a scheme that is right fails one seed in 10,000),
// and "is clearly above" r when that holds. Each run draws all 240 pairs
// first, and every scheme looks at the same data.

const ALPHA = 0.025;
const SAMPLES = 240;
const LOOKS = 12;
const RUNS = 1500;
const fractions = Array.from({ length: LOOKS }, (_, k) => (k + 1) / LOOKS);

const schemes = {
  "O'Brien-Fleming-type spending": alphaSpentPerLook(ALPHA, obrienFlemingSpending, fractions),
  'Pocock-type spending': alphaSpentPerLook(ALPHA, pocockSpending, fractions),
  'every look at the full alpha (naive)': fractions.map(() => ALPHA),
};

const normal = (random: SeededRandom) => normalQuantile((Math.floor(random.next() * 2 ** 32) + 0.5) / 2 ** 32);
const distributions: Record<string, (random: SeededRandom) => number> = {
  // Latencies in ms, continuous.
  'lognormal latencies': (random) => 120 * Math.exp(0.35 * normal(random)),
  // An error ratio per 15-second step, 2% of 40 requests: 0 in 45% of steps, a handful of levels.
  'error ratios (2% of 40 requests)': (random) => binomial(40, 0.02, random) / 40,
};

// Whether `count` events in `runs` are more than a rate of `rate` gives, at 1e-4 one-sided.
const exceedsRate = (count: number, runs: number, rate: number) => clopperPearsonInterval(count, runs, 1 - 2e-4).low > rate;

function falseAlarms(draw: (random: SeededRandom) => number, seed: number): Record<string, number> {
  const random = seededRandom(seed);
  const x = new Float64Array(SAMPLES);
  const y = new Float64Array(SAMPLES);
  const alarms = Object.fromEntries(Object.keys(schemes).map((name) => [name, 0]));
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < SAMPLES; i++) {
      x[i] = draw(random);
      y[i] = draw(random);
    }
    for (const [name, spent] of Object.entries(schemes)) {
      for (let k = 0; k < LOOKS; k++) {
        const n = Math.round(SAMPLES * fractions[k]!);
        if (hodgesLehmannShift(x.subarray(0, n), y.subarray(0, n), 1 - 2 * spent[k]!).ci.low > 0) {
          alarms[name]!++;
          break;
        }
      }
    }
  }
  return alarms;
}

describe('sequential canary looks with alpha spending, simulated with no change', () => {
  const results = Object.entries(distributions).map(([name, draw], index) => [name, falseAlarms(draw, 4100 + index)] as const);
  const table = results.map(([name, alarms]) => `${name}: ${Object.entries(alarms).map(([scheme, count]) => `${scheme} ${(count / RUNS).toFixed(4)}`).join(', ')}`).join('\n');

  it.each(results)('%s: spending alpha over 12 looks keeps false alarms at most 0.025', (_, alarms) => {
    expect(exceedsRate(alarms["O'Brien-Fleming-type spending"]!, RUNS, ALPHA), table).toBe(false);
    expect(exceedsRate(alarms['Pocock-type spending']!, RUNS, ALPHA), table).toBe(false);
  });

  it('testing every look at the full 0.025 raises false alarms clearly more often than 0.025 (continuous data)', () => {
    const [, alarms] = results.find(([name]) => name === 'lognormal latencies')!;
    expect(exceedsRate(alarms['every look at the full alpha (naive)']!, RUNS, ALPHA), table).toBe(true);
  });
});

describe('hodgesLehmannShift, simulated with a known shift and ties', () => {
  it('covers a shift of 10 ms at least 95% of the time at 120 samples per arm, latencies rounded to 5 ms', () => {
    // With ties the interval is conservative (tied differences count against
    // excluding the shift), so its coverage may exceed 95% but must not fall below.
    const random = seededRandom(4200);
    const shift = 10;
    const latency = () => 5 * Math.round((120 * Math.exp(0.35 * normal(random))) / 5);
    const runs = 2000;
    let missed = 0;
    let width = 0;
    for (let run = 0; run < runs; run++) {
      const x = Array.from({ length: 120 }, latency);
      const y = Array.from({ length: 120 }, () => latency() + shift);
      const { ci } = hodgesLehmannShift(x, y, 0.95);
      if (!(ci.low <= shift && shift <= ci.high)) missed++;
      width += ci.high - ci.low;
    }
    const summary = `missed ${missed} of ${runs}, mean width ${(width / runs).toFixed(2)} ms`;
    expect(exceedsRate(missed, runs, 0.05), summary).toBe(false);
  });
});
