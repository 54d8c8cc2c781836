import type { ApprovalPredicate, DeepReviewFinding } from '../attest/predicates.ts';
import type { Statement } from '../attest/statement.ts';
import { DecisionEngine } from '../decide/decide.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import { InputError } from '../error.ts';
import { gateRegistry } from '../gates/registry.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import { attestPredicate, type SigningOptions } from '../sign/attest.ts';
import { serializeBundle } from '../store/serialize.ts';
import type { AttestationStore } from '../store/store.ts';
import { toRFC3339 } from '../time.ts';
import { ENGINE } from '../version.ts';
import { ApprovalError } from './error.ts';
import { eventId, notifyWebhooks, type NotifyResult } from './notify.ts';
import { approvalPolicyOf, eligibleSigners } from './request.ts';
import { chainState, coversEvidence, inRoles, packetDigests, recordTime, reviewableEvidence, sameIdentity, signerLabel, verifiedRecord, type ChainState, type RequestRecord } from './state.ts';
import type { PolicySigner } from '../decide/input.ts';
import type { ApprovalPolicy } from '../policy/data.ts';
import { signerName, type SignerIdentity } from '../verify/identity.ts';
import { APPROVAL_REQUEST_TYPE } from './statements.ts';

/** One approver's decision on one request. */
export interface ApprovalSignOptions {
  /** The request's bundle digest (`sha256:<hex>` or hex), as `approval request` printed it. */
  request: string;
  store: AttestationStore;
  policy: VerifiedPolicyBundle;
  signing: SigningOptions;
  decision: 'approve' | 'reject';
  justification: string;
  /** One judgment per deep-review item, when the request drew a deep review. */
  findings?: DeepReviewFinding[];
  evaluatedAt: Date;
  notify?: readonly string[];
}

/** A signed, stored approval. */
export interface ApprovalSignOutcome {
  statement: Statement<Record<string, unknown>>;
  predicate: ApprovalPredicate;
  digest: string;
  location: string;
  approver: string;
  notified: NotifyResult[];
}

/**
 * Signs an approver's decision on a request, bound to the request's id,
 * nonce and bundle digest and to every digest of its packet. Refused, before
 * anything is stored: the requester, a signer of the evidence under review
 * or the model's author deciding; a signer in no approval role (an
 * escalation role only once the request is overdue); an approval of a packet
 * the evidence has moved on from (a gate re-run since); an approval that
 * does not judge every deep-review item. A rejection needs only to be
 * eligible: it stands as a veto whatever the evidence.
 */
export async function signApproval(options: ApprovalSignOptions): Promise<ApprovalSignOutcome> {
  const engine = await DecisionEngine.create(options.policy);
  const approval = approvalPolicyOf(engine.data, options.policy.source);
  const request = await readRequest(engine, options);
  const subject = `sha256:${request.subjects.find((s) => s.startsWith('sha256:'))!.slice(7)}` as ArtifactDigest;
  const { predicate: asked } = request;
  const state = await chainState(engine, options.store, subject, asked.stage, asked.deployed as ArtifactDigest | null, options.evaluatedAt);
  // Who decides comes first: someone who may not decide is told so whatever else is wrong with the approval.
  // A key signer is known before anything is signed, so a refused approval is never signed; a keyless
  // one only from its certificate, so it is checked on the signed bundle before it is stored.
  const known = (options.signing.signer as { identity?: SignerIdentity }).identity;
  const refuse = (approver: PolicySigner) => refuseApprover(approver, { request, state, approval, engine, at: options.evaluatedAt });
  if (known !== undefined) refuse({ name: signerName(known), ids: engine.signers.idsFor(known) });
  const findings = options.findings ?? [];
  if (options.decision === 'approve') checkApprovable(request, coversEvidence(asked, reviewableEvidence(state.decision), state.records), findings);
  const predicate: ApprovalPredicate = {
    gate: 'approval',
    verdict: options.decision === 'approve' ? 'pass' : 'fail',
    evaluatedAt: toRFC3339(options.evaluatedAt),
    engine: { ...ENGINE },
    reasons: options.decision === 'approve' ? [] : [options.justification],
    policy: { digest: `sha256:${options.policy.digest}` },
    thresholds: {},
    evidence: asked.packet.map((item) => ({ role: `reviewed-${item.gate}`, digest: item.attestation })),
    decision: options.decision,
    stage: asked.stage,
    request: { id: asked.requestId, nonce: asked.nonce, digest: request.id },
    reviewed: packetDigests(asked),
    justification: options.justification,
    ...(findings.length === 0 ? {} : { findings }),
  };
  const { statement, bundle } = await attestPredicate({ name: subject, digest: subject }, gateRegistry.get('approval')!.predicateType, predicate, options.signing);
  const bytes = serializeBundle(bundle);
  const approver = (await verifiedRecord(engine, bytes, 'the signed approval', options.evaluatedAt)).signer;
  refuse(approver);
  const roles = Object.keys(asked.required.roles);
  const put = await options.store.put(bytes);
  const digest = `sha256:${put.bundleDigest}`;
  const notified = await notifyWebhooks(options.notify ?? [], {
    type: 'approval.decided',
    id: eventId('approval.decided', request.id, digest),
    request: { id: asked.requestId, digest: request.id, subject, stage: asked.stage, deadline: asked.deadline, tier: asked.risk.tier },
    eligible: eligibleSigners(approval, roles),
    decision: { approver: signerLabel(approver), decision: options.decision, digest },
    at: predicate.evaluatedAt,
  });
  return { statement, predicate, digest, location: put.locations[0]!, approver: signerLabel(approver), notified };
}

