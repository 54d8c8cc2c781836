import { gateRegistry } from '../gates/registry.ts';
import type { Decision, DecisionEngine } from '../decide/decide.ts';
import type { AttestationRecord, PolicySigner } from '../decide/input.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { InputError } from '../error.ts';
import type { ApprovalPolicy } from '../policy/data.ts';
import type { AttestationStore } from '../store/store.ts';
import { artifactEvidence } from '../decide/bound-evidence.ts';
import { APPROVAL_REQUEST_TYPE, BREAK_GLASS_TYPE, type ApprovalRequestPredicate } from './statements.ts';
import type { ApprovalPredicate } from '../attest/predicates.ts';

/** A record that verified against the policy's signers, as the decision's input holds it. */
export type VerifiedRecord = Extract<AttestationRecord, { verified: true }>;

/** A verified approval request. */
export type RequestRecord = VerifiedRecord & { predicate: ApprovalRequestPredicate & Record<string, unknown> };

/** A verified approval. */
export type ApprovalRecord = VerifiedRecord & { predicate: ApprovalPredicate & Record<string, unknown> };

/** The chain of one artifact as the policy sees it at one time: the decision for a stage and every verified record. */
export interface ChainState {
  decision: Decision;
  records: VerifiedRecord[];
}

/**
 * Decides the stage on everything the store holds for the artifact (as
 * `requested` at `at`), keeping the verified records: every approval step
 * works from what a decision would use, never from files it was handed.
 */
export async function chainState(engine: DecisionEngine, store: AttestationStore, subject: ArtifactDigest, stage: string, deployed: ArtifactDigest | null, at: Date): Promise<ChainState> {
  // The evidence a decision reads: for an OCI manifest, with the directory digest's bundles an integrity attestation claims.
  const evidence = artifactEvidence(store, subject);
  const decision = await engine.decide({ artifact: subject, stage, deployed, evaluationTime: at, evaluationTimeSource: 'requested', bundles: evidence.bundles, inventory: evidence.inventory });
  return { decision, records: decision.input.attestations.filter((record): record is VerifiedRecord => record.verified) };
}

/**
 * Verifies one bundle as a decision would (signature against the policy's
 * signers, the predicate's schema, its time), returning its record; a bundle
 * that does not verify is refused with the reason.
 */
export async function verifiedRecord(engine: DecisionEngine, bytes: Buffer, source: string, at: Date): Promise<VerifiedRecord> {
  const subject = `sha256:${'0'.repeat(64)}` as ArtifactDigest;
  const { input } = await engine.input({ artifact: subject, stage: '', deployed: null, evaluationTime: at, evaluationTimeSource: 'requested', bundles: [{ location: source, bundleDigest: sha256Hex(bytes), bytes }] });
  const record = input.attestations[0]!;
  if (!record.verified) throw new InputError({ code: 'BUNDLE_MALFORMED', message: `not evidence under this policy: ${record.reason}`, path: source });
  return record;
}

/** When a record was made: the time a trusted witness saw it signed where it has one, else the time it claims (as the policy reads it). */
export function recordTime(record: VerifiedRecord): number {
  return record.signed_at_ms ?? record.evaluated_at_ms ?? 0;
}

/** How people are shown a signer: its policy signer ids, else its name. */
export function signerLabel(signer: PolicySigner): string {
  return signer.ids.length > 0 ? signer.ids.join('/') : signer.name;
}

/** Whether two signers are one identity: the same name, or a policy signer id in common (as the policy judges it). */
export function sameIdentity(a: PolicySigner, b: PolicySigner): boolean {
  return a.name === b.name || a.ids.some((id) => b.ids.includes(id));
}

/** Whether a signer belongs to one of these approval roles. */
export function inRoles(signer: PolicySigner, policy: ApprovalPolicy, roles: Iterable<string>): boolean {
  for (const role of roles) if (signer.ids.some((id) => (policy.roles[role] ?? []).includes(id))) return true;
  return false;
}

