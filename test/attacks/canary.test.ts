// Attacks on the canary: ways to get candidate A to production with canary
// evidence the policy should refuse, each through the real CLI (main(), in
// this process) and the committed policy bundle (OPA-WASM), on the demo's
// legitimate chain with its production approvals. Each forged canary is
// signed with the key an insider holds (the canary controller's, unless the
// attack is the signer), and claims a pass with a score of 100: the policy
// re-judges what it recorded. The honest canary is allowed in the same file,
// so no case passes vacuously.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryMetricResult, CanaryPredicate } from '../../src/attest/predicates.ts';
import { canaryStatement, codes, makeWorld, productionEvidence, signWith, storeOf, verify, type CLIResult, type World } from './world.ts';

let world: World;
let production: Record<string, Buffer>;

beforeAll(async () => {
  world = await makeWorld();
  production = await productionEvidence(world);
}, 180_000);

afterAll(() => world?.cleanup());

const MINUTE = 60_000;
// Times relative to when the demo judged the chain: the approvals were signed
// then, and the honest canary ran for the half hour after and was judged a minute later.
const at = (minutes: number) => new Date(world.judgedAt.getTime() + minutes * MINUTE).toISOString().replace('.000Z', 'Z');

/** The production decision on the chain with this canary in place of the honest one, three quarters of an hour after the approvals. */
async function decide(canary: Buffer): Promise<CLIResult> {
  return verify(world, storeOf(world, { extra: { ...production, 'canary.json': canary } }), ['--at', at(45)], 'production');
}

/** A canary changed by `change`, claiming a pass with a score of 100, signed by `key`. */
function forged(change: (predicate: CanaryPredicate) => void, key = 'canary-controller'): Promise<Buffer> {
  return signWith(key, canaryStatement(world, (p) => {
    change(p);
    p.verdict = 'pass';
    p.reasons = [];
    p.score = 100;
  }));
}

function metricOf(predicate: CanaryPredicate, name: string): CanaryMetricResult {
  const found = predicate.metrics.find((m) => m.name === name);
  if (found === undefined) throw new Error(`no ${name} in the canary`);
  return found;
}

/** An attack that must be refused: the decision denies with these violation codes among its own. */
function denied(result: CLIResult, ...expected: string[]): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.json?.allowed).toBe(false);
  for (const code of expected) expect(codes(result), JSON.stringify(result.json?.violations)).toContain(code);
}

describe('the honest canary', () => {
  it('is allowed to production after the approvals', async () => {
    const result = await decide(production['canary.json']!);
    expect(result.code, JSON.stringify(result.json?.violations)).toBe(0);
    expect(result.json.allowed).toBe(true);
    expect(result.json.gates.canary.status).toBe('present');
  });

  it('is not evidence before it was judged', async () => {
    const result = await verify(world, storeOf(world, { extra: production }), ['--at', at(20)], 'production');
    denied(result, 'attestation_from_future', 'required_gate_unsatisfied');
  });
});

describe('who signed it', () => {
  for (const key of ['regression-gate', 'approver-alice', 'training-pipeline']) {
    it(`denies a canary signed by ${key}, which is not the canary controller`, async () => {
      denied(await decide(await forged(() => {}, key)), 'signer_not_authorised', 'required_gate_unsatisfied');
    });
  }

  it('denies a canary in the old v1 shape: no canary evidence at all', async () => {
    const statement = canaryStatement(world);
    statement.predicateType = 'https://gatehouse.dev/attestations/canary/v1';
    denied(await decide(await signWith('canary-controller', statement)), 'required_gate_missing', 'required_gate_unsatisfied');
  });
});

describe('what it compared', () => {
  it('denies a canary whose baseline is not the deployed model', async () => {
    const result = await decide(await forged((p) => (p.baseline.digest = world.other)));
    denied(result, 'baseline_mismatch');
    expect(codes(result)).toEqual(['baseline_mismatch']);
  });

  it('denies a canary whose error numerator was edited to vector(0)', async () => {
    const result = await decide(await forged((p) => (metricOf(p, 'error_rate').queries.canary[0] = 'vector(0)')));
    expect(result.json.violations.map((v: { msg: string }) => v.msg)).toEqual([expect.stringMatching(/^canary: error_rate on the canary arm was asked vector\(0\), sum\(increase\(http_requests_total\{track="canary"\}\[60s\]\)\); policy data asks sum\(increase\(http_requests_total\{code=~"5\.\.",track="canary"\}\[60s\]\)\)/)]);
    denied(result, 'canary_query_unexpected');
  });

  it('denies a canary whose traffic was counted with another query', async () => {
    const result = await decide(await forged((p) => (p.traffic.queries.baseline = ['sum(increase(http_requests_total{track="baseline",code="200"}[60s]))'])));
    expect(codes(result)).toEqual(['canary_query_unexpected']);
  });

  it('denies a canary sampled at another step than policy data sets', async () => {
    const result = await decide(await forged((p) => (p.step = 30)));
    expect(codes(result)).toEqual(['canary_step_mismatch']);
  });

  it('denies a canary that served the candidate a trace of the traffic (0.0001)', async () => {
    const result = await decide(await forged((p) => {
      p.trafficShare = 0.0001;
      p.traffic.requests = { canary: 10, baseline: 99_990 };
    }));
    expect(codes(result)).toEqual(['canary_traffic_share']);
  });
});

