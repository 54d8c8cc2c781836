import type { GatePredicateBase } from '../attest/predicates.ts';
import { DecisionEngine } from '../decide/decide.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import { figure } from '../gates/gate.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import type { AttestationStore } from '../store/store.ts';
import { approvalPolicyOf, eligibleSigners } from './request.ts';
import { readRequest } from './sign.ts';
import { approvalsOf, chainState, coversEvidence, newestWords, requestsFor, reviewableEvidence, signerLabel } from './state.ts';
import { requestStatus, standingVetoes } from './status.ts';
import type { GateFigure, ReviewView } from './view.ts';

/**
 * Everything an approver reviews about one request, from the store: the
 * request as signed (its risk, requirements, diff summary and deep-review
 * draw), each gate attestation of its packet as verified now with its
 * figures, and the decisions so far. What is shown is what was signed: a
 * gate attestation that no longer verifies is shown as such.
 */
export async function reviewView(options: { request: string; store: AttestationStore; policy: VerifiedPolicyBundle; at: Date }): Promise<ReviewView> {
  const engine = await DecisionEngine.create(options.policy);
  const approval = approvalPolicyOf(engine.data, options.policy.source);
  const request = await readRequest(engine, { request: options.request, store: options.store, evaluatedAt: options.at });
  const asked = request.predicate;
  const subject = request.subjects.find((s) => s.startsWith('sha256:')) as ArtifactDigest;
  const state = await chainState(engine, options.store, subject, asked.stage, asked.deployed as ArtifactDigest | null, options.at);
  const byId = new Map(state.records.map((record) => [record.id, record]));
  const vetoes = standingVetoes(requestsFor(state.records, asked.stage, approval).flatMap((other) => approvalsOf(state.records, other)), approval);
  const status = requestStatus(request, approvalsOf(state.records, request), approval, options.at.getTime(), coversEvidence(asked, reviewableEvidence(state.decision), state.records), vetoes);
  return {
    request: {
      id: asked.requestId,
      bundleDigest: request.id,
      subject,
      stage: asked.stage,
      deployed: asked.deployed,
      createdAt: asked.createdAt,
      deadline: asked.deadline,
      requester: signerLabel(request.signer),
      state: status.state,
    },
    risk: asked.risk,
    required: {
      approvals: asked.required.approvals,
      roles: Object.entries(asked.required.roles).map(([role, count]) => ({ role, count, members: eligibleSigners(approval, [role]) })),
      escalationRoles: asked.required.escalationRoles,
    },
    checklist: asked.checklist,
    gates: asked.packet.map((item) => {
      const record = byId.get(item.attestation);
      const predicate = record?.predicate as (GatePredicateBase & Record<string, unknown>) | undefined;
      return {
        gate: item.gate,
        verdict: predicate?.verdict ?? `${item.verdict} (attestation no longer in the store or no longer verifies)`,
        attestation: item.attestation,
        signer: record === undefined ? 'unverified' : signerLabel(record.signer),
        evaluatedAt: predicate?.evaluatedAt ?? '',
        figures: predicate === undefined ? [] : figuresOf(predicate),
        reasons: predicate?.reasons ?? [],
        reports: item.reports,
      };
    }),
    diff: asked.diff,
    deepReview: { draw: asked.deepReview.draw / asked.deepReview.scale, rate: asked.deepReview.rate, selected: asked.deepReview.selected, items: asked.deepReview.items },
    decisions: newestWords(approvalsOf(state.records, request)).map((word) => ({
      approver: signerLabel(word.signer),
      decision: word.predicate.decision,
      at: word.predicate.evaluatedAt,
      justification: word.predicate.justification,
    })),
  };
}

// The figures a gate's predicate carries, as the reviewer reads them.
function figuresOf(predicate: GatePredicateBase & Record<string, unknown>): GateFigure[] {
  const interval = (ci: { low: number; high: number } | undefined) => (ci === undefined ? undefined : `[${figure(ci.low)}, ${figure(ci.high)}]`);
  const withInterval = (name: string, value: string, ci?: { low: number; high: number }, verdict?: string): GateFigure => {
    const shown = interval(ci);
    return { name, value, ...(shown === undefined ? {} : { interval: shown }), ...(verdict === undefined ? {} : { verdict }) };
  };
  const figures: GateFigure[] = [];
  for (const metric of (predicate['metrics'] as Array<{ name: string; delta?: number; value?: number; ci?: { low: number; high: number }; verdict?: string }> | undefined) ?? []) {
    figures.push(withInterval(metric.name, figure(metric.delta ?? metric.value), metric.ci, metric.verdict));
  }
  for (const category of (predicate['categories'] as Array<{ name: string; rate: number; ci?: { low: number; high: number }; verdict?: string }> | undefined) ?? []) {
    figures.push(withInterval(`pass rate: ${category.name}`, figure(category.rate), category.ci, category.verdict));
  }
  const overRefusal = predicate['overRefusal'] as { rate: number; ci?: { low: number; high: number }; verdict?: string } | undefined;
  if (overRefusal !== undefined) figures.push(withInterval('over-refusal', figure(overRefusal.rate), overRefusal.ci, overRefusal.verdict));
  const artifact = predicate['artifact'] as { digest?: string; bytes?: number } | undefined;
  if (artifact?.bytes !== undefined) figures.push({ name: 'model bytes', value: String(artifact.bytes) });
  const signature = predicate['modelSignature'] as { signer?: { kind: string; keyId?: string; subject?: string } | null } | undefined;
  if (signature !== undefined) figures.push({ name: 'model signed by', value: signature.signer === null || signature.signer === undefined ? 'nobody (signature did not verify)' : (signature.signer.keyId ?? signature.signer.subject ?? signature.signer.kind) });
  return figures;
}
