import resultSchema from './schemas/decision-result.schema.json' with { type: 'json' };
import type { ArtifactDigest } from '../digest/artifact.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import { policyDataOf, policySigners, type PolicyData, type PolicySigners, type PolicySignersOptions } from '../policy/data.ts';
import { PolicyError } from '../policy/error.ts';
import { OpaWasmEvaluator } from '../policy/evaluator.ts';
import { compileSchema, type SchemaValidator } from '../schema/validator.ts';
import type { StoredBundle, UnreadableBundle } from '../store/store.ts';
import type { InventoryHead, SubjectInventory } from '../store/inventory.ts';
import { AttestationVerifier } from '../verify/verifier.ts';
import { ENGINE } from '../version.ts';
import { BoundedMap } from '../concurrency/bounded-map.ts';
import { canonicalize } from '../canonical/json.ts';
import { buildPolicyInput, inputDigest, type BundleRecord, type PolicyInput, type VerificationOutcome } from './input.ts';

/** What is asked: may this artifact be promoted to this stage, judged at this time, on these bundles? */
export interface DecisionRequest {
  artifact: ArtifactDigest;
  stage: string;
  /** The model serving now; the regression baseline must be this one. */
  deployed: ArtifactDigest | null;
  evaluationTime: Date;
  /**
   * 'clock' when evaluationTime is the time of deciding; 'requested' when it was
   * asked for (an audit or a what-if): the record says so, and nothing that
   * admits a model to serving may rely on such a decision.
   */
  evaluationTimeSource: EvaluationTimeSource;
  bundles: Iterable<StoredBundle | UnreadableBundle> | AsyncIterable<StoredBundle | UnreadableBundle>;
  /** What the store's inventory lists about the artifact, asked once the bundles were read; absent when the store keeps none. */
  inventory?: () => Promise<SubjectInventory | null>;
}

/** Where a decision's evaluation time came from. */
export type EvaluationTimeSource = 'clock' | 'requested';

/** One required gate as the policy judged it. */
export interface GateReport {
  status: 'present' | 'missing' | 'rejected';
  attestations: string[];
  signers: string[];
  verdicts: string[];
}

/** One rule the chain broke. */
export interface Violation {
  code: string;
  title: string;
  msg: string;
  gate: string;
}

/** The policy's answer. */
export interface DecisionResult {
  allowed: boolean;
  artifact: string;
  stage: string;
  gates: Record<string, GateReport>;
  violations: Violation[];
  /** Break-glass overrides that stood in for the approval gate: an allow that rests on one is an emergency, shown wherever the decision is. */
  break_glass?: BreakGlassOverride[];
}

/** An emergency override as the decision reports it. */
export interface BreakGlassOverride {
  attestation: string;
  signer: string;
  reason: string;
  at: string;
}

/** A decision and everything needed to record and replay it. */
export interface Decision {
  result: DecisionResult;
  input: PolicyInput;
  evaluationTimeSource: EvaluationTimeSource;
  /** Where each input record's bundle was found (id to location), for people; not part of what is decided or recorded. */
  locations: ReadonlyMap<string, string>;
  inputDigest: string;
  policy: { digest: string; revision: string };
  engine: { name: string; version: string };
  /** sha256:<hex> of each trusted root keyless evidence was verified against, by trust root name; absent when the policy has no keyless signers. */
  trustedRoots?: Record<string, string>;
  /** The inventory head the evidence was compared with, recorded so a replay and `store check` find any later deletion; null without one. */
  inventory: InventoryHead | null;
}

const resultValidator: SchemaValidator<DecisionResult> = compileSchema<DecisionResult>(resultSchema);

/**
 * Decides promotions with one verified policy bundle, as a fixed sequence:
 * verify every bundle against the policy's signers, build the input from
 * verified statements, evaluate the policy, check the answer's shape. One
 * engine serves any number of decisions.
 */
