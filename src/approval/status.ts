import { DecisionEngine } from '../decide/decide.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import type { ApprovalPolicy } from '../policy/data.ts';
import type { AttestationStore } from '../store/store.ts';
import { toRFC3339 } from '../time.ts';
import { eventId, notifyWebhooks, type NotifyResult } from './notify.ts';
import { approvalPolicyOf, eligibleSigners } from './request.ts';
import { approvalsOf, chainState, coversEvidence, inRoles, newestWords, recordTime, requestsFor, reviewableEvidence, signerLabel, type ApprovalRecord, type RequestRecord, type VerifiedRecord } from './state.ts';

/** Where a request stands. */
export type RequestState = 'pending' | 'approved' | 'rejected' | 'overdue' | 'escalated' | 'superseded';

/** One request as `approval status` shows it. */
export interface RequestStatus {
  requestId: string;
  /** `sha256:<hex>` of the request bundle: what `approval sign` and `approval review` take. */
  digest: string;
  requester: string;
  createdAt: string;
  deadline: string;
  tier: string;
  required: { approvals: number; roles: Record<string, number> };
  deepReview: boolean;
  /**
   * approved or rejected once decided (on the words of eligible approvers);
   * superseded when the evidence moved on (a gate re-run: ask again);
   * otherwise pending, or past its deadline overdue and, with escalation
   * roles in policy data, escalated to them. Never approved by default.
   */
  state: RequestState;
  /** Each approver's newest word. */
  decisions: Array<{ approver: string; decision: 'approve' | 'reject'; at: string; digest: string }>;
  /** Signer ids who may still act: role members yet to decide, and escalation roles once overdue. */
  canAct: string[];
}

/** Every request for a subject and stage, and the escalation notifications sent. */
export interface ApprovalStatus {
  subject: ArtifactDigest;
  stage: string;
  at: string;
  requests: RequestStatus[];
  notified: NotifyResult[];
}

/**
 * Where every approval request for an artifact and stage stands at `at`, with
 * who can act on it. An overdue request whose escalation roles have not yet
 * been told is announced to the webhooks (`approval.escalated`, with a stable
 * event id, so running status on a schedule repeats it harmlessly).
 */
export async function approvalStatus(options: { subject: ArtifactDigest; stage: string; store: AttestationStore; policy: VerifiedPolicyBundle; at: Date; notify?: readonly string[] }): Promise<ApprovalStatus> {
  const engine = await DecisionEngine.create(options.policy);
  const approval = approvalPolicyOf(engine.data, options.policy.source);
  const state = await chainState(engine, options.store, options.subject, options.stage, null, options.at);
  const current = reviewableEvidence(state.decision);
  const all = requestsFor(state.records, options.stage, approval);
  const vetoes = standingVetoes(all.flatMap((request) => approvalsOf(state.records, request)), approval);
  const requests = all.map((request) =>
    requestStatus(request, approvalsOf(state.records, request), approval, options.at.getTime(), coversEvidence(request.predicate, current, state.records), vetoes),
  );
  const notified: NotifyResult[] = [];
  for (const status of requests.filter((request) => request.state === 'escalated')) {
    notified.push(
      ...(await notifyWebhooks(options.notify ?? [], {
        type: 'approval.escalated',
        id: eventId('approval.escalated', status.digest),
        request: { id: status.requestId, digest: status.digest, subject: options.subject, stage: options.stage, deadline: status.deadline, tier: status.tier },
        eligible: status.canAct,
        at: toRFC3339(options.at),
      })),
    );
  }
  return { subject: options.subject, stage: options.stage, at: toRFC3339(options.at), requests, notified };
}

/**
 * Rejections that stand on the artifact and stage: each approver's newest
 * word on any of its requests, where that word rejects and the approver is
 * in an approval role. As the policy judges vetoes, a gate re-run or a new
 * request does not lift them; only the approver's later word does.
 */
export function standingVetoes(approvals: readonly ApprovalRecord[], policy: ApprovalPolicy): ApprovalRecord[] {
  const roles = new Set([...Object.values(policy.tiers).flatMap((tier) => Object.keys(tier.roles)), ...policy.escalation_roles]);
  return newestWords(approvals).filter((word) => word.predicate.decision === 'reject' && inRoles(word.signer, policy, roles));
}

/** The state of one request from its approvals and the vetoes standing on its artifact and stage, judged as the policy judges eligibility and counts. */
export function requestStatus(request: RequestRecord, approvals: readonly ApprovalRecord[], policy: ApprovalPolicy, atMs: number, current: boolean, vetoes: readonly ApprovalRecord[] = []): RequestStatus {
  const asked = request.predicate;
  const roles = Object.keys(asked.required.roles);
  const deadlineMs = recordTime(request) + (Date.parse(asked.deadline) - Date.parse(asked.createdAt));
  const eligible = (record: VerifiedRecord) => inRoles(record.signer, policy, roles) || (recordTime(record) > deadlineMs && inRoles(record.signer, policy, policy.escalation_roles));
  const words = newestWords(approvals).filter(eligible);
  const approvers = words.filter((word) => word.predicate.decision === 'approve');
  const overdue = atMs > deadlineMs;
  // As the policy counts: each approver for the first required role (by name) they are in; escalated ones stand in for any.
  const counted = approvers.map((word) => [...roles].sort().find((role) => inRoles(word.signer, policy, [role])));
  const shortfall = Object.entries(asked.required.roles).reduce((sum, [role, need]) => sum + Math.max(0, need - counted.filter((r) => r === role).length), 0);
  const enough = approvers.length >= asked.required.approvals && shortfall <= counted.filter((role) => role === undefined).length;
  let state: RequestState;
  if (!current) state = 'superseded';
  else if (words.some((word) => word.predicate.decision === 'reject') || vetoes.length > 0) state = 'rejected';
  else if (enough) state = 'approved';
  else if (overdue) state = policy.escalation_roles.length > 0 ? 'escalated' : 'overdue';
  else state = 'pending';
  const decided = new Set(words.flatMap((word) => word.signer.ids));
  const open = state === 'pending' || state === 'overdue' || state === 'escalated';
  return {
    requestId: asked.requestId,
    digest: request.id,
    requester: signerLabel(request.signer),
    createdAt: asked.createdAt,
    deadline: asked.deadline,
    tier: asked.risk.tier,
    required: { approvals: asked.required.approvals, roles: asked.required.roles },
    deepReview: asked.deepReview.selected,
    state,
    decisions: words.map((word) => ({ approver: signerLabel(word.signer), decision: word.predicate.decision, at: word.predicate.evaluatedAt, digest: word.id })),
    canAct: open ? eligibleSigners(policy, overdue ? [...roles, ...policy.escalation_roles] : roles).filter((id) => !decided.has(id) && !request.signer.ids.includes(id)) : [],
  };
}
