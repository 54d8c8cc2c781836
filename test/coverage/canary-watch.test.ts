// The canary's --watch keeps its false-alarm rate over many looks: simulated
// canaries with no change at all (both arms the same truth and the same
// traffic), watched through the real loop, at a tolerance of zero where a
// false alarm is easiest. Spending the error rate across looks keeps the
// alarms of a metric within one-sided 2.5%; testing every look at the full
// 2.5% does not.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CanaryPredicate } from '../../src/attest/predicates.ts';
import { simulateTraffic, simulatedSource, type ArmTruth } from '../../src/demo/canary-traffic.ts';
import { canaryGate, type CanaryGateRequest, type Clock } from '../../src/gates/canary/index.ts';
import { canaryPlan } from '../../src/gates/canary/plan.ts';
import type { CanaryThresholds } from '../../src/gates/canary/definition.ts';
import type { GateSink } from '../../src/gates/workflow.ts';
import { readPublicKey } from '../../src/keys/keys.ts';
import { readPolicyBundle, type VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import { readKeySigner } from '../../src/sign/key/key-signer.ts';
import { ROOT } from '../helpers.ts';
import * as sequential from '../../src/gates/canary/sequential.ts';
import { vi } from 'vitest';

const KEYS = join(ROOT, 'examples', 'keys');
const REPLICATIONS = 240;
const LOOKS = 6;
const truth: ArmTruth = { requestsPerSecond: 10, errorRate: 0.05, latency: { median: 0.12, sigma: 0.5, tailShare: 0.01, tailFactor: 3 }, feedbackRate: 0.05, positiveRate: 0.8, flagRate: 0.002 };
const discard: GateSink = { attestation: async () => '(discarded)', report: async () => ({ json: '(discarded)', markdown: '(discarded)' }) };

// The example policy with the error rate critical at a tolerance of zero, every other metric non-critical.
async function strictPolicy(): Promise<VerifiedPolicyBundle> {
  const bundle = await readPolicyBundle(join(ROOT, 'bundles', 'gatehouse.tar.gz'), await readPublicKey(join(KEYS, 'policy-team.pub')));
  const data = structuredClone(bundle.data) as { gatehouse: { thresholds: { canary: CanaryThresholds } } };
  const canary = data.gatehouse.thresholds.canary;
  for (const metric of Object.values(canary.metrics)) metric.critical = false;
  canary.metrics['error_rate'] = { ...canary.metrics['error_rate']!, critical: true, scale: 'absolute', tolerance: 0, min_events: 0 };
  canary.min_samples = 5;
  return { ...bundle, data: data as unknown as Record<string, unknown> };
}

async function falseAlarms(policy: VerifiedPolicyBundle): Promise<number> {
  const signing = { signer: await readKeySigner(join(KEYS, 'canary-controller.key')) };
  const thresholds = (policy.data['gatehouse'] as { thresholds: { canary: CanaryThresholds } }).thresholds.canary;
  let alarms = 0;
  for (let replication = 0; replication < REPLICATIONS; replication++) {
    const start = 1_800_000_000;
    const traffic = simulateTraffic({ start, end: start + 1800, scrapeSeconds: 15, seed: 1000 + replication, arms: { canary: truth, baseline: truth } });
    let now = start * 1000;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const source = simulatedSource(traffic, canaryPlan(thresholds, start, start + 1800));
    // A false alarm: some look found the (unchanged) critical metric decisively worse, where the watch stops.
    let alarmed = false;
    const onLook: NonNullable<CanaryGateRequest['onLook']> = (_look, _index, _total, judgement) => void (alarmed ||= judgement.criticalFailure !== undefined);
    const outcome = await canaryGate(
      { subject: `sha256:${'a'.repeat(64)}`, deployed: `sha256:${'d'.repeat(64)}`, source, policy, watch: { start: new Date(start * 1000), durationSeconds: 1800, intervalSeconds: 1800 / LOOKS, clock }, onLook },
      { evaluatedAt: new Date(now), signing, sink: discard },
    );
    if (alarmed) {
      alarms++;
      expect((outcome.statement.predicate as CanaryPredicate).verdict).toBe('fail');
    }
  }
  return alarms;
}

describe('canary --watch with no change', () => {
  it(`keeps false alarms over ${LOOKS} looks within one-sided 2.5% by alpha spending, where testing each look at 2.5% exceeds it`, async () => {
    const policy = await strictPolicy();
    const spent = await falseAlarms(policy);
    // 240 replications at a true rate of at most 2.5%: more than 14 alarms has probability below 0.2%.
    expect(spent).toBeLessThanOrEqual(14);
    // Without spending: every look at the full one-sided 2.5%.
    const naive = vi.spyOn(sequential, 'spentAlphas').mockImplementation((fractions, level) => fractions.map(() => (1 - level) / 2));
    const unspent = await falseAlarms(policy);
    naive.mockRestore();
    expect(unspent).toBeGreaterThan(Math.max(spent, 12));
    console.log(`canary watch, ${REPLICATIONS} no-change canaries, ${LOOKS} looks: ${spent} false alarms with alpha spending, ${unspent} testing each look at 2.5%`);
  }, 300_000);
});