// Refuses an approver who may not decide the request: its requester, a signer of the evidence under
// review or the model's author; someone not authorised for the approval gate or in no required role
// (an escalation role only once the request is overdue).
function refuseApprover(approver: PolicySigner, context: { request: RequestRecord; state: ChainState; approval: ApprovalPolicy; engine: DecisionEngine; at: Date }): void {
  const { request, state, approval } = context;
  const asked = request.predicate;
  if (sameIdentity(approver, request.signer)) throw new ApprovalError({ code: 'REFUSED', message: `${signerLabel(approver)} signed this approval request; nobody decides their own request` });
  const byId = new Map(state.records.map((record) => [record.id, record]));
  for (const item of asked.packet) {
    const gateRecord = byId.get(item.attestation);
    if (gateRecord !== undefined && sameIdentity(approver, gateRecord.signer)) {
      throw new ApprovalError({ code: 'REFUSED', message: `${signerLabel(approver)} signed the ${item.gate} evidence under review; a gate's signer cannot also approve the chain` });
    }
    const author = gateRecord?.author;
    if (author !== undefined && author !== null && sameIdentity(approver, author)) {
      throw new ApprovalError({ code: 'REFUSED', message: `${signerLabel(approver)} signed the model; its author cannot approve it` });
    }
  }
  const roles = Object.keys(asked.required.roles);
  const overdue = context.at.getTime() > recordTime(request) + (Date.parse(asked.deadline) - Date.parse(asked.createdAt));
  const authorised = approver.ids.some((id) => context.engine.data.gates['approval']?.signers.includes(id));
  if (!authorised || !(inRoles(approver, approval, roles) || (overdue && inRoles(approver, approval, approval.escalation_roles)))) {
    const may = eligibleSigners(approval, overdue ? [...roles, ...approval.escalation_roles] : roles);
    throw new ApprovalError({ code: 'REFUSED', message: `${signerLabel(approver)} may not decide this request${overdue ? '' : ' (escalation roles may once it is overdue)'}; eligible: ${may.join(', ')}` });
  }
}

/** Reads a request bundle from the store by digest and verifies it as a decision would: signed by a requester policy data names. */
export async function readRequest(engine: DecisionEngine, options: { request: string; store: AttestationStore; evaluatedAt: Date }): Promise<RequestRecord> {
  const hex = options.request.replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new InputError({ code: 'USAGE', message: `a request is named by its bundle digest (sha256:<64 hex>), got ${JSON.stringify(options.request)}` });
  const stored = await options.store.get(hex);
  if (stored === undefined) throw new InputError({ code: 'FILE_NOT_FOUND', message: `no bundle sha256:${hex} in the store`, path: options.store.uri });
  const record = await verifiedRecord(engine, stored.bytes, stored.location, options.evaluatedAt);
  if (record.predicate_type !== APPROVAL_REQUEST_TYPE) throw new InputError({ code: 'USAGE', message: `sha256:${hex} is no approval request (${record.predicate_type})`, path: stored.location });
  const approval = approvalPolicyOf(engine.data, options.store.uri);
  if (!record.signer.ids.some((id) => approval.requesters.includes(id))) {
    throw new ApprovalError({ code: 'REFUSED', message: `request sha256:${hex} is signed by ${signerLabel(record.signer)}, who is not a requester policy data names` });
  }
  return record as RequestRecord;
}

// An approval must cover the evidence a decision would use now, and judge every deep-review item.
function checkApprovable(request: RequestRecord, current: boolean, findings: readonly DeepReviewFinding[]): void {
  const asked = request.predicate;
  if (!current) {
    throw new ApprovalError({ code: 'PACKET_STALE', message: `the evidence changed since request ${asked.requestId} (a gate was re-run or its evidence expired); approving it would approve what nobody reviewed: ask for a new request` });
  }
  const judged = new Set(findings.map((finding) => finding.item));
  const unknown = [...judged].filter((item) => !asked.deepReview.items.includes(item));
  if (unknown.length > 0) throw new InputError({ code: 'USAGE', message: `findings for items the request did not sample: ${unknown.join(', ')}` });
  const missing = asked.deepReview.items.filter((item) => !judged.has(item));
  if (asked.deepReview.selected && missing.length > 0) {
    throw new ApprovalError({ code: 'DEEP_REVIEW_INCOMPLETE', message: `request ${asked.requestId} drew a deep review: judge each sampled item (missing: ${missing.join(', ')}) with --findings FILE` });
  }
}

/** Reads a findings file's JSON: [{item, judgment: ok|concern, note?}]. */
export function findingsOf(json: unknown, path: string): DeepReviewFinding[] {
  if (!Array.isArray(json)) throw new InputError({ code: 'SCHEMA_INVALID', message: 'a findings file is a JSON array of {item, judgment, note?}', path });
  return json.map((entry: unknown, index) => {
    const finding = entry as Partial<DeepReviewFinding> | null;
    if (finding === null || typeof finding !== 'object' || typeof finding.item !== 'string' || finding.item === '' || (finding.judgment !== 'ok' && finding.judgment !== 'concern') || (finding.note !== undefined && typeof finding.note !== 'string')) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `entry ${index}: expected {item, judgment: "ok" | "concern", note?}`, path });
    }
    const extra = Object.keys(finding).filter((key) => !['item', 'judgment', 'note'].includes(key));
    if (extra.length > 0) throw new InputError({ code: 'SCHEMA_INVALID', message: `entry ${index}: unknown field ${extra[0]}`, path });
    return { item: finding.item, judgment: finding.judgment, ...(finding.note === undefined ? {} : { note: finding.note }) };
  });
}
