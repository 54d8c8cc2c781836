import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decidePromotion } from '../../src/decide/workflow.ts';
import { readPolicyKey } from '../../src/policy/bundle.ts';
import { BREAK_GLASS_TYPE } from '../../src/approval/statements.ts';
import { DecisionService, changesAt, type DecisionQuery } from '../../src/serve/decisions.ts';
import { PolicySource } from '../../src/serve/policy-source.ts';
import { seededRandom } from '../../src/stats/random.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import type { AttestationStore } from '../../src/store/store.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import { ENGINE } from '../../src/version.ts';
import { temporaryDirectory } from '../helpers.ts';
import { canaryTimes, type ChainBundle } from '../support/chain.ts';
import { POLICY_PUB } from '../support/policy.ts';
import { COMPLETE, DEPLOYED, PARTIAL, chainTime, chains, putAll, servePolicy, slowStore, type ServePolicy } from '../support/serve.ts';

let policy: ServePolicy;
let other: ServePolicy;
let signed: Awaited<ReturnType<typeof chains>>;
const START = Date.now();
const AT = chainTime(START);

beforeAll(async () => {
  [policy, other] = await Promise.all([servePolicy(), servePolicy((data) => (data.stages.experimental = { required_gates: ['integrity'] }))]);
  signed = await chains(policy.digest, AT);
});

afterAll(() => {
  policy?.cleanup();
  other?.cleanup();
});

/** A service over a fresh folder store holding `bundles`, with a clock the test moves. */
async function service(options: { bundles?: ChainBundle[]; store?: (store: AttestationStore) => AttestationStore; cache?: ConstructorParameters<typeof DecisionService>[0]['cache']; policyPath?: string } = {}) {
  const dir = await temporaryDirectory();
  const base = new FileSystemAttestationStore(join(dir, 'store'));
  await putAll(base, options.bundles ?? [...signed.complete, ...signed.partial]);
  const store = options.store?.(base) ?? base;
  const policyPath = join(dir, 'policy.tar.gz');
  await copyFile(options.policyPath ?? policy.path, policyPath);
  const policies = new PolicySource({ path: policyPath, policyKey: await readPolicyKey(POLICY_PUB), verifiedCacheSize: 1024 });
  await policies.load();
  const clock = { now: START };
  const decisions = new DecisionService({ policies, store, now: () => new Date(clock.now), ...(options.cache === undefined ? {} : { cache: options.cache }) });
  return { decisions, store: base, policies, policyPath, clock };
}

const production: DecisionQuery = { subject: COMPLETE, stage: 'production', deployed: DEPLOYED };

/** A store wrapper that answers each listing 50 ms late and counts the listings (one per decision made). */
function slowCountedListings() {
  const counted = {
    count: 0,
    store: (store: AttestationStore): AttestationStore => {
      const slowed = slowStore(store, () => 50);
      const list = slowed.list;
      slowed.list = async (...args) => (counted.count++, list(...args));
      return slowed;
    },
  };
  return counted;
}