describe('when it ran', () => {
  it('denies a canary whose window ended before the approval', async () => {
    const result = await decide(await forged((p) => {
      p.window = { start: at(-31), end: at(-1) };
      p.evaluatedAt = at(0);
      p.looks = [{ at: at(0), fraction: 1, alpha: 0.025 }];
    }));
    expect(codes(result)).toEqual(['canary_before_approval']);
  });

  it('denies a canary whose window ended the moment the approvals were signed', async () => {
    const result = await decide(await forged((p) => (p.window = { start: at(-30), end: at(0) })));
    expect(codes(result)).toEqual(['canary_before_approval']);
  });

  it('denies a canary cut down to a good ten minutes', async () => {
    const result = await decide(await forged((p) => {
      p.window = { start: at(10), end: at(20) };
      p.evaluatedAt = at(21);
      for (const m of p.metrics) m.n = { canary: 10, baseline: 10 };
    }));
    denied(result, 'canary_window_short', 'canary_data_short');
  });

  it('denies a cut-down window that claims the samples of a full one', async () => {
    const result = await decide(await forged((p) => (p.window = { start: at(10), end: at(20) })));
    expect(codes(result)).toEqual(['canary_window_short']);
  });

  it('denies a canary whose window ends after it was judged (an end put ahead of the approval)', async () => {
    const result = await decide(await forged((p) => {
      p.window = { start: at(-120), end: at(40) };
      p.evaluatedAt = at(1);
    }));
    expect(codes(result)).toEqual(['canary_window_unseen']);
  });
});

describe('what it found', () => {
  it('denies a pass with the critical error rate beyond the change allowed', async () => {
    // 50% of a 0.004 baseline is 0.002: an interval from 0.0025 to 0.0035 is beyond it.
    const result = await decide(await forged((p) => Object.assign(metricOf(p, 'error_rate'), { candidate: 0.007, delta: 0.003, ci: { low: 0.0025, high: 0.0035, level: 0.95 }, verdict: 'pass' })));
    denied(result, 'metric_out_of_tolerance');
    expect(result.json.violations.find((v: { code: string }) => v.code === 'metric_out_of_tolerance').msg).toBe('canary: error_rate changed by 0.003 (CI 0.0025 to 0.0035); policy allows 0.002 (lower is better)');
  });

  it('denies a pass on a metric short of data: too few samples, no interval', async () => {
    const result = await decide(await forged((p) => Object.assign(metricOf(p, 'safety_flag_rate'), { n: { canary: 12, baseline: 30 }, ci: null, failBound: null, verdict: 'pass' })));
    denied(result, 'canary_data_short');
  });

  it('denies a pass read from an interval at level 0.5, narrow enough to clear the tolerance', async () => {
    const result = await decide(await forged((p) => Object.assign(metricOf(p, 'error_rate'), { delta: 0.0017, ci: { low: 0.0015, high: 0.0019, level: 0.5 } })));
    expect(codes(result)).toEqual(['canary_interval_level_wrong']);
  });

  it('denies a pass on a metric whose arms served too few events', async () => {
    const result = await decide(await forged((p) => (metricOf(p, 'error_rate').events = { canary: 400, baseline: 95_000 })));
    expect(codes(result)).toEqual(['canary_data_short']);
  });

  it('denies a score of 100 claimed with two non-critical metrics beyond their tolerance', async () => {
    const result = await decide(await forged((p) => {
      // Latency up by 0.1 to 0.2 s where 10% of 0.8 s is allowed; positive feedback down by 0.05 to 0.1 where 5% of 0.7 is.
      Object.assign(metricOf(p, 'latency_p99'), { delta: 0.15, ci: { low: 0.1, high: 0.2, level: 0.95 }, verdict: 'pass' });
      Object.assign(metricOf(p, 'positive_feedback_rate'), { delta: -0.07, ci: { low: -0.1, high: -0.05, level: 0.95 }, verdict: 'pass' });
    }));
    expect(result.json.violations.map((v: { msg: string }) => v.msg)).toEqual(['canary: 50% of comparisons are within tolerance; policy requires 80%']);
    denied(result, 'canary_score_low');
  });

  it('denies window shopping: a pass over a later window does not replace a canary that failed since the approvals', async () => {
    const failed = await signWith('canary-controller', canaryStatement(world, (p) => {
      // The same canary, four minutes earlier: it failed on its error rate and was rolled back.
      p.window = { start: at(-4), end: at(26) };
      p.evaluatedAt = at(27);
      p.looks = [{ at: at(27), fraction: 1, alpha: 0.025 }];
      p.verdict = 'fail';
      p.reasons = ['error_rate: changed by 0.05 (CI 0.04 to 0.06)'];
      p.rollback = { metric: 'error_rate', at: at(27) };
    }));
    const result = await verify(world, storeOf(world, { extra: { ...production, 'canary-failed.json': failed } }), ['--at', at(45)], 'production');
    denied(result, 'canary_failed');
  });
});
