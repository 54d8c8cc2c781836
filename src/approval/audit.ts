import { DecisionEngine } from '../decide/decide.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import type { AttestationStore } from '../store/store.ts';
import { toRFC3339 } from '../time.ts';
import { approvalPolicyOf } from './request.ts';
import { approvalsOf, breakGlassOverrides, chainState, coversEvidence, recordTime, requestsFor, reviewableEvidence, signerLabel, type ApprovalRecord } from './state.ts';
import { requestStatus, standingVetoes } from './status.ts';
import type { ApproverAudit, AuditReport } from './view.ts';

/**
 * Audits every approval in a store: per approver, decisions, approve rate,
 * median review time (from the request's time to the approval's, each the
 * witnessed signing time where there is one), the share of reviews faster
 * than the plausible minimum policy data sets, and deep-review findings;
 * how every request stands; and every break-glass override. Only statements
 * that verify under the policy count; `since` keeps those made from then on.
 */
export async function approvalAudit(options: { store: AttestationStore; policy: VerifiedPolicyBundle; at: Date; since?: Date }): Promise<AuditReport> {
  const engine = await DecisionEngine.create(options.policy);
  const approval = approvalPolicyOf(engine.data, options.policy.source);
  const sinceMs = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const reviews = new Map<string, Array<{ seconds: number; record: ApprovalRecord }>>();
  const totals = { total: 0, pending: 0, approved: 0, rejected: 0, overdue: 0, deepReviews: 0 };
  const breakGlass: AuditReport['breakGlass'] = [];
  const breakGlassRoles = approval.break_glass?.roles ?? [];
  for (const subject of await options.store.subjects()) {
    const stages = Object.entries(engine.data.stages).filter(([, config]) => config.required_gates.includes('approval')).map(([name]) => name);
    for (const stage of stages) {
      const state = await chainState(engine, options.store, subject, stage, null, options.at);
      const current = reviewableEvidence(state.decision);
      const requests = requestsFor(state.records, stage, approval);
      const vetoes = standingVetoes(requests.flatMap((request) => approvalsOf(state.records, request)), approval);
      for (const request of requests.filter((r) => recordTime(r) >= sinceMs)) {
        const approvals = approvalsOf(state.records, request);
        const status = requestStatus(request, approvals, approval, options.at.getTime(), coversEvidence(request.predicate, current, state.records), vetoes);
        totals.total += 1;
        if (request.predicate.deepReview.selected) totals.deepReviews += 1;
        if (status.state === 'approved' || status.state === 'rejected' || status.state === 'pending') totals[status.state] += 1;
        if (status.state === 'overdue' || status.state === 'escalated') totals.overdue += 1;
        for (const record of approvals) {
          const name = signerLabel(record.signer);
          const list = reviews.get(name) ?? [];
          list.push({ seconds: Math.max(0, (recordTime(record) - recordTime(request)) / 1000), record });
          reviews.set(name, list);
        }
      }
      for (const override of breakGlassOverrides(state.records)) {
        const predicate = override.predicate as { stage: string; reason: string; createdAt: string };
        if (predicate.stage !== stage || recordTime(override) < sinceMs) continue;
        if (!override.signer.ids.some((id) => breakGlassRoles.some((role) => (approval.roles[role] ?? []).includes(id)))) continue;
        breakGlass.push({ signer: signerLabel(override.signer), subject, stage, at: predicate.createdAt, reason: predicate.reason, bundleDigest: override.id });
      }
    }
  }
  const minReviewSeconds = approval.min_review_seconds ?? 0;
  const approvers: ApproverAudit[] = [...reviews.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([approver, list]) => {
      list.sort((a, b) => recordTime(a.record) - recordTime(b.record));
      const seconds = list.map((review) => review.seconds);
      const approvals = list.filter((review) => review.record.predicate.decision === 'approve').length;
      const findings = list.flatMap((review) => review.record.predicate.findings ?? []);
      return {
        approver,
        decisions: list.length,
        approvals,
        rejections: list.length - approvals,
        approveRate: list.length === 0 ? null : approvals / list.length,
        medianReviewSeconds: median(seconds),
        fastShare: list.length === 0 ? null : seconds.filter((s) => s < minReviewSeconds).length / list.length,
        reviewSeconds: seconds,
        findings: { items: findings.length, concerns: findings.filter((finding) => finding.judgment === 'concern').length },
      };
    });
  breakGlass.sort((a, b) => (a.at > b.at ? -1 : a.at < b.at ? 1 : 0));
  return { since: options.since === undefined ? null : toRFC3339(options.since), generatedAt: toRFC3339(options.at), minReviewSeconds, approvers, requests: totals, breakGlass };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