describe('DecisionService cache', () => {
  it('answers the same query from the cache with the same decision', async () => {
    const { decisions } = await service();
    const first = await decisions.decide(production);
    const second = await decisions.decide(production);
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(second.decision.summary).toEqual(first.decision.summary);
    expect(second.decision.summary['allowed']).toBe(true);
  });

  it('decides afresh when evidence is put (the inventory head is in the key), even within a denial lifetime', async () => {
    const { decisions, store } = await service();
    const query: DecisionQuery = { subject: PARTIAL, stage: 'production', deployed: DEPLOYED };
    expect((await decisions.decide(query)).decision.result.allowed).toBe(false);
    expect((await decisions.decide(query)).cache).toBe('hit');
    await putAll(store, signed.partialRest);
    const after = await decisions.decide(query);
    expect(after.cache).toBe('miss');
    expect(after.decision.result.allowed).toBe(true);
  });

  it('keys by stage and by deployed model', async () => {
    const { decisions } = await service();
    expect((await decisions.decide(production)).decision.result.allowed).toBe(true);
    const noBaseline = await decisions.decide({ ...production, deployed: null });
    expect(noBaseline.cache).toBe('miss');
    expect(noBaseline.decision.result.allowed).toBe(false);
    const otherBaseline = await decisions.decide({ ...production, deployed: PARTIAL });
    expect(otherBaseline.decision.result.allowed).toBe(false);
    const partialDevelopment = await decisions.decide({ subject: PARTIAL, stage: 'development', deployed: null });
    expect(partialDevelopment.decision.result.allowed).toBe(true);
    const partialStaging = await decisions.decide({ subject: PARTIAL, stage: 'staging', deployed: DEPLOYED });
    expect(partialStaging.cache).toBe('miss');
    expect(partialStaging.decision.result.allowed).toBe(false);
  });

  it('keys by policy bundle digest: a swapped policy decides at once', async () => {
    const { decisions, policies, policyPath } = await service();
    const query: DecisionQuery = { subject: PARTIAL, stage: 'experimental', deployed: null };
    expect((await decisions.decide(query)).decision.result.allowed).toBe(false);
    await copyFile(other.path, policyPath);
    await policies.load();
    const swapped = await decisions.decide(query);
    expect(swapped.cache).toBe('miss');
    expect(swapped.decision.result.allowed).toBe(true);
    expect(swapped.decision.policy).toBe(other.digest);
  });

  it('keys by trust material and engine version: the same bundle under other trust, or another engine, decides afresh', async () => {
    const { decisions: real, store, clock } = await service();
    const loaded = real.policy();
    // The policy source as the service reads it: what is in force now, swapped by the test.
    const source = { current: loaded };
    const decisions = new DecisionService({ policies: source as unknown as PolicySource, store, now: () => new Date(clock.now) });
    expect((await decisions.decide(production)).cache).toBe('miss');
    expect((await decisions.decide(production)).cache).toBe('hit');
    source.current = { ...loaded, trustDigest: 'f'.repeat(64) };
    expect((await decisions.decide(production)).cache).toBe('miss');
    expect((await decisions.decide(production)).cache).toBe('hit');
    const version = ENGINE.version;
    try {
      (ENGINE as { version: string }).version = `${version}-next`;
      expect((await decisions.decide(production)).cache).toBe('miss');
    } finally {
      (ENGINE as { version: string }).version = version;
    }
    expect((await decisions.decide(production)).cache).toBe('hit');
  });

  it('keeps an allow no longer than its evidence stays fresh (the canary, 24 h after it was judged)', async () => {
    const { decisions, clock } = await service({ cache: { capacity: 100, maxTTL: 30 * 86_400_000, negativeTTL: 5_000 } });
    expect((await decisions.decide(production)).decision.result.allowed).toBe(true);
    const staleAt = Date.parse(canaryTimes(AT).evaluatedAt) + 86_400_000;
    clock.now = staleAt - 1000;
    expect((await decisions.decide(production)).cache).toBe('hit');
    clock.now = staleAt + 1000;
    const stale = await decisions.decide(production);
    expect(stale.cache).toBe('miss');
    expect(stale.decision.result.allowed).toBe(false);
    expect(stale.decision.result.violations.map((v) => v.gate)).toContain('canary');
  });

  it('keeps an allow at most maxTTL, a denial briefly', async () => {
    const { decisions, clock } = await service({ cache: { capacity: 100, maxTTL: 60_000, negativeTTL: 5_000 } });
    const denied: DecisionQuery = { subject: PARTIAL, stage: 'production', deployed: DEPLOYED };
    await decisions.decide(production);
    await decisions.decide(denied);
    clock.now = START + 4_000;
    expect((await decisions.decide(denied)).cache).toBe('hit');
    clock.now = START + 6_000;
    expect((await decisions.decide(denied)).cache).toBe('miss');
    expect((await decisions.decide(production)).cache).toBe('hit');
    clock.now = START + 61_000;
    expect((await decisions.decide(production)).cache).toBe('miss');
  });

  it('runs one evaluation for concurrent misses of one key', async () => {
    const listings = slowCountedListings();
    const { decisions } = await service({ store: listings.store });
    const answers = await Promise.all(Array.from({ length: 10 }, () => decisions.decide(production)));
    expect(listings.count).toBe(1);
    expect(answers.map((answer) => answer.cache).sort()).toEqual([...Array(9).fill('joined'), 'miss']);
    expect(new Set(answers.map((answer) => JSON.stringify(answer.decision.summary))).size).toBe(1);
  });

  it('with capacity 0 keeps no decision, and concurrent misses of one key still run one evaluation', async () => {
    const listings = slowCountedListings();
    const { decisions } = await service({ cache: { capacity: 0, maxTTL: 60_000, negativeTTL: 5_000 }, store: listings.store });
    const answers = await Promise.all(Array.from({ length: 4 }, () => decisions.decide(production)));
    expect(answers.map((answer) => answer.cache).sort()).toEqual(['joined', 'joined', 'joined', 'miss']);
    expect(listings.count).toBe(1);
    expect((await decisions.decide(production)).cache).toBe('miss');
    expect(listings.count).toBe(2);
    expect(decisions.cached).toBe(0);
    expect(answers[0]!.decision.summary['allowed']).toBe(true);
  });

  it('never caches over a store that keeps no inventory (nothing would show its evidence changed)', async () => {
    const { decisions } = await service({ store: (store) => Object.assign(slowStore(store, () => 0), { inventoryHead: async () => null }) });
    expect((await decisions.decide(production)).cache).toBe('uncached');
    expect((await decisions.decide(production)).cache).toBe('uncached');
  });

  it('verifies unchanged evidence once across decisions that are not cached', async () => {
    const { decisions } = await service();
    const verify = vi.spyOn(AttestationVerifier.prototype, 'verifyJSON');
    try {
      await decisions.decide(production);
      const first = verify.mock.calls.length;
      expect(first).toBe(signed.complete.length);
      await decisions.decide({ ...production, stage: 'staging' });
      await decisions.decide({ ...production, deployed: null });
      expect(verify.mock.calls.length).toBe(first);
    } finally {
      verify.mockRestore();
    }
  });
});

