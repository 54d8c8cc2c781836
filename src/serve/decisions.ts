import { BREAK_GLASS_TYPE } from '../approval/statements.ts';
import { canonicalJSON } from '../canonical/json.ts';
import type { Decision, DecisionResult } from '../decide/decide.ts';
import { decisionSummary } from '../decide/reports.ts';
import { decidePromotion, type PromotionRequest } from '../decide/workflow.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import { sha256Hex } from '../digest/sha256.ts';
import type { PolicyData } from '../policy/data.ts';
import type { AttestationStore } from '../store/store.ts';
import { ENGINE } from '../version.ts';
import { ExpiringCache, type CacheOutcome, type Expiring } from './cache.ts';
import { ServeError } from './error.ts';
import type { LoadedPolicy, PolicySource } from './policy-source.ts';

/** What a server is asked: may this model serve at this stage now, replacing `deployed`? */
export interface DecisionQuery {
  subject: ArtifactDigest;
  stage: string;
  deployed: ArtifactDigest | null;
}

/** A decision as the server answers it: the body `verify --json` prints, and the parts an admission answer needs. */
export interface ServedDecision {
  /** Exactly what `gatehouse verify --json` prints for the same decision. */
  summary: Record<string, unknown>;
  result: DecisionResult;
  /** The policy bundle (sha256 hex) that decided. */
  policy: string;
}

/** How long decisions are kept (milliseconds): at most `maxTTL` when allowed, `negativeTTL` when denied, and never past the earliest freshness expiry of their evidence. */
export interface DecisionCacheOptions {
  capacity: number;
  maxTTL: number;
  negativeTTL: number;
}

/** The default cache: 10,000 decisions, an allow kept 60 s, a denial 5 s. */
export const DEFAULT_DECISION_CACHE: DecisionCacheOptions = { capacity: 10_000, maxTTL: 60_000, negativeTTL: 5_000 };

/** What a decision service decides with. */
export interface DecisionServiceOptions {
  policies: PolicySource;
  store: AttestationStore;
  recordSigner?: PromotionRequest['recordSigner'];
  cache?: DecisionCacheOptions;
  /** The clock decisions are made at (tests move it). */
  now?: () => Date;
}

/**
 * Decides queries with the policy in force, now, on the store's evidence, and
 * keeps decisions in a cache whose key holds every input that can change the
 * outcome: subject, stage, deployed model, policy bundle digest, trust
 * material digest, engine version, the record signer, and the head of the
 * store's inventory (so any bundle put since is a new key). A store that keeps
 * no inventory is never cached from: nothing would show its evidence changed.
 * With a record signer, a decision's signed record is in the store before it
 * is returned.
 */
export class DecisionService {
  readonly #options: DecisionServiceOptions;
  readonly #cache: ExpiringCache<ServedDecision>;
  readonly #ttl: DecisionCacheOptions;
  readonly #now: () => Date;

  constructor(options: DecisionServiceOptions) {
    this.#options = options;
    this.#ttl = options.cache ?? DEFAULT_DECISION_CACHE;
    this.#now = options.now ?? (() => new Date());
    this.#cache = new ExpiringCache({ capacity: this.#ttl.capacity, now: () => this.#now().getTime() });
  }

  /** The policy in force (throws NO_POLICY before one is loaded). */
  policy(): LoadedPolicy {
    const policy = this.#options.policies.current;
    if (policy === undefined) throw new ServeError({ code: 'NO_POLICY', message: 'no verified policy is loaded yet' });
    return policy;
  }

  /**
   * Decides `query`, from the cache when an entry with the same key is fresh; says which.
   * `record: false` (an admission dry run) keeps no record even with a record signer.
   */
  async decide(query: DecisionQuery, options: { record?: boolean } = {}): Promise<{ decision: ServedDecision; cache: CacheOutcome | 'uncached' }> {
    const policy = this.policy();
    const recorder = options.record === false ? undefined : this.#options.recordSigner;
    const head = await this.#options.store.inventoryHead();
    if (head === null) return { decision: (await this.#make(query, policy, recorder)).value, cache: 'uncached' };
    const key = sha256Hex(
      canonicalJSON({
        subject: query.subject,
        stage: query.stage,
        deployed: query.deployed,
        policy: policy.digest,
        trust: policy.trustDigest,
        engine: ENGINE.version,
        recorder: recorder?.source ?? null,
        inventory: head,
      }),
    );
    const { value, outcome } = await this.#cache.get(key, () => this.#make(query, policy, recorder));
    return { decision: value, cache: outcome };
  }

  /** Decisions kept now. */
  get cached(): number {
    return this.#cache.size;
  }

  async #make(query: DecisionQuery, policy: LoadedPolicy, recorder: PromotionRequest['recordSigner']): Promise<Expiring<ServedDecision>> {
    const { decision, recordLocation } = await decidePromotion({
      subject: query.subject,
      stage: query.stage,
      deployed: query.deployed,
      store: this.#options.store,
      policy: policy.engine.bundle,
      engine: policy.engine,
      // The clock's time, recorded as the clock's: an admission never rests on a requested time.
      clock: this.#now,
      ...(recorder === undefined ? {} : { recordSigner: recorder }),
    });
    const summary = decisionSummary(decision, recordLocation ?? null);
    const now = decision.input.evaluation_time_ms;
    const ttl = decision.result.allowed ? this.#ttl.maxTTL : this.#ttl.negativeTTL;
    return { value: { summary, result: decision.result, policy: policy.digest }, expiresAt: Math.min(now + ttl, changesAt(decision, policy.engine.data)) };
  }
}

/**
 * The first moment after the decision's evaluation time at which the same
 * evidence could be judged differently by the clock alone: a fresh
 * attestation growing stale (its evaluatedAt, or its witnessed signing time,
 * plus its gate's max_age_seconds; a break-glass override its window), or one
 * dated or witnessed after the evaluation time (judged then as not yet made)
 * coming of age. Infinity when none.
 */
export function changesAt(decision: Decision, data: PolicyData): number {
  const at = decision.input.evaluation_time_ms;
  const maxAge = new Map(Object.values(data.gates).map((gate) => [gate.predicate_type, gate.max_age_seconds]));
  const breakGlassAge = data.approval?.break_glass?.max_age_seconds;
  let first = Infinity;
  const consider = (time: number) => {
    if (time > at && time < first) first = time;
  };
  for (const record of decision.input.attestations) {
    if (!record.verified || record.evaluated_at_ms === null) continue;
    // The policy ages a record from the time it claims or, for some, from the time a witness saw it signed: both count.
    const bases = record.signed_at_ms === null ? [record.evaluated_at_ms] : [record.evaluated_at_ms, record.signed_at_ms];
    bases.forEach(consider);
    if (record.window_ms !== undefined) [record.window_ms.start, record.window_ms.end].forEach(consider);
    const age = maxAge.get(record.predicate_type);
    const window = record.predicate_type === BREAK_GLASS_TYPE ? breakGlassAge : undefined;
    for (const base of bases) {
      if (age !== undefined) consider(base + age * 1000);
      if (window !== undefined) consider(base + window * 1000);
    }
  }
  return first;
}
