import { randomBytes, randomUUID } from 'node:crypto';
import type { IntegrityPredicate } from '../attest/predicates.ts';
import type { Statement } from '../attest/statement.ts';
import { DecisionEngine } from '../decide/decide.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import { InputError } from '../error.ts';
import type { ApprovalPolicy, PolicyData } from '../policy/data.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import { attestPredicate, type SigningOptions } from '../sign/attest.ts';
import { serializeBundle } from '../store/serialize.ts';
import type { AttestationStore } from '../store/store.ts';
import { toRFC3339 } from '../time.ts';
import { diffSummary, type SuppliedEvidence } from './diff.ts';
import { ApprovalError } from './error.ts';
import { eventId, notifyWebhooks, type NotifyResult } from './notify.ts';
import { assessRisk, requiredApprovals, type DeclaredRisk } from './risk.ts';
import { chainState, coversEvidence, requestsFor, reviewableEvidence, reviewedGate, signerLabel, verifiedRecord, type ChainState, type VerifiedRecord } from './state.ts';
import { APPROVAL_REQUEST_TYPE, deepReviewOutcome, reviewItems, type ApprovalRequestPredicate, type PacketItem } from './statements.ts';
import type { RiskAssessment } from './view.ts';

/** What an approval request is made from. */
export interface ApprovalRequestOptions {
  subject: ArtifactDigest;
  stage: string;
  /** The model serving now; absent means the baseline the comparison gates' evidence names. */
  deployed?: ArtifactDigest | null;
  store: AttestationStore;
  policy: VerifiedPolicyBundle;
  /** Signs the request: a requester policy data names (approval.requesters). */
  signing: SigningOptions;
  createdAt: Date;
  /** Risk factors the requester declares (each can only raise the tier). */
  risk?: DeclaredRisk;
  /** Evidence files an attestation of the packet names (per-example results, responses, reports), for the diff summary. */
  evidence?: SuppliedEvidence[];
  /** Webhooks told of the request. */
  notify?: readonly string[];
}

/** A signed, stored approval request. */
export interface ApprovalRequestOutcome {
  statement: Statement<Record<string, unknown>>;
  predicate: ApprovalRequestPredicate;
  bytes: Buffer;
  /** `sha256:<hex>` of the stored bundle: what approvals name. */
  digest: string;
  location: string;
  notified: NotifyResult[];
}

/**
 * Asks for approval of an artifact for a stage: the packet is exactly the
 * evidence a decision would use from every other required gate (a gate
 * without acceptable evidence leaves nothing to review, and a request that
 * already covers this evidence is the one to decide); the risk tier comes
 * from the integrity attestation, policy data and what the requester
 * declares; the tier sets the approvals, roles and deadline; the nonce is
 * random and the deep-review draw derived from it. Signed by a requester the
 * policy names, stored, and announced to the webhooks.
 */
export async function requestApproval(options: ApprovalRequestOptions): Promise<ApprovalRequestOutcome> {
  const engine = await DecisionEngine.create(options.policy);
  const approval = approvalPolicyOf(engine.data, options.policy.source);
  const stage = engine.data.stages[options.stage];
  if (stage === undefined) throw new InputError({ code: 'USAGE', message: `stage ${JSON.stringify(options.stage)} is not in the policy (${Object.keys(engine.data.stages).join(', ')})` });
  if (!stage.required_gates.includes('approval')) throw new InputError({ code: 'USAGE', message: `stage ${options.stage} does not require approval` });
  // Which evidence is acceptable does not depend on the deployed model (only the baseline rules read it), so one decision serves both.
  const state = await chainState(engine, options.store, options.subject, options.stage, options.deployed ?? null, options.createdAt);
  const deployed = options.deployed === undefined ? inferDeployed(state, options.subject) : options.deployed;
  const packet = packetOf(state, stage.required_gates);
  const covered = reviewableEvidence(state.decision);
  const existing = requestsFor(state.records, options.stage, approval).find((request) => coversEvidence(request.predicate, covered, state.records));
  if (existing !== undefined) {
    throw new ApprovalError({ code: 'ALREADY_REQUESTED', message: `request ${existing.predicate.requestId} (${existing.id}) already covers this evidence; approvers decide that one` });
  }
  const risk = assessRisk(approval, options.stage, modelBytes(state), options.risk);
  const required = requiredApprovals(approval, risk.tier, stage.approvals);
  const directions = regressionDirections(engine.data);
  const diff = await diffSummary(packet, options.evidence ?? [], directions);
  const nonce = randomBytes(32).toString('hex');
  const deepReview = deepReviewOutcome(nonce, reviewItems({ diff, packet }), approval.deep_review?.rate ?? 0, approval.deep_review?.items ?? 5);
  const predicate: ApprovalRequestPredicate = {
    requestId: randomUUID(),
    nonce,
    createdAt: toRFC3339(options.createdAt),
    deadline: toRFC3339(new Date(options.createdAt.getTime() + required.reviewSeconds * 1000)),
    stage: options.stage,
    deployed,
    policy: { digest: `sha256:${options.policy.digest}` },
    packet,
    risk,
    required: { approvals: required.approvals, roles: required.roles, escalationRoles: [...approval.escalation_roles] },
    deepReview,
    diff,
    checklist: checklist(risk, packet, deepReview.selected),
  };
  const { statement, bundle } = await attestPredicate({ name: options.subject, digest: options.subject }, APPROVAL_REQUEST_TYPE, predicate, options.signing);
  const bytes = serializeBundle(bundle);
  const record = await verifiedRecord(engine, bytes, 'the signed request', options.createdAt);
  if (!record.signer.ids.some((id) => approval.requesters.includes(id))) {
    throw new ApprovalError({ code: 'REFUSED', message: `${signerLabel(record.signer)} is not a requester policy data names (approval.requesters: ${approval.requesters.join(', ')})` });
  }
  const put = await options.store.put(bytes);
  const digest = `sha256:${put.bundleDigest}`;
  const notified = await notifyWebhooks(options.notify ?? [], {
    type: 'approval.requested',
    id: eventId('approval.requested', digest),
    request: { id: predicate.requestId, digest, subject: options.subject, stage: options.stage, deadline: predicate.deadline, tier: risk.tier },
    eligible: eligibleSigners(approval, Object.keys(required.roles)),
    at: predicate.createdAt,
  });
  return { statement, predicate, bytes, digest, location: put.locations[0]!, notified };
}

