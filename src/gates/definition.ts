import type { ArtifactDigest } from '../digest/artifact.ts';
import type { SignerIdentity } from '../verify/identity.ts';

/**
 * Everything gatehouse needs to know about one gate, in one place: the
 * registry derives from these the predicate types, the schema checks, the
 * policy data schema, and the gate facts a built policy bundle carries for
 * the Rego (data.gatehouse.gates.<name>). A new gate is a folder with a
 * definition and an entry point, registered once.
 */
export interface GateDefinition {
  /** The gate's name, as policy data, predicates and reports spell it. */
  name: string;
  /** The predicate type URI of its attestations; the version is part of the URI. */
  predicateType: string;
  /** JSON Schema of its predicate, checked before signing and whenever a decision reads one. */
  predicateSchema: Record<string, unknown>;
  /** JSON Schema of its thresholds in policy data (data.gatehouse.thresholds.<name>); absent for gates that apply none. */
  thresholdsSchema?: Record<string, unknown>;
  /** Whether its attestations must record the deciding policy bundle: false only for a gate that applies nothing from policy. */
  policyBound: boolean;
  /** The predicate field naming the dataset it was evaluated on, which policy data pins (data.gatehouse.datasets.<name>). */
  datasetField?: string;
  /** Whether it compares the candidate with the deployed model: its predicate's baseline must be that model, and its metrics are re-judged against tolerances. */
  comparesWithDeployed?: boolean;
  /** Whether it is judged after human approval (a canary runs on traffic approvers admitted): its evidence is not in the approval packet, and must come after the approval. */
  followsApproval?: boolean;
  /** The seed a predicate must record, re-derived from the statement's subject and the digests it names; absent for gates that draw no random numbers. */
  expectedSeed?(subject: ArtifactDigest, predicate: Readonly<Record<string, unknown>>): number;
  /**
   * Signers the predicate records of other signed evidence it verified (a
   * dataset attestation, a base model's signature), by that evidence's bundle
   * digest: a decision maps each to the policy signer ids it matches
   * (record.named_signers), so the policy, not the gate, decides whose roles
   * they hold. Absent for gates that record none.
   */
  namedSigners?(predicate: Readonly<Record<string, unknown>>): Record<string, SignerIdentity | null>;
  /**
   * Times the predicate records that the policy judges (an engagement's
   * start and end), by name, as RFC 3339: a decision places each in time
   * (record.times_ms, milliseconds since the epoch), since the policy's
   * WebAssembly runtime parses no times. A time that cannot be placed rejects
   * the record. Absent for gates with none beyond evaluatedAt.
   */
  times?(predicate: Readonly<Record<string, unknown>>): Record<string, string>;
}

/**
 * The thresholds schema of metrics judged as a change against the deployed
 * model: per metric, which direction is better and the tolerated change;
 * `more` adds properties a gate's metrics also take.
 */
export function metricTolerancesSchema(more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'object',
    minProperties: 1,
    additionalProperties: {
      type: 'object',
      required: ['direction', 'tolerance'],
      properties: { direction: { enum: ['higher', 'lower'] }, tolerance: { type: 'number', minimum: 0 }, ...more },
    },
  };
}