describe('DecisionService cache property', () => {
  it('answers as an uncached decision would, across evidence put, policy swaps and the passage of time', async () => {
    const { decisions, store, policies, policyPath, clock } = await service({ cache: { capacity: 100, maxTTL: 10 * 86_400_000, negativeTTL: 5_000 } });
    const random = seededRandom(14);
    const pending = [...signed.partialRest];
    const queries: DecisionQuery[] = [];
    for (const subject of [COMPLETE, PARTIAL]) for (const stage of ['development', 'staging', 'production', 'experimental']) for (const deployed of [DEPLOYED, null]) queries.push({ subject, stage, deployed });
    const outcomes = new Set<string>();
    for (let step = 0; step < 60; step++) {
      const roll = random.int(10);
      if (roll === 0 && pending.length > 0) await store.put(pending.splice(random.int(pending.length), 1)[0]!.bytes);
      else if (roll === 1) {
        await copyFile(policies.current!.digest === policy.digest ? other.path : policy.path, policyPath);
        await policies.load();
      } else if (roll <= 3) clock.now += random.int(2) === 0 ? random.int(10_000) : random.int(2 * 86_400_000);
      const query = queries[random.int(queries.length)]!;
      const cached = await decisions.decide(query);
      const engine = policies.current!.engine;
      const fresh = await decidePromotion({ ...query, store, policy: engine.bundle, engine, clock: () => new Date(clock.now) });
      outcomes.add(`${cached.cache}:${fresh.decision.result.allowed}`);
      expect({ step, allowed: cached.decision.result.allowed, violations: cached.decision.result.violations }).toEqual({ step, allowed: fresh.decision.result.allowed, violations: fresh.decision.result.violations });
    }
    // The walk reached both answers from the cache and fresh.
    expect(outcomes).toEqual(new Set(['hit:true', 'hit:false', 'miss:true', 'miss:false']));
  });
});

describe('changesAt', () => {
  const GATES = { canary: { predicate_type: 'canary/v1', signers: [], max_age_seconds: 100 }, approval: { predicate_type: 'approval/v1', signers: [], max_age_seconds: 1000 } };
  const data = { gates: GATES, approval: { break_glass: { roles: [], max_age_seconds: 50 } } } as unknown as Parameters<typeof changesAt>[1];
  const record = (predicate_type: string, evaluated_at_ms: number, signed_at_ms: number | null = null, window_ms?: { start: number; end: number }) => ({ id: `sha256:${predicate_type}`, verified: true as const, signer: { name: 's', ids: [] }, predicate_type, subjects: [], evaluated_at_ms, signed_at_ms, expected_seed: null, predicate: {}, ...(window_ms === undefined ? {} : { window_ms }) });
  const at = (evaluation_time_ms: number, ...attestations: Array<ReturnType<typeof record>>) => changesAt({ input: { evaluation_time_ms, attestations } } as unknown as Parameters<typeof changesAt>[0], data);

  it('is the earliest freshness expiry after the evaluation time, from the claimed or the witnessed time', () => {
    expect(at(1_000, record('canary/v1', 500))).toBe(100_500);
    expect(at(1_000, record('canary/v1', 500), record('approval/v1', 0, 600))).toBe(100_500);
    expect(at(1_000, record('approval/v1', 900, 300))).toBe(1_000_300);
    // An expiry already past is no change to come (the record is stale already).
    expect(at(200_000, record('canary/v1', 500), record('approval/v1', 0))).toBe(1_000_000);
  });

  it('is when a record dated or witnessed after the evaluation time comes of age, a window bound, or a break-glass window', () => {
    expect(at(1_000, record('approval/v1', 5_000))).toBe(5_000);
    expect(at(1_000, record('approval/v1', 0, 3_000))).toBe(3_000);
    expect(at(1_000, record('other/v1', 0, null, { start: 0, end: 2_000 }))).toBe(2_000);
    expect(at(1_000, record(BREAK_GLASS_TYPE, 900))).toBe(50_900);
    expect(at(1_000, record('other/v1', 900))).toBe(Infinity);
  });
});