/** data.gatehouse.approval, or a refusal naming the bundle when the policy has no approval workflow. */
export function approvalPolicyOf(data: PolicyData, source: string): ApprovalPolicy {
  if (data.approval === undefined) throw new InputError({ code: 'USAGE', message: 'the policy has no approval section (data.gatehouse.approval)', path: source });
  return data.approval;
}

/** Signer ids in these roles, sorted. */
export function eligibleSigners(policy: ApprovalPolicy, roles: Iterable<string>): string[] {
  return [...new Set([...roles].flatMap((role) => policy.roles[role] ?? []))].sort();
}

// The packet: each required gate's evidence as the decision uses it. A gate without any is refused: approvers would review nothing.
function packetOf(state: ChainState, gates: readonly string[]): PacketItem[] {
  const byId = new Map(state.records.map((record) => [record.id, record]));
  const packet: PacketItem[] = [];
  for (const gate of gates.filter(reviewedGate)) {
    const ids = state.decision.result.gates[gate]?.attestations ?? [];
    if (ids.length === 0) {
      const why = state.decision.result.violations.filter((v) => v.gate === gate).map((v) => v.msg);
      throw new ApprovalError({ code: 'NOTHING_TO_REVIEW', message: `${gate} has no acceptable evidence to put before approvers; run the gate first${why.length === 0 ? '' : ` (${why.join('; ')})`}` });
    }
    for (const id of ids) {
      const predicate = byId.get(id)!.predicate as { verdict: PacketItem['verdict']; evidence: PacketItem['reports'] };
      packet.push({ gate, attestation: id, verdict: predicate.verdict, reports: predicate.evidence });
    }
  }
  if (packet.map((item) => item.attestation).sort().join('\n') !== reviewableEvidence(state.decision).join('\n')) throw new Error('the packet differs from the evidence the decision uses');
  return packet;
}

// The baseline the comparison gates' evidence names, when they agree on one; else none.
function inferDeployed(state: ChainState, subject: ArtifactDigest): ArtifactDigest | null {
  const baselines = new Set(
    state.records
      .filter((record) => record.subjects.includes(subject))
      .map((record) => (record.predicate as { baseline?: { digest?: string } }).baseline?.digest)
      .filter((digest): digest is string => typeof digest === 'string'),
  );
  if (baselines.size > 1) throw new InputError({ code: 'USAGE', message: `the evidence names ${baselines.size} deployed models (${[...baselines].sort().join(', ')}); pass --deployed` });
  return baselines.size === 1 ? ([...baselines][0] as ArtifactDigest) : null;
}

function modelBytes(state: ChainState): number | null {
  const integrity = state.decision.result.gates['integrity']?.attestations ?? [];
  const sizes = state.records.filter((record: VerifiedRecord) => integrity.includes(record.id)).map((record) => (record.predicate as unknown as IntegrityPredicate).artifact.bytes);
  return sizes.length === 0 || sizes.some((size) => size === undefined) ? null : Math.max(...(sizes as number[]));
}

function regressionDirections(data: PolicyData): Record<string, 'higher' | 'lower'> {
  const metrics = ((data.thresholds?.['regression'] ?? {}) as { metrics?: Record<string, { direction: 'higher' | 'lower' }> }).metrics ?? {};
  return Object.fromEntries(Object.entries(metrics).map(([name, config]) => [name, config.direction]));
}

function checklist(risk: RiskAssessment, packet: readonly PacketItem[], deepReview: boolean): string[] {
  const notPassing = packet.filter((item) => item.verdict !== 'pass').map((item) => item.gate);
  return [
    notPassing.length === 0 ? 'Every gate passed: check that each verdict rests on figures you find convincing, not on the verdict alone.' : `Gates that did not pass (${notPassing.join(', ')}): read their reasons before anything else.`,
    'Read the diff summary: the examples whose outcome changed most between the deployed model and the candidate come first.',
    `The risk tier is ${risk.tier}: check each factor and its source; raise it with a risk file if something is missing.`,
    'Check that the packet is what you expect to ship: configuration, adapters and prompts are part of the subject digest, so no change is too minor to review.',
    ...(deepReview ? ['This request drew a deep review: judge each sampled item one by one (ok or concern, with a note).'] : []),
    'Approve only what you reviewed yourself; if you built, trained or gated this model, do not decide it.',
  ];
}
