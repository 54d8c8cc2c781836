import type { Statement } from '../attest/statement.ts';
import { DecisionEngine } from '../decide/decide.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import { attestPredicate, type SigningOptions } from '../sign/attest.ts';
import { serializeBundle } from '../store/serialize.ts';
import type { AttestationStore } from '../store/store.ts';
import { toRFC3339 } from '../time.ts';
import { ApprovalError } from './error.ts';
import { approvalPolicyOf } from './request.ts';
import { inRoles, signerLabel, verifiedRecord } from './state.ts';
import { BREAK_GLASS_TYPE, type BreakGlassPredicate } from './statements.ts';

/**
 * Signs an emergency override of the approval gate for one artifact and
 * stage, by a member of a break-glass role (anyone else is refused before
 * anything is stored). It stands in for the approvals for the window policy
 * data sets, never for a rejection or any other gate, and every decision,
 * record and audit shows it.
 */
export async function breakGlass(options: {
  subject: ArtifactDigest;
  stage: string;
  reason: string;
  incident?: string;
  store: AttestationStore;
  policy: VerifiedPolicyBundle;
  signing: SigningOptions;
  at: Date;
}): Promise<{ statement: Statement<Record<string, unknown>>; digest: string; location: string; signer: string }> {
  const engine = await DecisionEngine.create(options.policy);
  const approval = approvalPolicyOf(engine.data, options.policy.source);
  const predicate: BreakGlassPredicate = { stage: options.stage, reason: options.reason, ...(options.incident === undefined ? {} : { incident: options.incident }), createdAt: toRFC3339(options.at) };
  const { statement, bundle } = await attestPredicate({ name: options.subject, digest: options.subject }, BREAK_GLASS_TYPE, predicate, options.signing);
  const bytes = serializeBundle(bundle);
  const record = await verifiedRecord(engine, bytes, 'the signed override', options.at);
  const roles = approval.break_glass?.roles ?? [];
  if (!inRoles(record.signer, approval, roles)) {
    throw new ApprovalError({ code: 'REFUSED', message: `${signerLabel(record.signer)} is in no break-glass role (approval.break_glass.roles: ${roles.join(', ') || 'none'})` });
  }
  const put = await options.store.put(bytes);
  return { statement, digest: `sha256:${put.bundleDigest}`, location: put.locations[0]!, signer: signerLabel(record.signer) };
}
