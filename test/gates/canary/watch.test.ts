// canaryGate's --watch loop, in process: simulated arms answered by the demo's
// in-memory source, an injected clock that moves only when the loop sleeps, and
// the shipped policy (a step of 60 s, error and safety-flag rates critical).
// What it pins: when each look is taken and how long the loop waits for it,
// which look is the last, and what a decisive failure does with and without a
// rollback, including a rollback that does not go through.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CanaryPredicate } from '../../../src/attest/predicates.ts';
import { simulateTraffic, simulatedSource, type ArmTruth } from '../../../src/demo/canary-traffic.ts';
import type { CanaryThresholds } from '../../../src/gates/canary/definition.ts';
import type { CanaryLook } from '../../../src/gates/canary/evaluate.ts';
import { canaryGate, type CanaryGateRequest, type Clock } from '../../../src/gates/canary/index.ts';
import type { CanaryJudgement } from '../../../src/gates/canary/judge.ts';
import { canaryPlan } from '../../../src/gates/canary/plan.ts';
import type { RollbackEvent } from '../../../src/gates/canary/rollback.ts';
import { spentAlphas } from '../../../src/gates/canary/sequential.ts';
import type { SigningOptions } from '../../../src/sign/attest.ts';
import { readPublicKey } from '../../../src/keys/keys.ts';
import { readPolicyBundle, type VerifiedPolicyBundle } from '../../../src/policy/bundle.ts';
import { toRFC3339 } from '../../../src/time.ts';
import { ROOT } from '../../helpers.ts';
import { demoSigner } from '../../support/policy.ts';
import { steppedClock } from '../../support/clock.ts';
import { memorySink } from '../../support/sink.ts';

const SUBJECT = `sha256:${'a'.repeat(64)}` as const;
const DEPLOYED = `sha256:${'d'.repeat(64)}` as const;
const START = 1_800_000_000;
const DURATION = 1800;
const healthy: ArmTruth = { requestsPerSecond: 190, errorRate: 0.01, latency: { median: 0.12, sigma: 0.5, tailShare: 0.01, tailFactor: 3 }, feedbackRate: 0.05, positiveRate: 0.8, flagRate: 0.001 };

let policy: VerifiedPolicyBundle;
let thresholds: CanaryThresholds;
let signing: SigningOptions;
beforeAll(async () => {
  signing = await demoSigner('canary-controller');
  policy = await readPolicyBundle(join(ROOT, 'bundles', 'gatehouse.tar.gz'), await readPublicKey(join(ROOT, 'examples', 'keys', 'policy-team.pub')));
  thresholds = (policy.data['gatehouse'] as { thresholds: { canary: CanaryThresholds } }).thresholds.canary;
});

interface Watched {
  looks: Array<{ look: CanaryLook; index: number; total: number; judgement: CanaryJudgement }>;
  asked: Array<{ at: number; end: number }>;
  sink: ReturnType<typeof memorySink>;
  result: ReturnType<typeof canaryGate>;
}

/** Watches a canary of the given truth over DURATION from START, looking every `interval` seconds. */
function watch(canary: ArmTruth, options: { interval: number; clock: Clock; start?: Date; rollback?: CanaryGateRequest['rollback'] }): Watched {
  const traffic = simulateTraffic({ start: START, end: START + DURATION + 120, scrapeSeconds: 15, seed: 7, arms: { canary, baseline: healthy } });
  const simulated = simulatedSource(traffic, canaryPlan(thresholds, START, START + DURATION));
  const asked: Watched['asked'] = [];
  const source = { ...simulated, queryRange: (query: Parameters<typeof simulated.queryRange>[0]) => (asked.push({ at: options.clock.now(), end: query.end }), simulated.queryRange(query)) };
  const looks: Watched['looks'] = [];
  const sink = memorySink();
  const result = canaryGate(
    {
      subject: SUBJECT,
      deployed: DEPLOYED,
      source,
      policy,
      watch: { ...(options.start === undefined ? {} : { start: options.start }), durationSeconds: DURATION, intervalSeconds: options.interval, clock: options.clock },
      ...(options.rollback === undefined ? {} : { rollback: options.rollback }),
      onLook: (look, index, total, judgement) => void looks.push({ look, index, total, judgement }),
    },
    { evaluatedAt: new Date(START * 1000), signing, sink },
  );
  return { looks, asked, sink, result };
}