/** The approval requests for a stage, signed by a requester policy data names, earliest first (as the policy orders them). */
export function requestsFor(records: readonly VerifiedRecord[], stage: string, policy: ApprovalPolicy): RequestRecord[] {
  return records
    .filter((record): record is RequestRecord => record.predicate_type === APPROVAL_REQUEST_TYPE && record.predicate['stage'] === stage)
    .filter((record) => record.signer.ids.some((id) => policy.requesters.includes(id)))
    .sort((a, b) => recordTime(a) - recordTime(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Break-glass overrides among the records. */
export function breakGlassOverrides(records: readonly VerifiedRecord[]): VerifiedRecord[] {
  return records.filter((record) => record.predicate_type === BREAK_GLASS_TYPE);
}

/** The approvals bound to a request: naming its id, nonce and bundle digest, having reviewed exactly its packet. */
export function approvalsOf(records: readonly VerifiedRecord[], request: RequestRecord): ApprovalRecord[] {
  const packet = packetDigests(request.predicate).join('\n');
  return records.filter((record): record is ApprovalRecord => {
    const predicate = record.predicate as Partial<ApprovalPredicate>;
    return (
      predicate.gate === 'approval' &&
      predicate.request !== undefined &&
      (request.aliases ?? [request.id]).includes(predicate.request.digest) &&
      predicate.request.nonce === request.predicate.nonce &&
      predicate.request.id === request.predicate.requestId &&
      [...new Set(predicate.reviewed ?? [])].sort().join('\n') === packet
    );
  });
}

/** Each approver's newest word among approvals (a later one replaces an earlier one). */
export function newestWords(approvals: readonly ApprovalRecord[]): ApprovalRecord[] {
  const newest = new Map<string, ApprovalRecord>();
  for (const approval of approvals) {
    const kept = newest.get(approval.signer.name);
    if (kept === undefined || (approval.evaluated_at_ms ?? 0) > (kept.evaluated_at_ms ?? 0) || ((approval.evaluated_at_ms ?? 0) === (kept.evaluated_at_ms ?? 0) && approval.predicate.decision === 'reject')) {
      newest.set(approval.signer.name, approval);
    }
  }
  return [...newest.values()].sort((a, b) => (a.signer.name < b.signer.name ? -1 : 1));
}

/** Every digest of a request's packet, sorted: the attestations and the reports and evidence files they name. */
export function packetDigests(request: Pick<ApprovalRequestPredicate, 'packet'>): string[] {
  return [...new Set(request.packet.flatMap((item) => [item.attestation, ...item.reports.map((report) => report.digest)]))].sort();
}

/**
 * Whether a request's packet covers exactly this evidence (record ids, as a
 * decision lists them): each item's digest names a record, directly or as a
 * re-serialised copy of it (its aliases), as the policy matches them.
 */
export function coversEvidence(request: Pick<ApprovalRequestPredicate, 'packet'>, evidence: readonly string[], records: readonly VerifiedRecord[]): boolean {
  const named = new Map<string, string>();
  for (const record of records) for (const alias of record.aliases ?? [record.id]) named.set(alias, record.id);
  const covered = request.packet.map((item) => named.get(item.attestation) ?? item.attestation).sort();
  return covered.join('\n') === [...evidence].sort().join('\n');
}

/** Whether approvers review a gate's evidence: every gate but approval itself and those judged after it (the canary). */
export function reviewedGate(gate: string): boolean {
  return gate !== 'approval' && gateRegistry.get(gate)?.followsApproval !== true;
}

/** The evidence a decision for the stage uses from every gate approvers review, sorted: what a request must cover. */
export function reviewableEvidence(decision: Decision): string[] {
  return Object.entries(decision.result.gates)
    .filter(([gate]) => reviewedGate(gate))
    .flatMap(([, report]) => report.attestations)
    .sort();
}