export class DecisionEngine {
  readonly bundle: VerifiedPolicyBundle;
  readonly data: PolicyData;
  readonly signers: PolicySigners;
  readonly #verifier: AttestationVerifier;
  readonly #evaluator: OpaWasmEvaluator;
  readonly #verified: Map<string, VerificationOutcome> | undefined;
  readonly #records: Map<string, BundleRecord> | undefined;

  private constructor(bundle: VerifiedPolicyBundle, data: PolicyData, signers: PolicySigners, evaluator: OpaWasmEvaluator, verifiedCacheSize: number) {
    this.bundle = bundle;
    this.data = data;
    this.signers = signers;
    this.#verifier = new AttestationVerifier(signers.trust);
    this.#evaluator = evaluator;
    this.#verified = verifiedCacheSize > 0 ? new BoundedMap(verifiedCacheSize) : undefined;
    this.#records = verifiedCacheSize > 0 ? new BoundedMap(verifiedCacheSize) : undefined;
  }

  /**
   * An engine for a bundle that verifyPolicyBundle accepted; `options` say where
   * keyless signers' trusted roots come from and, for a long-lived engine (a
   * server), how many verified bundles to keep so unchanged evidence is not
   * verified or read again (its trust is fixed for the engine's life; default
   * none).
   */
  static async create(bundle: VerifiedPolicyBundle, options: PolicySignersOptions & { verifiedCacheSize?: number } = {}): Promise<DecisionEngine> {
    const data = policyDataOf(bundle.data, bundle.source);
    const signers = await policySigners(data, bundle.source, options);
    return new DecisionEngine(bundle, data, signers, await OpaWasmEvaluator.load(bundle), options.verifiedCacheSize ?? 0);
  }

  /** How many verification outcomes the engine keeps now. */
  get verifiedCached(): number {
    return this.#verified?.size ?? 0;
  }

  /** WebAssembly memory held by the policy instance, for watching that it stays flat. */
  get wasmMemoryBytes(): number {
    return this.#evaluator.memoryBytes;
  }

  /** Builds the input for a request (verification happens here, in TypeScript), with where each record was found. */
  async input(request: DecisionRequest): Promise<{ input: PolicyInput; locations: Map<string, string>; inventory: SubjectInventory | null }> {
    return buildPolicyInput({
      artifact: request.artifact,
      stage: request.stage,
      deployed: request.deployed,
      evaluationTime: request.evaluationTime,
      policyDigest: this.bundle.digest,
      bundles: request.bundles,
      verifier: this.#verifier,
      signers: this.signers,
      ...(request.inventory === undefined ? {} : { inventory: request.inventory }),
      ...(this.#verified === undefined ? {} : { verified: this.#verified }),
      ...(this.#records === undefined ? {} : { records: this.#records }),
    });
  }

  /** Decides a request. */
  async decide(request: DecisionRequest): Promise<Decision> {
    const { input, locations, inventory } = await this.input(request);
    return this.evaluate(input, request.evaluationTimeSource, locations, inventory?.head ?? null);
  }

  /** Evaluates a prepared input. */
  evaluate(input: PolicyInput, evaluationTimeSource: EvaluationTimeSource, locations: ReadonlyMap<string, string> = new Map(), inventory: InventoryHead | null = null): Decision {
    // The canonical text is both what the policy reads and what the record's input digest is taken of.
    const canonical = canonicalize(input);
    const result = this.#evaluator.evaluateJSON(canonical);
    const problem = resultValidator.problem(result);
    if (problem !== undefined) {
      throw new PolicyError({ code: 'EVALUATION_FAILED', message: `${this.bundle.source}: the policy's answer is malformed: ${problem}` });
    }
    return {
      result: result as DecisionResult,
      input,
      evaluationTimeSource,
      locations,
      inputDigest: inputDigest(input, canonical),
      policy: { digest: this.bundle.digest, revision: this.bundle.revision },
      engine: { ...ENGINE },
      ...(Object.keys(this.signers.trustedRoots).length === 0 ? {} : { trustedRoots: { ...this.signers.trustedRoots } }),
      inventory,
    };
  }
}