const canaryArm = { ...healthy, requestsPerSecond: 20 };
const spiking = { ...canaryArm, errorRate: 0.2 };

describe('canaryGate --watch', () => {
  it('looks at every interval and at the end, each once its last step is scraped, and signs the verdict of the last look', async () => {
    const clock = steppedClock(START * 1000);
    const watched = watch(canaryArm, { interval: 600, clock, start: new Date(START * 1000) });
    const outcome = await watched.result;
    expect(watched.looks.map(({ index, total }) => [index, total])).toEqual([[0, 3], [1, 3], [2, 3]]);
    // Each look waits one step past its end (60 s), in sleeps of at most a minute.
    const lookTimes = [660, 1260, 1860].map((s) => (START + s) * 1000);
    expect(watched.looks.map(({ look }) => look.at.getTime())).toEqual(lookTimes);
    expect(clock.slept).toEqual(Array(31).fill(60_000));
    // Every query of a look is asked at the look's time, for the steps up to its end.
    const ends = new Set(watched.asked.map(({ at, end }) => `${at}:${end}`));
    expect([...ends]).toEqual([600, 1200, 1800].map((s, i) => `${lookTimes[i]}:${START + s}`));
    const fractions = [1 / 3, 2 / 3, 1];
    expect(watched.looks.map(({ look }) => look.fraction)).toEqual(fractions);
    expect(watched.looks.map(({ look }) => look.alpha)).toEqual(spentAlphas(fractions, 0.95));

    const predicate = outcome.statement.predicate as CanaryPredicate;
    expect(outcome.rolledBack).toBe(false);
    expect(predicate.rollback).toBeUndefined();
    expect(predicate.verdict).toBe(watched.looks[2]!.judgement.verdict);
    expect(predicate.window).toEqual({ start: toRFC3339(new Date(START * 1000)), end: toRFC3339(new Date((START + DURATION) * 1000)) });
    // The attestation is judged at the last look, and records every look with the error rate it spent.
    expect(predicate.evaluatedAt).toBe(toRFC3339(new Date(lookTimes[2]!)));
    expect(predicate.looks).toEqual(watched.looks.map(({ look }) => ({ at: toRFC3339(look.at), fraction: look.fraction, alpha: look.alpha })));
    expect(watched.sink.attestations).toHaveLength(1);
  });

  it('starts its duration at the clock when given no start', async () => {
    const clock = steppedClock(START * 1000);
    const outcome = await watch(canaryArm, { interval: 900, clock }).result;
    expect((outcome.statement.predicate as CanaryPredicate).window).toEqual({ start: toRFC3339(new Date(START * 1000)), end: toRFC3339(new Date((START + DURATION) * 1000)) });
  });

  it('sleeps only as long as is left until a look is due, and reads a clock that jumped instead of sleeping on', async () => {
    // Half a minute into the first interval: ten minutes, then the 30 s left.
    const late = steppedClock((START + 30) * 1000);
    const first = watch(canaryArm, { interval: 600, clock: late, start: new Date(START * 1000) });
    await first.result;
    expect(late.slept.slice(0, 11)).toEqual([...Array(10).fill(60_000), 30_000]);
    expect(first.looks[0]!.look.at.getTime()).toBe((START + 660) * 1000);

    // A host suspended in its first sleep wakes 25 minutes on: the first two looks are due, and each is taken at once, at the time read.
    let woke = false;
    const suspended = steppedClock(START * 1000, (ms) => (woke ? ms : ((woke = true), 1_500_000)));
    const second = watch(canaryArm, { interval: 600, clock: suspended, start: new Date(START * 1000) });
    await second.result;
    expect(second.looks.map(({ look }) => look.at.getTime() / 1000 - START)).toEqual([1500, 1500, 1860]);
    expect(suspended.slept.slice(0, 2)).toEqual([60_000, 60_000]);
  });

  it('judges a window once, at the judgement time, spending the whole error rate on its one look', async () => {
    const traffic = simulateTraffic({ start: START, end: START + DURATION, scrapeSeconds: 15, seed: 7, arms: { canary: spiking, baseline: healthy } });
    const looks: Watched['looks'] = [];
    const judged = new Date((START + DURATION + 120) * 1000);
    const outcome = await canaryGate(
      { subject: SUBJECT, deployed: DEPLOYED, source: simulatedSource(traffic, canaryPlan(thresholds, START, START + DURATION)), policy, window: { start: new Date(START * 1000), end: new Date((START + DURATION) * 1000) }, onLook: (look, index, total, judgement) => void looks.push({ look, index, total, judgement }) },
      { evaluatedAt: judged, signing, sink: memorySink() },
    );
    const look = { at: judged, fraction: 1, alpha: 0.025 };
    expect(looks).toEqual([{ look, index: 0, total: 1, judgement: expect.objectContaining({ verdict: 'fail' }) }]);
    const predicate = outcome.statement.predicate as CanaryPredicate;
    expect(predicate.looks).toEqual([{ at: toRFC3339(judged), fraction: 1, alpha: 0.025 }]);
    expect(predicate.evaluatedAt).toBe(toRFC3339(judged));
    // A window never rolls back: its verdict is the outcome.
    expect(outcome.rolledBack).toBe(false);
    expect(predicate.rollback).toBeUndefined();
  });

  describe('when a critical metric fails decisively', () => {
    it('stops at that look, rolls back with the failing metric as evidence, and signs a fail naming the rollback', async () => {
      const events: RollbackEvent[] = [];
      const watched = watch(spiking, { interval: 600, clock: steppedClock(START * 1000), start: new Date(START * 1000), rollback: { call: async (event) => void events.push(event) } });
      const outcome = await watched.result;
      // The spike is decisive at the second look of three; the first spends too little of the error rate to call it.
      expect(watched.looks.map(({ judgement }) => judgement.criticalFailure?.name)).toEqual([undefined, 'error_rate']);
      const { look, judgement } = watched.looks[1]!;
      const failure = judgement.criticalFailure!;
      expect(failure).toMatchObject({ name: 'error_rate', verdict: 'fail' });
      expect(failure.reason).toMatch(/^changed by /);
      const at = toRFC3339(look.at);
      expect(events).toEqual([{ event: 'gatehouse.canary.rollback', subject: SUBJECT, deployed: DEPLOYED, metric: 'error_rate', at, reason: failure.reason, evidence: failure }]);
      const predicate = outcome.statement.predicate as CanaryPredicate;
      expect(outcome.rolledBack).toBe(true);
      expect(predicate.verdict).toBe('fail');
      expect(predicate.rollback).toEqual({ metric: 'error_rate', at });
      expect(predicate.looks).toHaveLength(2);
      expect(watched.sink.attestations).toHaveLength(1);
    });

    it('signs and delivers the fail before reporting a rollback that did not go through, as the error it is', async () => {
      const refused = new Error('rollback webhook answered 503');
      const watched = watch(spiking, { interval: 600, clock: steppedClock(START * 1000), start: new Date(START * 1000), rollback: { call: () => Promise.reject(refused) } });
      await expect(watched.result).rejects.toBe(refused);
      expect(watched.looks).toHaveLength(2);
      expect(watched.sink.attestations).toHaveLength(1);
      const statement = JSON.parse(Buffer.from(JSON.parse(watched.sink.attestations[0]!.toString()).dsseEnvelope.payload, 'base64').toString()) as { predicate: CanaryPredicate };
      expect(statement.predicate).toMatchObject({ verdict: 'fail', rollback: { metric: 'error_rate' } });
    });

    it('without a rollback action still stops at that look and signs the fail, naming no rollback', async () => {
      const watched = watch(spiking, { interval: 600, clock: steppedClock(START * 1000), start: new Date(START * 1000) });
      const outcome = await watched.result;
      expect(watched.looks).toHaveLength(2);
      expect(outcome.rolledBack).toBe(false);
      expect(outcome.statement.predicate).toMatchObject({ verdict: 'fail' });
      expect((outcome.statement.predicate as CanaryPredicate).rollback).toBeUndefined();
    });
  });
});
