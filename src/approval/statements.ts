import requestSchema from '../attest/schemas/approval-request.schema.json' with { type: 'json' };
import breakGlassSchema from '../attest/schemas/break-glass.schema.json' with { type: 'json' };
import type { EvidenceReference, GatePredicateBase, GateVerdict } from '../attest/predicates.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { compileSchema, type SchemaValidator } from '../schema/validator.ts';
import type { DiffExample, RiskAssessment } from './view.ts';
import '../gates/registry.ts';
import { DATASET_TYPE, datasetValidator } from '../gates/data-provenance/dataset.ts';
import { RISK_ACCEPTANCE_TYPE, riskAcceptanceValidator } from '../gates/redteam/risk-acceptance.ts';

/** Predicate type of an approval request: what was put before approvers, signed by the requester. */
export const APPROVAL_REQUEST_TYPE = 'https://gatehouse.dev/attestations/approval-request/v1';

/** Predicate type of a break-glass override, signed by a member of a break-glass role. */
export const BREAK_GLASS_TYPE = 'https://gatehouse.dev/attestations/break-glass/v1';

/** One gate attestation of a request's packet, with the reports and evidence files it names. */
export interface PacketItem {
  gate: string;
  /** sha256 digest of the attestation bundle. */
  attestation: string;
  verdict: GateVerdict;
  reports: EvidenceReference[];
}

/** The deep-review draw a request records, derived from its nonce (see deepReviewDraw). */
export interface RecordedDraw {
  draw: number;
  scale: number;
  rate: number;
  selected: boolean;
  items: string[];
}

/** Predicate of an approval request. */
export interface ApprovalRequestPredicate {
  /** A random UUID naming the request; approvals name it. */
  requestId: string;
  /** 32 random bytes (hex): approvals are bound to it and the deep-review draw is derived from it. */
  nonce: string;
  createdAt: string;
  /** When the request becomes overdue: createdAt plus the tier's review time. */
  deadline: string;
  stage: string;
  deployed: string | null;
  policy: { digest: string };
  packet: PacketItem[];
  risk: RiskAssessment;
  required: { approvals: number; roles: Record<string, number>; escalationRoles: string[] };
  deepReview: RecordedDraw;
  /** Candidate and deployed side by side on representative inputs, most changed first. */
  diff: DiffExample[];
  /** What the approvers are asked to check. */
  checklist: string[];
}

/** Predicate of a break-glass override. */
export interface BreakGlassPredicate {
  stage: string;
  reason: string;
  incident?: string;
  createdAt: string;
}

/** Signed statements that are not gate attestations (the approval workflow's, risk acceptances, dataset attestations): how a decision checks each and when it was made. */
export const workflowStatements: ReadonlyMap<string, { validator: SchemaValidator<unknown>; timeField: 'createdAt' }> = new Map([
  [APPROVAL_REQUEST_TYPE, { validator: compileSchema<ApprovalRequestPredicate>(requestSchema), timeField: 'createdAt' as const }],
  [BREAK_GLASS_TYPE, { validator: compileSchema<BreakGlassPredicate>(breakGlassSchema), timeField: 'createdAt' as const }],
  [RISK_ACCEPTANCE_TYPE, { validator: riskAcceptanceValidator, timeField: 'createdAt' as const }],
  [DATASET_TYPE, { validator: datasetValidator, timeField: 'createdAt' as const }],
]);

/**
 * What a deep review samples from: every example of the request's diff
 * summary and every gate of its packet (`gate:<name>`), so a review always
 * has items even when no per-example evidence was supplied.
 */
export function reviewItems(request: Pick<ApprovalRequestPredicate, 'diff' | 'packet'>): string[] {
  return [...request.diff.map((example) => example.id), ...request.packet.map((item) => `gate:${item.gate}`)];
}

/** The denominator of a deep-review draw: 2^52, so draw / scale is an exact double in [0, 1). */
export const DRAW_SCALE = 2 ** 52;

/**
 * The deep-review draw of a request: an integer in [0, 2^52) from the
 * sha256 of its nonce, and every review item ranked by the sha256 of the
 * nonce and its id. Derived from the nonce alone, so anyone can recompute
 * it, and the decision does (the policy input carries it as expected_draw).
 */
export function deepReviewDraw(nonce: string, itemIds: readonly string[]): { draw: number; scale: number; ranking: string[] } {
  const draw = Number.parseInt(sha256Hex(`gatehouse deep-review draw\n${nonce}`).slice(0, 13), 16);
  const keyed = [...new Set(itemIds)].map((id) => ({ id, key: sha256Hex(`gatehouse deep-review item\n${nonce}\n${id}`) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { draw, scale: DRAW_SCALE, ranking: keyed.map((item) => item.id) };
}

/** The draw's outcome under a rate: whether a deep review is due and the items it must judge. */
export function deepReviewOutcome(nonce: string, itemIds: readonly string[], rate: number, items: number): RecordedDraw {
  const { draw, scale, ranking } = deepReviewDraw(nonce, itemIds);
  const selected = draw < rate * scale;
  return { draw, scale, rate, selected, items: selected ? ranking.slice(0, items) : [] };
}
