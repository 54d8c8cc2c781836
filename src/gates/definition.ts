import type { ArtifactDigest } from '../digest/artifact.ts';

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
