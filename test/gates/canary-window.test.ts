import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { canaryGate, type CanaryGateRequest } from '../../src/gates/canary/index.ts';
import type { GateContext } from '../../src/gates/workflow.ts';
import type { VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import { ROOT } from '../helpers.ts';
import { steppedClock } from '../support/clock.ts';

// canaryGate's refusals of a window or watch it cannot judge, each before it asks
// the metrics source anything (the source here records and refuses every query).
// Policy data is the shipped thresholds: a step of 60 s.
const canary = (parse(readFileSync(join(ROOT, 'policies', 'data', 'thresholds.yaml'), 'utf8')) as { thresholds: { canary: unknown } }).thresholds.canary;
const policy = { source: 'policy.tar.gz', digest: 'ab'.repeat(32), data: { gatehouse: { thresholds: { canary } } } } as unknown as VerifiedPolicyBundle;
const JUDGED = new Date('2026-11-22T10:00:00Z');

function attempt(shape: Partial<CanaryGateRequest>) {
  const asked: unknown[] = [];
  const request = {
    subject: { name: 'model', digest: `sha256:${'c7'.repeat(32)}` },
    deployed: `sha256:${'d8'.repeat(32)}`,
    source: { description: { kind: 'prometheus', url: 'http://prometheus.invalid' }, queryRange: (query: unknown) => Promise.reject(new Error(`asked ${asked.push(query)}`)) },
    policy,
    ...shape,
  } as CanaryGateRequest;
  return { asked, result: canaryGate(request, { evaluatedAt: JUDGED } as GateContext) };
}

// A clock at JUDGED whose sleep moves it on, so a watch that got past its checks would wait, then ask.
const clock = () => steppedClock(JUDGED.getTime());

describe('canaryGate', () => {
  describe('when the window ends after the canary is judged', () => {
    it('refuses it as bad usage before asking or signing anything', async () => {
      const { asked, result } = attempt({ window: { start: new Date('2026-11-22T09:00:00Z'), end: new Date('2026-11-22T10:00:01Z') } });
      await expect(result).rejects.toMatchObject({ code: 'USAGE', message: 'the canary window ends at 2026-11-22T10:00:01Z, after the canary is judged (2026-11-22T10:00:00Z)' });
      expect(asked).toEqual([]);
    });

    it('takes a window that ends exactly when the canary is judged, and asks the source', async () => {
      const { asked, result } = attempt({ window: { start: new Date('2026-11-22T09:00:00Z'), end: JUDGED } });
      await expect(result).rejects.toThrow('asked 1');
      expect(asked).toHaveLength(1);
    });
  });

  it('refuses a request with neither a window nor a watch, or both', async () => {
    const window = { start: new Date('2026-11-22T09:00:00Z'), end: JUDGED };
    for (const shape of [{}, { window, watch: { durationSeconds: 3600, intervalSeconds: 300 } }]) {
      const { asked, result } = attempt(shape);
      await expect(result).rejects.toMatchObject({ code: 'USAGE', message: 'give exactly one of a window and a watch' });
      expect(asked).toEqual([]);
    }
  });

  it('refuses a rollback with a window, which is judged once and never rolls back, before asking anything', async () => {
    const { asked, result } = attempt({ window: { start: new Date('2026-11-22T09:00:00Z'), end: JUDGED }, rollback: { command: 'true' } });
    await expect(result).rejects.toMatchObject({ code: 'USAGE', message: 'a rollback goes with a watch (--watch), not with a window judged once' });
    expect(asked).toEqual([]);
  });

  it('refuses a window shorter than one step, and takes one of exactly one step', async () => {
    const short = attempt({ window: { start: new Date(JUDGED.getTime() - 59_000), end: JUDGED } });
    await expect(short.result).rejects.toMatchObject({ code: 'USAGE', message: 'the canary window (59 s) holds no step of 60 s' });
    expect(short.asked).toEqual([]);
    const one = attempt({ window: { start: new Date(JUDGED.getTime() - 60_000), end: JUDGED } });
    await expect(one.result).rejects.toThrow('asked 1');
  });

  it('refuses a watch looking more often than the policy steps, and one whose duration holds no step, before waiting or asking', async () => {
    const often = attempt({ watch: { start: JUDGED, durationSeconds: 3600, intervalSeconds: 59, clock: clock() } });
    await expect(often.result).rejects.toMatchObject({ code: 'USAGE', message: "--interval 59s is shorter than the policy's step of 60s" });
    expect(often.asked).toEqual([]);
    // An interval of exactly one step is allowed; the duration is what is refused here.
    const brief = attempt({ watch: { start: JUDGED, durationSeconds: 30, intervalSeconds: 60, clock: clock() } });
    await expect(brief.result).rejects.toMatchObject({ code: 'USAGE', message: 'the canary window (30 s) holds no step of 60 s' });
    expect(brief.asked).toEqual([]);
  });

  it('waits for the first look until its last step has been scraped (one step after it), then asks', async () => {
    const watched = clock();
    const { asked, result } = attempt({ watch: { start: JUDGED, durationSeconds: 3600, intervalSeconds: 600, clock: watched } });
    await expect(result).rejects.toThrow('asked 1');
    // The first look is at 600 s; its last step is scraped 60 s later.
    expect(watched.now()).toBe(JUDGED.getTime() + 660_000);
    // In sleeps of at most a minute, so that a clock that jumps (a suspended host) is read again.
    expect(watched.slept).toEqual(Array(11).fill(60_000));
    // It asks for the steps of the first 600 s: the first ends one step in.
    expect(asked[0]).toMatchObject({ start: JUDGED.getTime() / 1000 + 60, end: JUDGED.getTime() / 1000 + 600, step: 60 });
  });
});
